"""The scheduler's clock: what "now" and "today" are for work that waits on dates (a quote
schedule's notices and charges).

In production it is ``utcnow()``. A test suite (``KASSA_TEST_CLOCK``, refused unless
``KASSA_ENV=testing``) may move it forward with the one ``test_clock`` row: a row, not a
process's variable, so the web server, the task consumers and the test itself read the same
time. Only the scheduler reads it; stored timestamps stay the real time of the write.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.core.clock import utcnow
from app.data.models import TestClock
from app.extensions import DbSession


def _movable() -> bool:
    return bool(current_app.extensions["kassa_settings"].test_clock)


def scheduler_now(session: DbSession) -> datetime:
    """Now, as the scheduler sees it: the real time, ahead by the test clock's offset when
    the settings allow one."""
    now = utcnow()
    if not _movable():
        return now
    offset = session.scalar(select(TestClock.offset_seconds).where(TestClock.id == 1))
    return now + timedelta(seconds=offset or 0)


def scheduler_today(session: DbSession) -> date:
    return scheduler_now(session).date()


def advance_test_clock(session: DbSession, by: timedelta) -> datetime:
    """Move the scheduler's clock forward (tests only); the new now."""
    if not _movable():
        raise RuntimeError("The scheduler's clock moves only under KASSA_TEST_CLOCK.")
    row = session.get(TestClock, 1)
    if row is None:
        row = TestClock(id=1, offset_seconds=0)
        session.add(row)
    row.offset_seconds = (row.offset_seconds or 0) + int(by.total_seconds())
    session.flush()
    return scheduler_now(session)
