"""Work that must wait until the transaction that asked for it has committed: an email task
that reads the row the transaction made, say. Asked for inside a transaction, run once the
outermost transaction commits (a savepoint's release does not count), forgotten when it rolls
back, so nothing is done for a change that never happened."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

KEY = "kassa_after_commit"


def after_commit(session: Session, work: Callable[[], object]) -> None:
    """Run ``work()`` once ``session``'s current transaction has committed."""
    session.info.setdefault(KEY, []).append(work)


@event.listens_for(Session, "after_commit")
def _run_committed_work(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for work in session.info.pop(KEY, []):
        work()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_work(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(KEY, None)
