import base64
import time

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.crypto import (
    InvalidToken,
    Purpose,
    Rotation,
    decrypt,
    derive_key,
    encrypt,
    seal,
    session_signing_key,
    unseal,
)

KEY = "a-server-secret-key-of-reasonable-length"


def test_secrets_round_trip_and_are_not_readable() -> None:
    token = encrypt("sk_test_abc123", KEY)
    assert "sk_test_abc123" not in token
    assert decrypt(token, KEY) == "sk_test_abc123"
    assert encrypt("sk_test_abc123", KEY) != token  # a fresh IV each time


def test_another_key_or_a_changed_token_is_refused() -> None:
    token = encrypt("whsec_123", KEY)
    with pytest.raises(InvalidToken):
        decrypt(token, KEY + "x")
    with pytest.raises(InvalidToken):
        decrypt(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), KEY)


def test_sealed_values_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    token = seal({"secret_key": "sk_test_1"}, KEY)
    assert unseal(token, KEY, max_age_seconds=600) == {"secret_key": "sk_test_1"}
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        unseal(token, KEY, max_age_seconds=600)


def test_sealed_and_at_rest_keys_are_separate() -> None:
    with pytest.raises(InvalidToken):
        decrypt(seal({"a": 1}, KEY), KEY)


def test_every_purpose_has_its_own_key_and_none_is_the_secret_itself() -> None:
    keys = [derive_key(KEY, purpose) for purpose in Purpose]
    assert len(set(keys)) == len(Purpose)
    assert KEY.encode() not in keys and session_signing_key(KEY) != KEY
    assert session_signing_key(KEY) == derive_key(KEY, Purpose.SESSIONS).hex()
    with pytest.raises(InvalidToken):  # a checkout token's key is not the Stripe secrets' key
        decrypt(encrypt("token", KEY, Purpose.CHECKOUT_TOKENS), KEY)


def test_secrets_stored_before_keys_had_purposes_named_still_open() -> None:
    """The at-rest key has always been HKDF(KASSA_SECRET_KEY, info "kassa:at-rest"): what
    earlier releases stored needs no re-encrypting."""
    legacy_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kassa:at-rest"
    ).derive(KEY.encode())
    stored = Fernet(base64.urlsafe_b64encode(legacy_key)).encrypt(b"sk_test_legacy").decode()
    assert decrypt(stored, KEY) == "sk_test_legacy"


def test_a_rotation_reencrypts_counts_and_leaves_what_neither_key_opens() -> None:
    new_key = KEY + "-rotated"
    old_value = encrypt("sk_test_1", KEY)
    rotated_value = encrypt("whsec_2", new_key)
    foreign_value = encrypt("sk_test_3", "a-key-nobody-has")
    rotation = Rotation(KEY, new_key)

    first = rotation.rekey(old_value, Purpose.AT_REST)
    second = rotation.rekey(rotated_value, Purpose.AT_REST)
    third = rotation.rekey(foreign_value, Purpose.AT_REST)

    assert decrypt(first, new_key) == "sk_test_1" and second == rotated_value
    assert third == foreign_value
    assert (rotation.reencrypted, rotation.already_new, rotation.unreadable) == (1, 1, 1)
