"""Commits that keep what the transaction read, and rows read from what the session holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session, scoped_session

from app.data.bases import MerchantOwned

M = TypeVar("M", bound=MerchantOwned)


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
