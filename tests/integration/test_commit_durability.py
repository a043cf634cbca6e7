"""Which commits wait for the disk. A buyer's choice in the summary before Stripe has an intent
for the checkout is committed on SQLite without waiting for the disk (``synchronous=NORMAL``:
lost only with the machine's power, never with Kassa); every other commit waits, those that
follow on the same pooled connection and every write of money included. PostgreSQL commits
every one as always (its commits share their flush, so none waits for another's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session

from app.data.sessions import commit_not_waiting_for_the_disk
from app.extensions import db
from tests.integration.test_checkout import open_as_buyer, shop, the_link
from tests.support.accounts import post_form
from tests.support.stripe_sandbox import StripeSandbox

NORMAL, FULL = 1, 2  # SQLite's PRAGMA synchronous levels


def _waits_for_the_disk(connection: Connection) -> Any:
    """What the connection's commit is about to do: SQLite's synchronous level; PostgreSQL's
    ``synchronous_commit`` read as SQLite's (on: FULL)."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    if connection.dialect.name == "sqlite":
        return raw.execute("PRAGMA synchronous").fetchone()[0]
    with raw.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return FULL if cursor.fetchone()[0] == "on" else NORMAL


@contextmanager
def commits_seen(engine: Engine) -> Iterator[list[Any]]:
    """How each commit on ``engine`` inside the block was going to wait for the disk."""
    seen: list[Any] = []

    def before_commit(connection: Connection) -> None:
        seen.append(_waits_for_the_disk(connection))

    event.listen(engine, "commit", before_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", before_commit)


def app_engine(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


def relaxed_on_this_engine(app: Flask) -> int:
    with app.app_context():
        return NORMAL if db.engine.dialect.name == "sqlite" else FULL


def test_a_buyers_choice_does_not_wait_for_the_disk_and_the_pay_step_does(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox, adjustable_quantity="y", max_quantity="3")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    line = str(the_link(app).lines[0].id)

    with commits_seen(app_engine(app)) as choice:
        post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "2"})
    assert choice == [relaxed_on_this_engine(app)]

    with commits_seen(app_engine(app)) as afterwards:
        post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
        assert "Pay SEK1,000.00" in buyer.get(page + "/pay").get_data(as_text=True)
        # Paying now: the intent follows the quantity, and that commit waits for the disk.
        post_form(buyer, page + "/pay", page + "/quantity", {"line": line, "quantity": "3"})
    assert afterwards and set(afterwards) == {FULL}, afterwards


def test_a_connection_back_in_the_pool_waits_for_the_disk_again(app: Flask) -> None:
    # A pool of one connection: the next session gets the very one the relaxed commit used.
    engine = create_engine(app_engine(app).url, pool_size=1, max_overflow=0)
    try:
        with commits_seen(engine) as seen, Session(bind=engine) as session:
            session.execute(text("SELECT 1"))
            commit_not_waiting_for_the_disk(session)
            session.execute(text("SELECT 1"))
            session.commit()
        assert seen == [relaxed_on_this_engine(app), FULL]
        with engine.connect() as connection:
            assert _waits_for_the_disk(connection) == FULL
        # A transaction that wrote already (a first action's new checkout, flushed) cannot
        # change its level on SQLite: it commits waiting for the disk, without an error.
        with commits_seen(engine) as seen, Session(bind=engine) as session:
            session.execute(text("UPDATE merchants SET name = name WHERE id = -1"))
            commit_not_waiting_for_the_disk(session)
        assert seen == [FULL]
    finally:
        engine.dispose()
