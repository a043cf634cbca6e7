"""Password hashing with argon2id, and the strength rules for new passwords (zxcvbn)."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# The cost of every stored hash, by the name a setting gives (``KASSA_PASSWORD_HASHING``):
# RFC 9106's recommendation for machines with little memory (argon2-cffi's default), or, for a
# test suite only, the same algorithm at its lowest cost (thousands of sign-ups would otherwise
# spend most of the suite's time hashing). Hashes name their own cost, so either verifies both.
HASHING_COSTS: dict[str, Parameters] = {
    "standard": profiles.RFC_9106_LOW_MEMORY,
    "cheapest": profiles.CHEAPEST,
}


class _Hashing:
    """The process's hasher and its timing dummy (verified against when no user matches, so a
    wrong email takes as long as a wrong password)."""

    def __init__(self, cost: str) -> None:
        self.cost = cost
        self.hasher = PasswordHasher.from_parameters(HASHING_COSTS[cost])
        self.dummy_hash = self.hasher.hash("kassa-timing-equaliser")


_hashing = _Hashing("standard")


def use_hashing_cost(cost: str) -> None:
    """Hash new passwords at ``cost`` (a key of ``HASHING_COSTS``) from now on in this process."""
    global _hashing
    if cost != _hashing.cost:
        _hashing = _Hashing(cost)


def hash_password(password: str) -> str:
    return _hashing.hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    hashing = _hashing
    try:
        verified = hashing.hasher.verify(stored_hash or hashing.dummy_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return verified and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hashing.hasher.check_needs_rehash(stored_hash)


class PasswordWeakness(enum.StrEnum):
    """Why a new password is refused (callers map each to words)."""

    CONTEXT = "context"  # holds the email, a name, the business's name or "kassa"
    COMMON = "common"  # mostly one of the most common (breached) passwords
    PATTERN = "pattern"  # repeats, sequences, keyboard rows, dates
    GUESSABLE = "guessable"  # anything else that falls to few guesses


# zxcvbn's score: 3 is "safely unguessable" (about 10^10 guesses or more), what it advises for
# a password kept as a slow hash.
MINIMUM_SCORE = 3
# Words an attacker of any Kassa account tries first, whatever the account.
SERVICE_WORDS = ("kassa",)
# Shorter pieces of a name ("AB", "Li") are too common inside good passwords to refuse.
CONTEXT_WORD_MIN = 4
_WORD_SEPARATORS = re.compile(r"[^\w]+|_")


def context_words(*texts: str) -> list[str]:
    """What a person's password must not be built from: each of ``texts`` (an email, a name,
    a business name) whole and in its words, an email's local part and domain name too, and
    ``SERVICE_WORDS``; lowercased."""
    words: set[str] = set(SERVICE_WORDS)
    for text in texts:
        lowered = text.strip().lower()
        if not lowered:
            continue
        pieces = [lowered]
        if "@" in lowered:
            local, _, domain = lowered.rpartition("@")
            pieces += [local, domain.split(".")[0]]
        for piece in pieces:
            words.add(piece)
            words.add(_WORD_SEPARATORS.sub("", piece))
            words.update(_WORD_SEPARATORS.split(piece))
    return sorted(word for word in words if word)


def password_weakness(password: str, context: Sequence[str] = ()) -> PasswordWeakness | None:
    """Why ``password`` is too weak to accept, or None.

    ``context`` is the output of ``context_words`` for the account. zxcvbn estimates how many
    guesses the password takes against the most common passwords, words, names, keyboard
    patterns, dates and the context (with l33t variants); below ``MINIMUM_SCORE`` it is refused,
    with the reason that weighs most.
    """
    lowered = password.lower()
    if any(len(word) >= CONTEXT_WORD_MIN and word in lowered for word in context):
        return PasswordWeakness.CONTEXT
    estimate = zxcvbn(password, user_inputs=list(context), max_length=max(72, len(password)))
    matches = estimate["sequence"]
    if any(
        match.get("dictionary_name") == "user_inputs" and len(match["token"]) >= CONTEXT_WORD_MIN
        for match in matches
    ):
        return PasswordWeakness.CONTEXT
    if estimate["score"] >= MINIMUM_SCORE:
        return None
    common = sum(
        len(match["token"]) for match in matches if match.get("dictionary_name") == "passwords"
    )
    if common * 2 >= len(password):
        return PasswordWeakness.COMMON
    if any(m["pattern"] in ("repeat", "sequence", "spatial", "date", "regex") for m in matches):
        return PasswordWeakness.PATTERN
    return PasswordWeakness.GUESSABLE
