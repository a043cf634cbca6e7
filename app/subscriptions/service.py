"""Subscriptions: starting one (once per source), the merchant's billing settings, and what
staff or the customer may do to one (pause, resume, cancel now or at the period's end).

Every change is one guarded UPDATE whose WHERE is the rule (a paused subscription cannot be
paused again, an ended one cannot change), and leaves an event on the subscription's log.
The billing run (``billing.py``) charges the periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.customers.models import Customer
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.subscriptions.models import (
    ENDED_STATUSES,
    AfterLastTry,
    PeriodStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionLine,
    SubscriptionPeriod,
    SubscriptionSettings,
    SubscriptionSource,
    SubscriptionStatus,
)

NOT_PAUSABLE = _l("Only an active subscription can be paused.")
NOT_PAUSED = _l("This subscription is not paused.")
ALREADY_ENDED = _l("This subscription has ended.")
PAUSE_IN_PAST = _l("Choose a date after today to resume on.")

# Who changed a subscription, as its log and its page say.
BY_MERCHANT = "merchant"
BY_CUSTOMER = "customer"
BY_KASSA = "kassa"


def record_event(
    session: DbSession,
    subscription: Subscription,
    kind: str,
    detail: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> SubscriptionEvent:
    event = SubscriptionEvent(
        merchant_id=subscription.merchant_id,
        subscription_id=subscription.id,
        kind=kind,
        detail=detail or {},
        user_id=user_id,
    )
    session.add(event)
    return event


def billing_settings(session: DbSession, merchant_id: int) -> SubscriptionSettings:
    """The merchant's billing settings: the stored row, else the defaults (not stored)."""
    stored = session.scalar(
        select(SubscriptionSettings).where(SubscriptionSettings.merchant_id == merchant_id)
    )
    if stored is not None:
        return stored
    return SubscriptionSettings(
        merchant_id=merchant_id,
        card_retry_days=[1, 3, 5, 7],
        retry_bank_debits=True,
        after_last_try=AfterLastTry.CANCEL,
        reminder_days={"year": 14},
        notice_days={},
        customers_may_cancel=True,
        customers_may_pause=False,
    )


@dataclass(frozen=True)
class BillingSettingsInput:
    card_retry_days: list[int]
    retry_bank_debits: bool
    after_last_try: AfterLastTry
    reminder_days: dict[str, int]
    customers_may_cancel: bool
    customers_may_pause: bool


def save_billing_settings(
    session: DbSession, merchant_id: int, chosen: BillingSettingsInput
) -> SubscriptionSettings:
    """Store the merchant's billing settings (the row is made on the first save)."""
    settings = billing_settings(session, merchant_id)
    if settings.id is None:
        session.add(settings)
    settings.card_retry_days = list(chosen.card_retry_days)
    settings.retry_bank_debits = chosen.retry_bank_debits
    settings.after_last_try = chosen.after_last_try
    settings.reminder_days = dict(chosen.reminder_days)
    settings.customers_may_cancel = chosen.customers_may_cancel
    settings.customers_may_pause = chosen.customers_may_pause
    session.flush()
    return settings


def subscription_of(session: DbSession, merchant_id: int, subscription_id: int) -> Subscription:
    """One of the merchant's subscriptions (never another merchant's)."""
    found = session.scalar(
        select(Subscription).where(
            Subscription.id == subscription_id, Subscription.merchant_id == merchant_id
        )
    )
    if found is None:
        raise LookupError(subscription_id)
    return found


def subscription_lines(merchant_id: int, lines: Sequence[LineSpec]) -> list[SubscriptionLine]:
    """The rows of ``lines``, in their order (a subscription's start, or a change of them)."""
    return [
        SubscriptionLine(
            merchant_id=merchant_id,
            position=position,
            product_id=line.product_id,
            description=line.description[:200],
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            tax_rate_ids=list(line.tax_rate_ids),
        )
        for position, line in enumerate(lines)
    ]


def charging_now(session: DbSession, subscription_ids: list[int]) -> frozenset[int]:
    """The subscriptions (of ``subscription_ids``) with a period claimed and not yet answered
    by Stripe: a billing step (the run, a return page or the webhook's task) is charging it
    this moment, and its outcome is known in a second or two."""
    if not subscription_ids:
        return frozenset()
    return frozenset(
        session.scalars(
            select(SubscriptionPeriod.subscription_id).where(
                SubscriptionPeriod.subscription_id.in_(subscription_ids),
                SubscriptionPeriod.status == PeriodStatus.PROCESSING,
                SubscriptionPeriod.intent_id == "",
            )
        )
    )


def subscriptions_of_customer(session: DbSession, customer: Customer) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription)
            .where(
                Subscription.merchant_id == customer.merchant_id,
                Subscription.customer_id == customer.id,
            )
            .order_by(Subscription.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Starting


@dataclass(frozen=True)
class LineSpec:
    """A subscription's line: as it starts, or as a merchant's change leaves it."""

    description: str
    quantity: int
    unit_amount: int
    product_id: int | None = None
    tax_rate_ids: tuple[int, ...] = ()

    def shown(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "quantity": self.quantity,
            "unit_amount": self.unit_amount,
        }


@dataclass(frozen=True)
class MethodSpec:
    """The saved method (what may be shown of it), its Stripe customer and, for a bank debit,
    the mandate it was saved under (each charge names it)."""

    id: str
    type: str
    details: dict[str, Any]
    processor_customer_id: str
    mandate_id: str = ""


@dataclass(frozen=True)
class NewSubscription:
    """What a subscription starts with. ``anchor_on`` is period 0's first day; when
    ``first_period_paid`` period 0 was paid at checkout (``first_payment_id``) and billing
    starts with period 1, else (a trial, a later start) period 0 is charged on its day."""

    customer: Customer
    source: SubscriptionSource
    source_reference: str
    currency: str
    interval: str
    interval_count: int
    anchor_on: date
    lines: tuple[LineSpec, ...]
    period_amount: int
    tax_amount: int = 0
    taxes: tuple[dict[str, Any], ...] = ()
    fee_amount: int = 0
    fee_name: str = ""
    method: MethodSpec | None = None
    locale: str = "en"
    billing_address: dict[str, Any] = field(default_factory=dict)
    first_period_paid: bool = False
    first_payment_id: int | None = None
    first_payment_processing: bool = False
    checkout_id: int | None = None
    max_periods: int | None = None


def start_subscription(
    session: DbSession, merchant: Merchant, spec: NewSubscription
) -> Subscription | None:
    """Make the subscription, once per source (the unique row: a replay of the checkout's
    recording, or two at once, makes nothing and returns None)."""
    subscription = _new_subscription(merchant, spec)
    try:
        with session.begin_nested():
            session.add(subscription)
            session.flush()
    except IntegrityError:
        return None
    if spec.first_period_paid:
        _record_first_period(session, subscription, spec)
    record_event(
        session,
        subscription,
        "started" if spec.first_period_paid else "scheduled",
        {"source": spec.source.value, "reference": spec.source_reference},
    )
    session.flush()
    return subscription


def _new_subscription(merchant: Merchant, spec: NewSubscription) -> Subscription:
    method = spec.method
    subscription = Subscription(
        merchant_id=merchant.id,
        customer_id=spec.customer.id,
        status=SubscriptionStatus.ACTIVE
        if spec.first_period_paid
        else SubscriptionStatus.SCHEDULED,
        source=spec.source,
        source_reference=spec.source_reference,
        checkout_id=spec.checkout_id,
        currency=spec.currency,
        locale=spec.locale,
        interval=spec.interval,
        interval_count=spec.interval_count,
        anchor_on=spec.anchor_on,
        anchor_period=0,
        max_periods=spec.max_periods,
        next_period=1 if spec.first_period_paid else 0,
        period_amount=spec.period_amount,
        tax_amount=spec.tax_amount,
        taxes=list(spec.taxes),
        fee_amount=spec.fee_amount,
        fee_name=spec.fee_name,
        payment_method_id=method.id if method else "",
        payment_method_type=method.type if method else "",
        payment_method_details=method.details if method else {},
        processor_customer_id=method.processor_customer_id if method else "",
        payment_mandate_id=method.mandate_id if method else "",
        billing_address=spec.billing_address,
        started_at=utcnow() if spec.first_period_paid else None,
        lines=subscription_lines(merchant.id, spec.lines),
    )
    first_due = subscription.period_start(subscription.next_period)
    subscription.next_charge_on = first_due
    return subscription


def _record_first_period(
    session: DbSession, subscription: Subscription, spec: NewSubscription
) -> None:
    """Period 0, paid by the checkout (or its bank debit clearing)."""
    now = utcnow()
    period = new_period(subscription, 0)
    period.status = PeriodStatus.PROCESSING if spec.first_payment_processing else PeriodStatus.PAID
    period.payment_id = spec.first_payment_id
    period.attempts = 1
    period.charged_at = now
    period.notified_at = now
    period.paid_at = None if spec.first_payment_processing else now
    session.add(period)
    session.flush()
    cover_period(subscription, period)


def new_period(subscription: Subscription, number: int) -> SubscriptionPeriod:
    starts_on = subscription.period_start(number)
    return SubscriptionPeriod(
        merchant_id=subscription.merchant_id,
        subscription_id=subscription.id,
        number=number,
        starts_on=starts_on,
        ends_on=subscription.period_start(number + 1) - timedelta(days=1),
        due_on=starts_on,
        amount=subscription.period_amount,
    )


def cover_period(subscription: Subscription, period: SubscriptionPeriod) -> None:
    """The subscription covers ``period`` now (paid, or its debit clearing): the next one is
    charged on its first day."""
    subscription.current_period = period.number
    subscription.current_period_start = period.starts_on
    subscription.current_period_end = period.ends_on
    subscription.next_period = period.number + 1
    subscription.next_charge_on = subscription.period_start(period.number + 1)


# ---------------------------------------------------------------------------------------------
# The saved method


def replace_payment_method(
    session: DbSession,
    subscription: Subscription,
    method: MethodSpec,
    *,
    user_id: int | None = None,
    by: str = BY_CUSTOMER,
) -> bool:
    """Charge ``method`` from now on (the customer set a new one: a SetupIntent in the portal,
    or staff). A failed period becomes claimable at once with it (the billing run, or
    ``billing.bill_subscription`` right after, charges what is past due). False when it is the
    saved one already (a replay) or the subscription has ended."""
    if not method.id or not method.processor_customer_id:
        return False
    replaced = subscription.payment_method_type
    if not _guarded(
        session,
        subscription,
        Subscription.status.not_in(ENDED_STATUSES),
        Subscription.payment_method_id != method.id,
        payment_method_id=method.id,
        payment_method_type=method.type,
        payment_method_details=method.details,
        processor_customer_id=method.processor_customer_id,
        payment_mandate_id=method.mandate_id,
        needs_new_method=False,
    ):
        return False
    record_event(
        session, subscription, "method_updated",
        {"type": method.type, "replaced": replaced, "by": by}, user_id,
    )  # fmt: skip
    return True


# ---------------------------------------------------------------------------------------------
# Pause, resume, cancel


def _guarded(session: DbSession, subscription: Subscription, *where: Any, **values: Any) -> bool:
    moved = session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.merchant_id == subscription.merchant_id,
            *where,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(subscription)
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def pause(
    session: DbSession,
    subscription: Subscription,
    *,
    until: date | None,
    today: date,
    user_id: int | None = None,
    by: str = BY_MERCHANT,
) -> None:
    """Skip charges until ``until`` (None: until resumed). Periods due meanwhile are not
    charged: billing resumes with the period that starts on or after the day it resumes."""
    if until is not None and until <= today:
        raise ServiceError(PAUSE_IN_PAST)
    pausable = Subscription.status.in_((SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED))
    if not _guarded(
        session,
        subscription,
        pausable,
        status=SubscriptionStatus.PAUSED,
        paused_at=utcnow(),
        paused_until=until,
        paused_by_id=user_id,
    ):
        raise ServiceError(NOT_PAUSABLE)
    detail = {"until": until.isoformat() if until else None, "by": by}
    record_event(session, subscription, "paused", detail, user_id)


def resume(
    session: DbSession,
    subscription: Subscription,
    *,
    today: date,
    user_id: int | None = None,
    by: str = BY_MERCHANT,
) -> None:
    """Bill again: the periods that started while paused are skipped, and the next charge is
    the first period starting today or later."""
    number = subscription.next_period
    while subscription.period_start(number) < today:
        number += 1
    skipped = list(range(subscription.next_period, number))
    back_to = SubscriptionStatus.ACTIVE if subscription.started_at else SubscriptionStatus.SCHEDULED
    if not _guarded(
        session,
        subscription,
        Subscription.status == SubscriptionStatus.PAUSED,
        status=back_to,
        paused_at=None,
        paused_until=None,
        paused_by_id=None,
        next_period=number,
        next_charge_on=subscription.period_start(number),
    ):
        raise ServiceError(NOT_PAUSED)
    session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.subscription_id == subscription.id,
            SubscriptionPeriod.number.in_(skipped),
            SubscriptionPeriod.status.in_((PeriodStatus.SCHEDULED, PeriodStatus.NOTIFIED)),
        )
        .values(status=PeriodStatus.SKIPPED)
        .execution_options(synchronize_session=False)
    )
    detail = {"by": by, "skipped": len(skipped), "next_charge_on": str(subscription.next_charge_on)}
    record_event(session, subscription, "resumed", detail, user_id)


def cancel_at_period_end(
    session: DbSession,
    subscription: Subscription,
    *,
    reason: str = "",
    user_id: int | None = None,
    by: str = BY_MERCHANT,
) -> None:
    """Nothing more is charged; the subscription ends when the period paid for does (the
    billing run ends it then)."""
    if not _guarded(
        session,
        subscription,
        Subscription.status.not_in(ENDED_STATUSES),
        cancel_at_period_end=True,
        cancel_reason=reason[:2000],
        canceled_by=by,
        canceled_by_id=user_id,
    ):
        raise ServiceError(ALREADY_ENDED)
    record_event(
        session, subscription, "cancel_scheduled",
        {"by": by, "reason": reason, "ends_on": _iso(subscription.current_period_end)}, user_id,
    )  # fmt: skip


def undo_cancel_at_period_end(
    session: DbSession, subscription: Subscription, *, user_id: int | None = None
) -> None:
    if not _guarded(
        session,
        subscription,
        Subscription.status.not_in(ENDED_STATUSES),
        Subscription.cancel_at_period_end.is_(True),
        cancel_at_period_end=False,
        cancel_reason="",
        canceled_by="",
        canceled_by_id=None,
    ):
        raise ServiceError(ALREADY_ENDED)
    record_event(session, subscription, "cancel_undone", {}, user_id)


def cancel_now(
    session: DbSession,
    subscription: Subscription,
    *,
    reason: str = "",
    user_id: int | None = None,
    by: str = BY_MERCHANT,
) -> None:
    """End it today: no period is charged again (a charge already made stays made)."""
    if not end(session, subscription, SubscriptionStatus.CANCELED, by=by, reason=reason,
               user_id=user_id):  # fmt: skip
        raise ServiceError(ALREADY_ENDED)


def end(
    session: DbSession,
    subscription: Subscription,
    status: SubscriptionStatus,
    *,
    by: str,
    reason: str = "",
    user_id: int | None = None,
) -> bool:
    """Cancel or expire it, once; the periods not charged yet are skipped."""
    now = utcnow()
    values: dict[str, Any] = {"status": status, "ended_at": now, "next_charge_on": None}
    if status is SubscriptionStatus.CANCELED:
        values.update(
            canceled_at=now, canceled_by=by, canceled_by_id=user_id, cancel_reason=reason[:2000]
        )
    if not _guarded(session, subscription, Subscription.status.not_in(ENDED_STATUSES), **values):
        return False
    session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.subscription_id == subscription.id,
            SubscriptionPeriod.status.in_((PeriodStatus.SCHEDULED, PeriodStatus.NOTIFIED)),
        )
        .values(status=PeriodStatus.SKIPPED)
        .execution_options(synchronize_session=False)
    )
    record_event(session, subscription, status.value, {"by": by, "reason": reason}, user_id)
    return True


def _iso(day: date | datetime | None) -> str | None:
    return day.isoformat() if day else None
