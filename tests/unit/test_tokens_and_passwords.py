from app.core.passwords import hash_password, needs_rehash, verify_password
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
