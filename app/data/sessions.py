"""Commits that keep what the transaction read or do not wait for the disk, and rows read from
what the session holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.pool import ConnectionPoolEntry, Pool

from app.data.bases import MerchantOwned

M = TypeVar("M", bound=MerchantOwned)

# A pooled SQLite connection whose commit did not wait for the disk keeps the level it had
# here, to be set back before another request can take the connection.
_SYNCHRONOUS_BEFORE = "kassa_synchronous_before"


@contextmanager
def keeping_what_was_read(session: Session | scoped_session[Session]) -> Iterator[Session]:
    """Inside the block a commit does not expire the rows the session loaded: work that
    commits a step and carries on with the rows it just wrote (a claim made durable before a
    call to Stripe, say) reads none of them again. Rows another transaction may change
    meanwhile are the caller's to read again (a guarded UPDATE, ``populate_existing``); once
    the block ends, every row is expired, so later work reads what the database holds."""
    plain = session() if isinstance(session, scoped_session) else session
    expiring = plain.expire_on_commit
    plain.expire_on_commit = False
    try:
        yield plain
    finally:
        plain.expire_on_commit = expiring
        plain.expire_all()


def merchant_row(
    session: Session | scoped_session[Session], model: type[M], row_id: int, merchant_id: int
) -> M | None:
    """The merchant's row of ``model`` with this primary key: the one the session holds
    already (no query), else read by its key; None when it is another merchant's (rule 6:
    a row is never used by its id alone)."""
    row = session.get(model, row_id)
    if row is None or row.merchant_id != merchant_id:
        return None
    return row


def commit_not_waiting_for_the_disk(session: Session | scoped_session[Session]) -> None:
    """Commit a write that may be lost if the machine loses power just after it (never when
    Kassa itself stops): a buyer's choice in a checkout's summary before Stripe has an intent
    for it. On SQLite the commit is made with ``synchronous=NORMAL`` (set back when the
    connection is returned to the pool): the database stays consistent, and the next commit
    that waits for the disk (every other write does, each of money among them) makes this one
    durable with it. SQLite has one writer at a time and each held the write lock through its
    fsync: that wait was most of an HTMX summary change's time (``make bench``). PostgreSQL
    commits as always: commits there do not wait for each other's flush (one flush serves all
    waiting at once)."""
    plain = session() if isinstance(session, scoped_session) else session
    connection = plain.connection()
    if connection.dialect.name == "sqlite":
        pooled = connection.connection
        raw = pooled.dbapi_connection
        assert raw is not None  # a connection in use is never detached from its driver
        # SQLite refuses a new level inside a write transaction: a change that wrote before
        # its commit (a first action's new checkout, flushed to be read) waits for the disk.
        if not raw.in_transaction and _SYNCHRONOUS_BEFORE not in pooled.info:
            pooled.info[_SYNCHRONOUS_BEFORE] = raw.execute("PRAGMA synchronous").fetchone()[0]
            raw.execute("PRAGMA synchronous=NORMAL")
    plain.commit()


@event.listens_for(Pool, "checkin")
def _wait_for_the_disk_again(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """A connection back in the pool commits as it did before, waiting for the disk."""
    level = record.info.pop(_SYNCHRONOUS_BEFORE, None)
    if level is not None and dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA synchronous={int(level)}")
