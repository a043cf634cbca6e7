"""Rate limits: how often one client address, one account or one checkout may try something.

Flask-Limiter counts; the counters live in the store ``KASSA_RATELIMIT_STORAGE_URL`` names, which
every gunicorn worker (and with Redis, every server) shares: Redis when configured, otherwise
``SQLiteStorage`` below, a file in the instance folder. Per-process memory would let each worker
allow the whole limit again (a login limit of 10 let 45 of 60 tries through under gunicorn).

Each limit is a fixed window that opens at its first hit: the counter is raised atomically
before the request is handled, so requests sent at once cannot all slip under the limit.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits.storage import Storage

from app.core.files import private_sqlite_file

# Limits by something other than the client address, and those without a setting. The login
# limit per address is ``KASSA_LOGIN_RATE_LIMIT``.
LOGIN_PER_ACCOUNT = "10 per 15 minutes"
SIGN_UP_PER_ADDRESS = "10 per hour"
# Each sign-up or reset request sends an email to the address typed: few per address typed.
EMAILS_PER_RECIPIENT = "3 per hour"
RESET_REQUESTS_PER_ADDRESS = "10 per hour"
# A customer asking for a link to their portal: an email to the address typed each time.
PORTAL_LINK_REQUESTS_PER_ADDRESS = "10 per hour"
# Guessing a merchant's discount codes, from one client or within one checkout (or cart).
DISCOUNT_CODES_PER_ADDRESS = "20 per 10 minutes"
DISCOUNT_CODES_PER_CHECKOUT = "10 per 10 minutes"
# Every view of the return page reads the PaymentIntent from Stripe.
RETURN_PAGE_PER_ADDRESS = "30 per minute"
RETURN_PAGE_PER_CHECKOUT = "10 per minute"
# "Pay" on an invoice opens (or brings up to date) a checkout: a row each time.
INVOICE_PAY_PER_ADDRESS = "30 per minute"
INVOICE_PAY_PER_INVOICE = "20 per minute"
# A quote's posts (pay opens a checkout row; accept, decline and the priced choices write or
# price): per client address, and per quote whoever sends them.
QUOTE_POSTS_PER_ADDRESS = "30 per minute"
QUOTE_POSTS_PER_QUOTE = "20 per minute"


def login_limit_per_address() -> str:
    return str(current_app.config["KASSA_LOGIN_RATE_LIMIT"])


def client_address() -> str:
    return get_remote_address()


def typed_email() -> str:
    """The account a form names: its email, as accounts are looked up."""
    return "email:" + str(request.form.get("email", "")).strip().lower()


def checkout_token() -> str:
    return "checkout:" + str((request.view_args or {}).get("token", ""))


def invoice_token() -> str:
    return "invoice:" + str((request.view_args or {}).get("token", ""))


def quote_token() -> str:
    return "quote:" + str((request.view_args or {}).get("token", ""))


class SQLiteStorage(Storage):
    """A ``limits`` storage in one SQLite file, shared by every process on the machine.

    URI: ``sqlite:///relative/path`` or ``sqlite:////absolute/path``. One row per counter; a
    hit is one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite 3.35+), which
    SQLite runs under its write lock, so concurrent workers never lose a count. Each process
    and thread opens its own connection (gunicorn forks after loading the app).
    """

    STORAGE_SCHEME = ["sqlite"]
    _PURGE_EVERY_SECONDS = 60.0

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        self.path = Path(uri.removeprefix("sqlite:///"))
        self._local = threading.local()
        self._purged_at = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private_sqlite_file(self.path)
        with sqlite3.connect(self.path, timeout=10) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS rate_limit_counters ("
                " key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at REAL NOT NULL)"
            )
        connection.close()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            local.connection.execute("PRAGMA busy_timeout=10000")
            local.pid = os.getpid()
        connection: sqlite3.Connection = local.connection
        return connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        row = (
            self._connection()
            .execute(
                "INSERT INTO rate_limit_counters (key, hits, expires_at) VALUES (?1, ?2, ?3)"
                " ON CONFLICT (key) DO UPDATE SET"
                "  hits = CASE WHEN expires_at <= ?4 THEN ?2 ELSE hits + ?2 END,"
                "  expires_at = CASE WHEN expires_at <= ?4 THEN ?3 ELSE expires_at END"
                " RETURNING hits",
                (key, amount, now + expiry, now),
            )
            .fetchone()
        )
        if now - self._purged_at > self._PURGE_EVERY_SECONDS:
            self._purged_at = now
            self._connection().execute(
                "DELETE FROM rate_limit_counters WHERE expires_at <= ?", (now,)
            )
        return int(row[0])

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT hits FROM rate_limit_counters WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute(
                "SELECT expires_at FROM rate_limit_counters WHERE key = ? AND expires_at > ?",
                (key, now),
            )
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        return self._connection().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM rate_limit_counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM rate_limit_counters WHERE key = ?", (key,))
