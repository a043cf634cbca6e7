"""Every Kassa setting, read from ``KASSA_*`` environment variables (a ``.env`` file is honoured).

This module is the one place that names a setting. ``Settings.load()`` reads the environment,
optionally overlaid with a mapping of the same ``KASSA_*`` names (tests and scripts use that),
and ``flask_config()`` turns the settings into the Flask and extension keys that need them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv
from sqlalchemy.engine import make_url

from app.core.crypto import session_signing_key
from app.core.files import write_private_text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_TRUE = {"1", "true", "yes", "on"}

# The Stripe API version Kassa is written against. Every request states it and Kassa's webhook
# endpoints ask for it, so Stripe's answers and events have the shapes Kassa reads whatever the
# account's default version is. Not an operator setting: it changes only with the code that
# reads those shapes (and with the stripe library in pyproject.toml, whose version a test
# compares with it).
STRIPE_API_VERSION = "2026-10-28.endive"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Stripe's Content Security Policy guidance for Stripe.js and its Elements ("Security at
# Stripe" → Content Security Policy): the sources each directive must allow. Google Maps is
# there for the address autocomplete Elements may offer.
STRIPE_JS_CONTENT_SOURCES: dict[str, tuple[str, ...]] = {
    "script-src": (
        "https://js.stripe.com",
        "https://*.js.stripe.com",
        "https://maps.googleapis.com",
    ),
    "frame-src": ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com", "https://maps.googleapis.com"),
    "img-src": ("https://*.stripe.com",),
}


# Every page's own policy, before Stripe's part: nothing inline, nothing from elsewhere.
OWN_CONTENT_SOURCES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "frame-src": ("'self'",),
    "form-action": ("'self'",),
    "base-uri": ("'self'",),
    "object-src": ("'none'",),
    "frame-ancestors": ("'none'",),
}


def _is_stripes(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "stripe.com" or host.endswith(".stripe.com")


def _instance_secret_key(instance_path: Path) -> str:
    """Outside production: a key made once and kept in the instance folder (readable by us only).

    A key that changed with every start would log everyone out and make the secrets stored
    encrypted with it (Stripe keys) unreadable.
    """
    path = instance_path / "secret-key"
    if not path.exists():
        write_private_text(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _ratelimit_storage_url(configured: str, instance_path: Path, env: str) -> str:
    """Where rate-limit counters live: the configured store (Redis), else a SQLite file in the
    instance folder that every worker on this machine shares. ``memory://`` counts per process,
    so each gunicorn worker would allow the whole limit again: refused in production."""
    url = configured or f"sqlite:///{instance_path / 'rate-limits.db'}"
    if env == "production" and url.startswith("memory://"):
        raise RuntimeError(
            "KASSA_RATELIMIT_STORAGE_URL=memory:// counts per process; in production use Redis "
            "or leave it empty for the shared SQLite file."
        )
    return url


def _password_hashing(value: str, env: str) -> str:
    """The cost of password hashes: ``standard``, or ``cheapest`` for a test suite only."""
    if value not in ("standard", "cheapest"):
        raise RuntimeError(
            f"KASSA_PASSWORD_HASHING must be 'standard' or 'cheapest', not {value!r}."
        )
    if value == "cheapest" and env != "testing":
        raise RuntimeError("KASSA_PASSWORD_HASHING=cheapest is for tests (KASSA_ENV=testing).")
    return value


def _test_clock(value: bool, env: str) -> bool:
    """The movable clock of the payment scheduler (``app/data/clock.py``): for tests only."""
    if value and env != "testing":
        raise RuntimeError("KASSA_TEST_CLOCK is for tests (KASSA_ENV=testing).")
    return value


def _stripe_mode(value: str) -> str:
    if value not in ("test", "live"):
        raise RuntimeError(f"KASSA_STRIPE_MODE must be 'test' or 'live', not {value!r}.")
    return value


@dataclass(frozen=True)
class Settings:
    """The typed view of the ``KASSA_*`` environment; see README "Settings" for each one."""

    env: str = "development"
    secret_key: str = ""
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    public_url: str = "http://127.0.0.1:5000"
    secure_cookies: bool = False
    proxy_fix: int = 0
    redis_url: str = ""
    ratelimit_storage_url: str = ""
    login_rate_limit: str = "10 per minute"
    hash_cost: str = "standard"
    # The scheduler's clock may be moved forward by a row (tests only; refused elsewhere).
    test_clock: bool = False
    tasks_immediate: bool = True
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    mail_from: str = "Kassa <no-reply@kassa.test>"
    stripe_api_base: str = "https://api.stripe.com"
    stripe_js_url: str = "https://js.stripe.com/v3/"
    stripe_mode: str = "test"
    stripe_countries: tuple[str, ...] = ()
    reconcile_after_minutes: int = 10
    # Open checkouts nothing changed for this many days are deleted (checkout.cleanup).
    abandoned_checkout_days: int = 30
    # Threads a billing batch asks Stripe for its charges on at once (no database on them).
    billing_threads: int = 4
    page_cache_entries: int = 200
    log_level: str = "INFO"
    log_format: str = "json"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Read settings from the environment (after ``.env``), overlaid with ``overrides``."""
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        source: dict[str, str] = {k: v for k, v in os.environ.items() if k.startswith("KASSA_")}
        source.update({k: str(v) for k, v in (overrides or {}).items()})

        def get(name: str, default: str = "") -> str:
            return source.get(f"KASSA_{name}", default).strip()

        def flag(name: str, default: bool) -> bool:
            raw = get(name)
            return raw.lower() in _TRUE if raw else default

        env = get("ENV", "development")
        instance_path = Path(get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
        public_url = get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        redis_url = get("REDIS_URL")
        secret_key = get("SECRET_KEY")
        if not secret_key:
            if env == "production":
                raise RuntimeError("KASSA_SECRET_KEY must be set in production.")
            secret_key = _instance_secret_key(instance_path)
        return cls(
            env=env,
            secret_key=secret_key,
            instance_path=instance_path,
            database_url=get("DATABASE_URL") or f"sqlite:///{instance_path / 'kassa.db'}",
            public_url=public_url,
            secure_cookies=flag("SECURE_COOKIES", public_url.startswith("https://")),
            proxy_fix=int(get("PROXY_FIX", "0") or 0),
            redis_url=redis_url,
            ratelimit_storage_url=_ratelimit_storage_url(
                get("RATELIMIT_STORAGE_URL") or redis_url, instance_path, env
            ),
            login_rate_limit=get("LOGIN_RATE_LIMIT", "10 per minute"),
            hash_cost=_password_hashing(get("PASSWORD_HASHING", "standard"), env),
            test_clock=_test_clock(flag("TEST_CLOCK", False), env),
            tasks_immediate=flag("TASKS_IMMEDIATE", env != "production"),
            smtp_host=get("SMTP_HOST"),
            smtp_port=int(get("SMTP_PORT", "25") or 25),
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            smtp_starttls=flag("SMTP_STARTTLS", False),
            smtp_ssl=flag("SMTP_SSL", False),
            mail_from=get("MAIL_FROM", "Kassa <no-reply@kassa.test>"),
            stripe_api_base=get("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/"),
            stripe_js_url=get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
            stripe_mode=_stripe_mode(get("STRIPE_MODE", "test")),
            stripe_countries=tuple(
                c.strip().upper() for c in get("STRIPE_COUNTRIES").split(",") if c.strip()
            ),
            reconcile_after_minutes=int(get("RECONCILE_AFTER_MINUTES", "10") or 10),
            abandoned_checkout_days=int(get("ABANDONED_CHECKOUT_DAYS", "30") or 30),
            billing_threads=max(int(get("BILLING_THREADS", "4") or 4), 1),
            page_cache_entries=int(get("PAGE_CACHE_ENTRIES", "200") or 0),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            log_format=get("LOG_FORMAT", "json"),
        )

    @property
    def testing(self) -> bool:
        return self.env == "testing"

    @property
    def sqlite_file(self) -> Path | None:
        """The database's file when it is SQLite on disk (None for a server or in memory); a
        relative path is in the instance folder, as Flask-SQLAlchemy reads it."""
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        if url.database.startswith("file:"):
            return None  # a SQLite URI: its own options decide
        return self.instance_path / url.database

    @property
    def test_payments_only(self) -> bool:
        """Only Stripe test keys can be connected, so nothing is really charged."""
        return self.stripe_mode == "test"

    @property
    def stripe_origins(self) -> tuple[str, ...]:
        """The origins of Stripe.js and of the Stripe API these settings name."""
        origins = {_origin(self.stripe_js_url), _origin(self.stripe_api_base)}
        return tuple(sorted(o for o in origins if o))

    @property
    def stripe_content_sources(self) -> dict[str, tuple[str, ...]]:
        """What pages must allow for Stripe.js and the Payment Element, per CSP directive:
        Stripe's published list when Stripe.js comes from Stripe, else (the sandbox, or any
        stand-in) the same directives for its own origins; and, either way, the inline style
        attributes Stripe.js writes on the frames it adds (never inline scripts or styles)."""
        if _is_stripes(self.stripe_js_url):
            return {**STRIPE_JS_CONTENT_SOURCES, "style-src-attr": ("'unsafe-inline'",)}
        return {
            **{name: self.stripe_origins for name in STRIPE_JS_CONTENT_SOURCES},
            "style-src-attr": ("'unsafe-inline'",),
        }

    @property
    def content_sources(self) -> dict[str, tuple[str, ...]]:
        """Every page's Content Security Policy, directive by directive: our own origin and
        what Stripe.js needs (``web/security.py`` adds each request's nonce to scripts and
        styles)."""
        directives = {name: list(sources) for name, sources in OWN_CONTENT_SOURCES.items()}
        for name, sources in self.stripe_content_sources.items():
            present = directives.setdefault(name, [])
            present.extend(source for source in sources if source not in present)
        return {name: tuple(sources) for name, sources in directives.items()}

    def flask_config(self) -> dict[str, Any]:
        """The keys Flask and its extensions read, derived from these settings."""
        return {
            # Its own key, derived: Stripe secrets are encrypted with another (``core.crypto``).
            "SECRET_KEY": session_signing_key(self.secret_key),
            "TESTING": self.testing,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            # A server connection can drop while pooled; a SQLite file cannot.
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": not self.database_url.startswith("sqlite")
            },
            "SESSION_COOKIE_NAME": "kassa_session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
            "WTF_CSRF_TIME_LIMIT": None,
            "WTF_CSRF_SSL_STRICT": self.secure_cookies,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url,
            "RATELIMIT_HEADERS_ENABLED": True,
            "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
            "BABEL_DEFAULT_LOCALE": "en",
            "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        }
