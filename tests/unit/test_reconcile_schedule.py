"""When reconciliation reads an idle payment again: soon while it is young, rarely once old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.payments.service import RECONCILE_WINDOW, reconcile_due, reconcile_interval

IDLE = timedelta(minutes=10)
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "interval"),
    [
        (timedelta(minutes=11), IDLE),  # a tenth of the age is less than the idle time
        (timedelta(hours=1), IDLE),
        (timedelta(hours=5), timedelta(minutes=30)),
        (timedelta(days=2), timedelta(hours=4, minutes=48)),
        (timedelta(days=3), timedelta(hours=6)),  # capped
        (timedelta(days=29), timedelta(hours=6)),
    ],
)
def test_the_interval_is_a_tenth_of_the_age_between_the_idle_time_and_six_hours(
    age: timedelta, interval: timedelta
) -> None:
    assert reconcile_interval(age, IDLE) == interval


def due(now: datetime, updated: datetime, reconciled: datetime | None) -> bool:
    return reconcile_due(
        now, IDLE, created_at=CREATED, updated_at=updated, reconciled_at=reconciled
    )


def test_a_payment_is_due_once_idle_and_never_read() -> None:
    assert not due(CREATED + timedelta(minutes=9), CREATED, None)
    assert due(CREATED + timedelta(minutes=10), CREATED, None)
    # Something moved it two minutes ago: not idle.
    now = CREATED + timedelta(hours=1)
    assert not due(now, now - timedelta(minutes=2), None)


def test_a_payment_read_before_waits_for_its_interval() -> None:
    now = CREATED + timedelta(days=2)  # interval: 4 h 48 min
    assert not due(now, CREATED, now - timedelta(hours=4))
    assert due(now, CREATED, now - timedelta(hours=5))
    later = CREATED + timedelta(days=20)  # interval: 6 h
    assert not due(later, CREATED, later - timedelta(hours=5, minutes=59))
    assert due(later, CREATED, later - timedelta(hours=6))


def test_a_payment_older_than_the_window_is_left_alone() -> None:
    assert timedelta(days=21) <= RECONCILE_WINDOW  # SEPA: up to 14 business days
    assert due(CREATED + RECONCILE_WINDOW, CREATED, None)
    assert not due(CREATED + RECONCILE_WINDOW + timedelta(seconds=1), CREATED, None)


def test_times_read_back_without_a_zone_are_utc() -> None:
    """SQLite gives DateTime(timezone=True) columns back naive."""
    naive = CREATED.replace(tzinfo=None)
    now = CREATED + timedelta(days=2)
    assert reconcile_due(
        now,
        IDLE,
        created_at=naive,
        updated_at=naive,
        reconciled_at=(now - timedelta(hours=5)).replace(tzinfo=None),
    )
