"""The notice a customer is given before a charge of their saved method: how long each
method's is by default (the debit schemes' rules, and the cards' customary days) and the days
it puts on the calendar. Shared by the quotes' schedules and the subscriptions' billing; each
keeps its merchant's own setting. Pure: no database, no Flask."""

from __future__ import annotations

from datetime import date, timedelta

from app.core.methods import PaymentMethod

# The schemes' notice before a debit (and the cards' customary one), in days.
DEFAULT_NOTICE_DAYS: dict[str, int] = {
    PaymentMethod.CARD.value: 3,
    PaymentMethod.ACH_DEBIT.value: 3,
    PaymentMethod.SEPA_DEBIT.value: 14,
    PaymentMethod.BACS_DEBIT.value: 10,
}
# Methods whose notice counts working days (Monday to Friday), as the Bacs scheme does.
WORKING_DAY_METHODS = frozenset({PaymentMethod.BACS_DEBIT.value})


def chosen_notice_days(chosen: dict[str, int] | None, method: str) -> int:
    """The merchant's notice for ``method`` (``chosen``, by method), else the scheme's."""
    days = (chosen or {}).get(method)
    return int(days) if days is not None else DEFAULT_NOTICE_DAYS.get(method, 3)


def add_notice(day: date, days: int, method: str) -> date:
    """``day`` plus the notice: calendar days, or working days for Bacs."""
    if method not in WORKING_DAY_METHODS:
        return day + timedelta(days=days)
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def notice_from(due_on: date, days: int, method: str) -> date:
    """The first day the notice of a charge due on ``due_on`` goes out: its notice period
    before, so the charge can be on the day itself."""
    if method not in WORKING_DAY_METHODS:
        return due_on - timedelta(days=days)
    day = due_on
    while days > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day
