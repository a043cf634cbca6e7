"""Shared fixtures: a real database (SQLite, or PostgreSQL via KASSA_TEST_DATABASE_URL), a real
SMTP server (aiosmtpd), the app in-process, gunicorn as a live server, and Debian's Chromium."""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import Storage, storage_from_string
from sqlalchemy import Connection, create_engine, make_url, text

from tests.support.mailbox import Mailbox, start_smtp_server
from tests.support.servers import LiveServer, free_port, start_gunicorn
from tests.support.stripe_sandbox import StripeSandbox, serve_kassa_with, start_stripe_sandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-secret-key-not-for-production-0123456789"


# The fixtures through which a test reaches Kassa's database (directly, in-process or served).
DATABASE_FIXTURES = {"database_url", "app_settings", "app", "live_server"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach Kassa's database (CI's second engine runs these; "
        "the sandbox's own tests and pure units do not change with the engine)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept, other = [], []
    for item in items:
        reaches = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if reaches else other).append(item)
    config.hook.pytest_deselected(items=other)
    items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database for this run: PostgreSQL when KASSA_TEST_DATABASE_URL says so."""
    url = os.environ.get("KASSA_TEST_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kassa-test.db'}"
    url = _database_of_this_worker(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _database_of_this_worker(url: str) -> str:
    """Parallel workers (pytest-xdist) each get a database of their own beside the given one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        known = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not known:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    mailbox, controller = start_smtp_server(free_port())
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    smtp_server.clear()
    return smtp_server


@pytest.fixture(scope="session")
def stripe_sandbox() -> Iterator[StripeSandbox]:
    """The Stripe sandbox as a real HTTP server: Kassa reaches it through its settings only."""
    sandbox = start_stripe_sandbox(free_port())
    serve_kassa_with(sandbox)
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app_settings(
    database_url: str, smtp_server: Mailbox, instance_path: Path, stripe_sandbox: StripeSandbox
) -> dict[str, str]:
    """The KASSA_* settings every test app and the live server share."""
    return {
        "KASSA_ENV": "testing",
        "KASSA_SECRET_KEY": SECRET_KEY,
        "KASSA_DATABASE_URL": database_url,
        "KASSA_INSTANCE_PATH": str(instance_path),
        "KASSA_TASKS_IMMEDIATE": "1",
        "KASSA_SMTP_HOST": "127.0.0.1",
        "KASSA_SMTP_PORT": str(smtp_server.port),
        "KASSA_LOGIN_RATE_LIMIT": "1000 per minute",
        # The same argon2id at its lowest cost: full-cost hashing is most of a sign-up's time.
        "KASSA_PASSWORD_HASHING": "cheapest",
        # The quote scheduler's clock, moved forward by tests (tests/support/schedules.py).
        "KASSA_TEST_CLOCK": "1",
        "KASSA_LOG_LEVEL": "WARNING",
        "KASSA_PUBLIC_URL": "http://localhost",
        "KASSA_STRIPE_API_BASE": stripe_sandbox.api_base,
        "KASSA_STRIPE_JS_URL": stripe_sandbox.js_url,
    }


@pytest.fixture(scope="session")
def app(app_settings: dict[str, str]) -> Iterator[Flask]:
    from flask_migrate import upgrade

    from app import create_app

    application = create_app(app_settings)
    with application.app_context():
        upgrade()
    yield application


@pytest.fixture(autouse=True)
def _empty_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test leaves empty tables behind (only tests that use the database)."""
    uses_database = bool({"app", "app_settings"} & set(request.fixturenames))
    application: Flask | None = request.getfixturevalue("app") if uses_database else None
    yield
    if application is not None:
        empty_tables(application)


def empty_tables(application: Flask) -> None:
    """Delete every row, and every rate-limit counter (a property test calls it between its
    examples too)."""
    from app.extensions import db, limiter

    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                _delete_every_row(connection, tables)
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608  (our table names)
        # The extension counts in the store of whichever app was made last (one app per
        # process in production; several here); the live server counts in the app's file.
        limiter.reset()
        _rate_limit_store(application.config["RATELIMIT_STORAGE_URI"]).reset()


@functools.cache
def _rate_limit_store(uri: str) -> Storage:
    """One store per file for the whole run (opening one creates its table each time)."""
    from app.web import rate_limits  # noqa: F401  (registers the sqlite:// store)

    return storage_from_string(uri)


def _delete_every_row(connection: Connection, tables: list[str]) -> None:
    """PostgreSQL: one round trip of DELETEs and every sequence restarted, so ids start at 1
    again as on SQLite. TRUNCATE gives each table new files: half a second after every test on
    two cores, against a few milliseconds for the handful of rows a test writes.

    The foreign keys' triggers are off while every table is emptied (``replica`` role, this
    transaction only): each deleted row would otherwise look up its referrers with a plan the
    connection cached while the tables were nearly empty, a sequential scan per row. After a
    test seeding 60,000 payments that took 268 s on CI (payments referring to payments)."""
    deletes = "".join(f"DELETE FROM {table}; " for table in tables)  # noqa: S608  (our names)
    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    restart = (
        "SELECT setval(c.oid, 1, false) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'S' AND n.nspname = 'public'"
    )
    connection.exec_driver_sql(deletes + restart)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app: Flask, app_settings: dict[str, str]) -> Iterator[LiveServer]:
    """Kassa served by gunicorn on a free loopback port, against the test database."""
    port = free_port()
    settings = {**app_settings, "KASSA_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = start_gunicorn(PROJECT_ROOT, port, settings)
    yield server
    server.stop()


# Playwright: Debian's Chromium, never a downloaded browser.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page, as a browser would submit it."""
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)
