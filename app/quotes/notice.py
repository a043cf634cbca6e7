"""The notice before a schedule's later charge: how long it is per method (the merchant's
``QuoteSettings.notice_days``, else the schemes' rules) and the days it puts on the calendar.
Pure: no database, no Flask."""

from __future__ import annotations

from datetime import date, timedelta

from app.core.clock import aware
from app.core.methods import PaymentMethod
from app.quotes.models import QuotePaymentPart, QuoteSettings

# The schemes' notice before a debit (and the cards' customary one), in days.
DEFAULT_NOTICE_DAYS: dict[str, int] = {
    PaymentMethod.CARD.value: 3,
    PaymentMethod.ACH_DEBIT.value: 3,
    PaymentMethod.SEPA_DEBIT.value: 14,
    PaymentMethod.BACS_DEBIT.value: 10,
}
# Methods whose notice counts working days (Monday to Friday), as the Bacs scheme does.
WORKING_DAY_METHODS = frozenset({PaymentMethod.BACS_DEBIT.value})


def notice_days(settings: QuoteSettings | None, method: str) -> int:
    """The merchant's notice for ``method``, else the scheme's."""
    chosen = (settings.notice_days or {}).get(method) if settings is not None else None
    return int(chosen) if chosen is not None else DEFAULT_NOTICE_DAYS.get(method, 3)


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
    """The first day the notice of a part due on ``due_on`` goes out: its notice period
    before, so the charge can be on the day itself."""
    if method not in WORKING_DAY_METHODS:
        return due_on - timedelta(days=days)
    day = due_on
    while days > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def charge_from(part: QuotePaymentPart, days: int, method: str) -> date | None:
    """The first day the part may be charged: its date, and never before the notice period
    has run since the notice went out (None while no notice went out)."""
    if part.notified_at is None or part.due_on is None:
        return None
    return max(part.due_on, add_notice(aware(part.notified_at).date(), days, method))
