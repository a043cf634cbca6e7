import time

import pytest

from app.core.crypto import InvalidToken, decrypt, encrypt, seal, unseal

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
