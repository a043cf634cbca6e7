"""The notice before a schedule's later charge: how long it is per method (the merchant's
``QuoteSettings.notice_days``, else the schemes' rules, ``core.notice``) and the first day a
part may be charged. Pure: no database, no Flask."""

from __future__ import annotations

from datetime import date

from app.core.clock import aware
from app.core.notice import add_notice, chosen_notice_days, notice_from
from app.quotes.models import QuotePaymentPart, QuoteSettings

__all__ = ["add_notice", "charge_from", "notice_days", "notice_from"]


def notice_days(settings: QuoteSettings | None, method: str) -> int:
    """The merchant's notice for ``method``, else the scheme's."""
    return chosen_notice_days(settings.notice_days if settings is not None else None, method)


def charge_from(part: QuotePaymentPart, days: int, method: str) -> date | None:
    """The first day the part may be charged: its date, and never before the notice period
    has run since the notice went out (None while no notice went out)."""
    if part.notified_at is None or part.due_on is None:
        return None
    return max(part.due_on, add_notice(aware(part.notified_at).date(), days, method))
