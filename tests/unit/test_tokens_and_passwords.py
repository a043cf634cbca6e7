from collections.abc import Iterator

import pytest

from app.core import passwords
from app.core.passwords import hash_password, needs_rehash, use_hashing_cost, verify_password
from app.core.tokens import new_public_id, new_secret_token, token_digest


def test_public_ids_are_prefixed_random_and_long_enough() -> None:
    ids = {new_public_id("mer") for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("mer_") and len(i) >= 4 + 16 for i in ids)


def test_secret_tokens_carry_256_bits_and_are_stored_as_digests() -> None:
    token = new_secret_token()
    assert len(token) >= 43
    assert token_digest(token) == token_digest(token)
    assert token_digest(token) != token_digest(new_secret_token())
    assert token not in token_digest(token)


def test_password_hashes_verify_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
    assert not needs_rehash(stored)


@pytest.fixture
def standard_cost() -> Iterator[None]:
    """Full-cost hashing for one test (the suite hashes at the cheapest cost), then back."""
    before = passwords._hashing.cost
    use_hashing_cost("standard")
    yield
    use_hashing_cost(before)


@pytest.mark.usefixtures("standard_cost")
def test_stored_hashes_carry_rfc_9106_cost_and_cheaper_ones_are_rehashed() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not needs_rehash(stored)
    use_hashing_cost("cheapest")
    cheap = hash_password("correct horse battery")
    use_hashing_cost("standard")
    assert verify_password(cheap, "correct horse battery")
    assert needs_rehash(cheap)
