"""Which database engine the tests run on."""

from __future__ import annotations

import os


def on_second_engine() -> bool:
    """True on CI's PostgreSQL leg (KASSA_TEST_DATABASE_URL), which runs after the whole suite
    passed on SQLite."""
    return bool(os.environ.get("KASSA_TEST_DATABASE_URL", "").strip())


def examples(count: int) -> int:
    """How many examples a property test of queries runs: all on the first engine, half on the
    second, whose leg checks that the engine reads the same SQL the same way; the sequences
    themselves were explored on the first. Tests of money moving keep their whole count on both
    (their races differ between engines)."""
    return max(count // 2, 5) if on_second_engine() else count
