"""Subscriptions: Kassa's own record of what a customer is billed every period, its lines, the
charge of each period, the merchant's billing settings (dunning plans, notices), the emails
sent about it (each at most once) and its append-only event log.

Amounts are minor units of the subscription's currency. Periods are numbered from 0: period
``n`` starts on ``Recurrence.charge_date(anchor_on, n)`` and ends the day before period
``n + 1`` starts, so a month's end never drifts. A period row (``SubscriptionPeriod``) is made
once per number (unique) and is the unit a billing run claims: one invoice and one
PaymentIntent per period, whatever happens.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Product
from app.core import pricing
from app.core.clock import utcnow
from app.core.money import Money
from app.customers.models import Customer
from app.data.bases import MerchantOwned
from app.extensions import db, str_enum
from app.merchants.models import Merchant


class SubscriptionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # nothing charged yet: a trial or a later start date
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a period is unpaid after its last try (or while it is retried)
    PAUSED = "paused"  # no charges until ``paused_until`` (or until resumed)
    CANCELED = "canceled"
    EXPIRED = "expired"  # its fixed number of periods ran out


# A subscription in one of these is billed by the periodic run.
BILLABLE_STATUSES = (
    SubscriptionStatus.SCHEDULED,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)
ENDED_STATUSES = (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED)


class SubscriptionSource(enum.StrEnum):
    """What started it: a checkout (a payment link, a storefront cart), a paid quote's
    recurring line, or an import from Stripe Billing."""

    CHECKOUT = "checkout"
    QUOTE = "quote"
    IMPORT = "import"


class AfterLastTry(enum.StrEnum):
    """What a subscription becomes when the last retry of a period failed."""

    CANCEL = "cancel"
    STAY_PAST_DUE = "past_due"


class SubscriptionSettings(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A merchant's billing rules. Dunning plans: the days after a failed card charge on which
    a soft decline is retried, and whether an insufficient-funds bank debit is tried once
    more after the next notice period; what happens after the last try. Notices: the reminder
    before a charge, in days by interval (``{"year": 14}``; missing: off), and the notice before
    a debit by method (missing: the scheme's). What customers may do in their portal."""

    __tablename__ = "subscription_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_retry_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 3, 5, 7])
    retry_bank_debits: Mapped[bool] = mapped_column(Boolean, default=True)
    after_last_try: Mapped[AfterLastTry] = mapped_column(
        str_enum(AfterLastTry), default=AfterLastTry.CANCEL
    )
    reminder_days: Mapped[dict[str, int]] = mapped_column(JSON, default=lambda: {"year": 14})
    notice_days: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # by method
    customers_may_cancel: Mapped[bool] = mapped_column(Boolean, default=True)
    customers_may_pause: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Subscription(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("merchant_id", "source", "source_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        str_enum(SubscriptionStatus), default=SubscriptionStatus.SCHEDULED, index=True
    )
    # Where it came from, unique per merchant: the checkout's id and the schedule's key, the
    # quote's subscription-to-be, the Stripe subscription. A second start is a replay.
    source: Mapped[SubscriptionSource] = mapped_column(str_enum(SubscriptionSource))
    source_reference: Mapped[str] = mapped_column(String(120))
    checkout_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkout_sessions.id", ondelete="SET NULL"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    interval: Mapped[str] = mapped_column(String(16))  # pricing.Interval
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    # Period n starts on recurrence.charge_date(anchor_on, n); None: no end.
    anchor_on: Mapped[date] = mapped_column(Date)
    # The period that starts on ``anchor_on`` (0 until the next charge date is moved).
    anchor_period: Mapped[int] = mapped_column(Integer, default=0)
    max_periods: Mapped[int | None] = mapped_column(Integer)
    # The period covered now (None before the first one starts) and the next one to charge.
    current_period: Mapped[int | None] = mapped_column(Integer)
    current_period_start: Mapped[date | None] = mapped_column(Date)
    current_period_end: Mapped[date | None] = mapped_column(Date)  # the last day covered
    next_period: Mapped[int] = mapped_column(Integer, default=0)
    next_charge_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The amount each period charges, fixed from the lines, taxes and fee when they change.
    period_amount: Mapped[int] = mapped_column(Integer, default=0)
    tax_amount: Mapped[int] = mapped_column(Integer, default=0)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    fee_name: Mapped[str] = mapped_column(String(120), default="")
    # Raised by each change of lines (one guarded UPDATE: two tabs make one change); the
    # proration charge of change n is keyed ``subscription:<id>:change:<n>``.
    change_count: Mapped[int] = mapped_column(Integer, default=0)
    # What the next period's invoice takes, once: negative a credit (a prorated decrease),
    # positive a prorated increase below the currency's minimum charge.
    carried_amount: Mapped[int] = mapped_column(Integer, default=0)
    # The saved method (safe details only) and the Stripe customer it belongs to.
    payment_method_id: Mapped[str] = mapped_column(String(255), default="")
    payment_method_type: Mapped[str] = mapped_column(String(32), default="")
    payment_method_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    processor_customer_id: Mapped[str] = mapped_column(String(255), default="")
    # A bank debit's mandate (from the intent that saved the method), named on each charge.
    payment_mandate_id: Mapped[str] = mapped_column(String(255), default="")
    setup_intent_id: Mapped[str] = mapped_column(String(255), default="")
    needs_new_method: Mapped[bool] = mapped_column(Boolean, default=False)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Notice settings of this subscription (None: the merchant's).
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    notice_days: Mapped[int | None] = mapped_column(Integer)
    # Status changes: who (a user id; None: the customer or Kassa), when and why.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    past_due_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_until: Mapped[date | None] = mapped_column(Date)  # None while paused: indefinitely
    paused_by_id: Mapped[int | None] = mapped_column(Integer)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    canceled_by_id: Mapped[int | None] = mapped_column(Integer)
    canceled_by: Mapped[str] = mapped_column(String(16), default="")  # merchant, customer, kassa
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    merchant: Mapped[Merchant] = relationship()
    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[SubscriptionLine]] = relationship(
        back_populates="subscription",
        order_by="SubscriptionLine.position",
        cascade="all, delete-orphan",
    )
    periods: Mapped[list[SubscriptionPeriod]] = relationship(
        back_populates="subscription",
        order_by="SubscriptionPeriod.number",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[SubscriptionEvent]] = relationship(
        back_populates="subscription", order_by="SubscriptionEvent.id", passive_deletes=True
    )

    def money(self, minor_units: int) -> Money:
        return Money(minor_units, self.currency)

    @property
    def recurrence(self) -> pricing.Recurrence:
        return pricing.Recurrence(pricing.Interval(self.interval), self.interval_count)

    def period_start(self, number: int) -> date:
        return self.recurrence.charge_date(self.anchor_on, number - self.anchor_period)

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES


class SubscriptionLine(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """What each period charges: a product (or a described amount) at a quantity and unit
    amount, with its tax rates."""

    __tablename__ = "subscription_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount: Mapped[int] = mapped_column(Integer, default=0)
    tax_rate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    subscription: Mapped[Subscription] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


class PeriodStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    NOTIFIED = "notified"  # the notice (and reminder) before the charge went out
    PROCESSING = "processing"  # claimed and charged; a bank debit is clearing
    PAID = "paid"
    FAILED = "failed"  # the last charge failed; retried on ``retry_on`` when set
    UNCOLLECTIBLE = "uncollectible"  # the last try failed: no more retries
    SKIPPED = "skipped"  # paused over, or canceled before its charge


class SubscriptionPeriod(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One period's charge: its dates and amount, the invoice it becomes and the attempts to
    pay it. Claimed by a guarded UPDATE (one winner), the claim committed before Stripe."""

    __tablename__ = "subscription_periods"
    __table_args__ = (UniqueConstraint("subscription_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the last day covered
    due_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[PeriodStatus] = mapped_column(
        str_enum(PeriodStatus), default=PeriodStatus.SCHEDULED, index=True
    )
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )
    intent_id: Mapped[str] = mapped_column(String(255), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_on: Mapped[date | None] = mapped_column(Date)
    failed_method_id: Mapped[str] = mapped_column(String(255), default="")
    decline_code: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    charged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="periods")


class ChangeChargeStatus(enum.StrEnum):
    CHARGING = "charging"  # claimed and asked of Stripe (again, under its key, if unanswered)
    CHARGED = "charged"
    FAILED = "failed"  # declined: its invoice stays open for the customer to pay


class SubscriptionChange(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """The charge of a prorated change of lines (number ``n`` of the subscription's change
    counter, unique): its invoice, made and committed with the change before Stripe is asked
    under ``subscription:<id>:change:<n>``; asked again under that key by the billing task when
    Stripe gave no answer (``asked_at`` older than the run's ``UNANSWERED_AFTER``)."""

    __tablename__ = "subscription_changes"
    __table_args__ = (UniqueConstraint("subscription_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[ChangeChargeStatus] = mapped_column(
        str_enum(ChangeChargeStatus), default=ChangeChargeStatus.CHARGING, index=True
    )
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    intent_id: Mapped[str] = mapped_column(String(255), default="")
    failure_code: Mapped[str] = mapped_column(String(64), default="")
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    subscription: Mapped[Subscription] = relationship()


class SubscriptionDeliveryKind(enum.StrEnum):
    STARTED = "started"
    REMINDER = "reminder"  # N days before a charge (the merchant's setting)
    NOTICE = "notice"  # the debit scheme's advance notice
    RECEIPT = "receipt"  # a period paid, with its invoice PDF
    PAYMENT_FAILED = "payment_failed"  # a soft decline: will be retried
    NEW_METHOD = "new_method"  # a hard decline or a revoked mandate: set a new method
    CANCELED = "canceled"


class SubscriptionDelivery(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One email about a subscription; ``once_key`` (a period and attempt) is unique per
    subscription and kind: the row is inserted before sending, so it goes at most once."""

    __tablename__ = "subscription_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "kind", "once_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SubscriptionDeliveryKind] = mapped_column(str_enum(SubscriptionDeliveryKind))
    once_key: Mapped[str] = mapped_column(String(40), default="")
    recipient: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SubscriptionEvent(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Append-only: started, notified, charged, paid, failed (with the reason), retried,
    past_due, paused, resumed, cancel_scheduled, canceled, expired, method_updated, ..."""

    __tablename__ = "subscription_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="events")

    # The owners' daily digest reads one day's failed charges of every merchant.
    __table_args__ = (Index("ix_subscription_events_kind_created_at", "kind", "created_at"),)


class OwnersDigest(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """The owners' email of one day's failed renewals, inserted before it is sent: unique
    per merchant and day, so it goes at most once however often the task runs."""

    __tablename__ = "subscription_owner_digests"
    __table_args__ = (UniqueConstraint("merchant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    failures: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
