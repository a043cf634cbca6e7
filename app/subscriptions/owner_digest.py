"""The owners' daily email of failed renewals.

A renewal that fails is the customer's to fix (they are emailed at once: a retry's date, or a
request for a new method), but the merchant wants to know too, and one email per failure would
be hundreds on the day a large merchant bills: the owners get one email a day listing the
charges that failed the day before, each with what happens next (a retry's date, a new method
asked for, the subscription canceled or left past due). Nothing failed: no email. A row per
merchant and day (``OwnersDigest``, unique) is inserted before the email is sent, so it goes
once however often the task runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.money import Money
from app.extensions import DbSession
from app.mail import email_owners, public_url_for
from app.merchants.models import Merchant
from app.subscriptions.models import (
    OwnersDigest,
    Subscription,
    SubscriptionEvent,
    SubscriptionPeriod,
    SubscriptionStatus,
)


@dataclass(frozen=True)
class FailedRenewal:
    """One failed charge as the owners read it."""

    customer: str
    amount: Money
    next_step: str


def failed_renewals(
    session: DbSession, merchant_id: int, start: datetime, end: datetime
) -> list[FailedRenewal]:
    """The merchant's charges that failed between ``start`` and ``end``, oldest first, with
    what happens next in the current locale."""
    events = session.scalars(
        select(SubscriptionEvent)
        .where(
            SubscriptionEvent.kind == "payment_failed",
            SubscriptionEvent.created_at >= start,
            SubscriptionEvent.created_at < end,
            SubscriptionEvent.merchant_id == merchant_id,
        )
        .order_by(SubscriptionEvent.id)
    ).all()
    return [_failed_renewal(session, event) for event in events]


def _failed_renewal(session: DbSession, event: SubscriptionEvent) -> FailedRenewal:
    subscription = event.subscription
    detail = event.detail
    period = session.scalar(
        select(SubscriptionPeriod).where(
            SubscriptionPeriod.subscription_id == subscription.id,
            SubscriptionPeriod.number == int(detail.get("period") or 0),
        )
    )
    amount = period.amount if period is not None else subscription.period_amount
    return FailedRenewal(
        subscription.customer.display_name,
        subscription.money(amount),
        _next_step(subscription, detail),
    )


def _next_step(subscription: Subscription, detail: dict[str, object]) -> str:
    if detail.get("retry_on"):
        retry_on = date.fromisoformat(str(detail["retry_on"]))
        return _("will be tried again on %(date)s", date=format_date(retry_on))
    if detail.get("new_method_needed"):
        return _("the customer was asked for a new payment method")
    if detail.get("last_try") and subscription.status is SubscriptionStatus.CANCELED:
        return _("the subscription was canceled")
    return _("the subscription is past due")


def send_digests(session: DbSession, now: datetime) -> int:
    """Email each merchant's owners the charges that failed on the UTC day before ``now``,
    once per merchant and day (committed per merchant). How many merchants were emailed."""
    day = now.astimezone(UTC).date() - timedelta(days=1)
    start = datetime.combine(day, time.min, tzinfo=UTC)
    end = start + timedelta(days=1)
    merchant_ids = session.scalars(
        select(SubscriptionEvent.merchant_id)
        .where(
            SubscriptionEvent.kind == "payment_failed",
            SubscriptionEvent.created_at >= start,
            SubscriptionEvent.created_at < end,
        )
        .distinct()
    ).all()
    sent = 0
    for merchant_id in merchant_ids:
        if _send_digest(session, merchant_id, day, start, end):
            sent += 1
        session.commit()
    return sent


def _send_digest(
    session: DbSession, merchant_id: int, day: date, start: datetime, end: datetime
) -> bool:
    if session.scalar(
        select(OwnersDigest.id).where(
            OwnersDigest.merchant_id == merchant_id, OwnersDigest.day == day
        )
    ):
        return False
    merchant = session.get_one(Merchant, merchant_id)
    with force_locale(merchant.default_locale):
        failures = failed_renewals(session, merchant_id, start, end)
    session.add(OwnersDigest(merchant_id=merchant_id, day=day, failures=len(failures)))
    try:
        session.flush()  # unique per merchant and day: of two runs at once, one sends it
    except IntegrityError:
        session.rollback()
        return False
    past_due = public_url_for(
        "subscriptions.subscriptions", status=SubscriptionStatus.PAST_DUE.value
    )
    email_owners(
        merchant, "merchant_renewals_failed", day=day, failures=failures, past_due_url=past_due
    )
    return True
