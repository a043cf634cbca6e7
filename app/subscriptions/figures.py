"""The subscriptions' figures in the revenue report (``reports.subscriptions``): per currency,
the monthly recurring revenue and the active subscriptions at the range's end, and how many
started and ended within it.

Monthly recurring revenue is each subscription's amount per period, while it is started and
not ended (a paused or past-due one counts),
normalized to a month: a week is 52/12 of one, a quarter a third, a year a twelfth (rounded
half-even once per currency, never per subscription).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import select

from app.core.money import Money
from app.extensions import DbSession
from app.reports.subscriptions import SubscriptionFigures, register_subscription_figures
from app.subscriptions.models import Subscription

MONTHS_PER_PERIOD = {
    "week": Fraction(12, 52),
    "month": Fraction(1),
    "quarter": Fraction(3),
    "year": Fraction(12),
}


def monthly_amount(subscription: Subscription) -> Fraction:
    months = MONTHS_PER_PERIOD[subscription.interval] * subscription.interval_count
    return Fraction(subscription.period_amount) / months


def _active_at(subscription: Subscription, moment: datetime) -> bool:
    """Started by then and not ended by then (a pause is not an end)."""
    started = subscription.started_at
    if started is None or started.replace(tzinfo=started.tzinfo or UTC) > moment:
        return False
    ended = subscription.ended_at
    return ended is None or ended.replace(tzinfo=ended.tzinfo or UTC) > moment


def subscription_figures(
    session: DbSession, merchant_id: int, first: date, last: date
) -> list[SubscriptionFigures]:
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, UTC)
    rows = session.scalars(select(Subscription).where(Subscription.merchant_id == merchant_id))
    mrr: dict[str, Fraction] = defaultdict(Fraction)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # active, new, churned
    for subscription in rows:
        currency = subscription.currency
        counts[currency]
        if _active_at(subscription, end - timedelta(microseconds=1)):
            counts[currency][0] += 1
            mrr[currency] += monthly_amount(subscription)
        started = subscription.started_at
        if started is not None and start <= started.replace(tzinfo=started.tzinfo or UTC) < end:
            counts[currency][1] += 1
        ended = subscription.ended_at
        if ended is not None and start <= ended.replace(tzinfo=ended.tzinfo or UTC) < end:
            counts[currency][2] += 1
    return [
        SubscriptionFigures(
            mrr=Money(round(mrr[currency]), currency),
            active=active,
            new=new,
            churned=churned,
        )
        for currency, (active, new, churned) in sorted(counts.items())
    ]


register_subscription_figures(subscription_figures)
