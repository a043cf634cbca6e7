"""Payments as Kassa records them, their append-only events, and received webhook events."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.money import Money
from app.customers.models import search_fold
from app.data.bases import MerchantOwned
from app.data.sql import trigram_index
from app.extensions import db

if TYPE_CHECKING:
    from app.checkout.models import Answer, CheckoutSession


# The document type of a charge taken before Kassa (Stripe Billing's, kept by an import from
# Stripe): reports and exports count it; nothing confirms, receipts or emails it.
IMPORTED_DOCUMENT = "stripe_import"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # an intent was created; the buyer has not confirmed it yet
    PROCESSING = "processing"  # bank debits, until they settle
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


def _enum_column(kind: type[enum.StrEnum]) -> Enum:
    return Enum(
        kind, native_enum=False, length=24, values_callable=lambda items: [i.value for i in items]
    )


class Payment(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One per PaymentIntent. Amounts are minor units of ``currency``, except ``fee`` and
    ``net``: minor units of the currency Stripe settled the charge in (``settled_currency``).

    ``version`` makes concurrent recordings of the same intent (a webhook and the return page)
    collide instead of both appending the same change: the loser retries on fresh data.
    """

    __tablename__ = "payments"
    # What the panel's index and the exports read (``queries.py``): a merchant's payments by
    # date or by amount, one keyset page at a time, often narrowed to a method and currency over
    # a range of days, and a payment found by the last four digits or its charge.
    __table_args__ = (
        Index("ix_payments_merchant_created", "merchant_id", "created_at", "id"),
        Index("ix_payments_merchant_amount", "merchant_id", "amount", "id"),
        Index("ix_payments_merchant_last4", "merchant_id", "last4"),
        Index("ix_payments_merchant_charge", "merchant_id", "latest_charge_id"),
        Index(
            "ix_payments_merchant_method_currency_created",
            "merchant_id",
            "method_type",
            "currency",
            "created_at",
        ),
        UniqueConstraint("merchant_id", "receipt_number", name="uq_payments_receipt_number"),
        trigram_index("ix_payments_search_trgm", "search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intent_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[PaymentStatus] = mapped_column(_enum_column(PaymentStatus), index=True)
    document_type: Mapped[str] = mapped_column(String(32), default="")
    document_id: Mapped[str] = mapped_column(String(64), default="")
    # The document's own number where it has one (an invoice's), as the buyer saw it: searchable.
    document_number: Mapped[str] = mapped_column(String(64), default="")
    checkout_reference: Mapped[str] = mapped_column(String(128), default="", index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int | None] = mapped_column(Integer)
    net: Mapped[int | None] = mapped_column(Integer)
    # Stripe settled the charge in another currency (None: in ``currency``), converted at
    # ``exchange_rate`` settlement units per charge unit, kept as the decimal's exact text.
    settlement_currency: Mapped[str | None] = mapped_column(String(3))
    exchange_rate: Mapped[str | None] = mapped_column(String(32))
    # The day (UTC) Stripe expects the net in the available balance (the balance transaction's
    # ``available_on``): the payout that carries it is made on or after it.
    available_on: Mapped[date | None] = mapped_column(Date)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    # What the merchant's refunds from the panel hold of the amount (``Refund``): raised by one
    # guarded UPDATE before Stripe is asked, lowered when a refund fails, so refunds requested
    # at the same moment never pass the amount together.
    refund_reserved: Mapped[int] = mapped_column(Integer, default=0)
    method_type: Mapped[str] = mapped_column(String(32), default="")
    method_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mandate_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # The method's last four digits (card or bank account), from ``method_details``.
    last4: Mapped[str | None] = mapped_column(String(4))
    latest_charge_id: Mapped[str | None] = mapped_column(String(255))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_phone: Mapped[str] = mapped_column(String(40), default="")
    buyer_locale: Mapped[str] = mapped_column(String(10), default="en")
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The buyer's email and name and the document number, folded by ``search_fold``: what the
    # index's search compares, kept by a mapper event on every write (``_keep_search_columns``).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Whose payment this is (``customers``): found or created by the buyer's email
    # when an accepted payment is taken, or set by the document (an invoice's customer).
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    # Indexed: deleting payments (a merchant's, by cascade) looks up the duplicates of each.
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )
    # Why the confirmation refused this payment (``payments.service.Rejection``): it is
    # refunded and never counts as paid for its document.
    rejection: Mapped[str | None] = mapped_column(String(32))
    # What the buyer bought, as priced and charged (``receipts.Purchase``): the lines, discount,
    # surcharge, taxes per rate and total, kept when the payment is taken, so a product changed
    # later never changes a receipt. None for payments taken before Kassa kept it.
    purchase: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The receipt's number in the merchant's receipt series, taken when the money is in.
    receipt_number: Mapped[str | None] = mapped_column(String(40))
    receipt_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # When reconciliation last read the intent from Stripe (not a change of the payment, so it
    # moves neither ``updated_at`` nor ``version``); it spaces out the reads of idle payments.
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[PaymentEvent]] = relationship(
        back_populates="payment", order_by="PaymentEvent.id", passive_deletes=True
    )
    # The checkout this payment was taken for (its public id is the checkout reference), read
    # for what the buyer answered there; the same merchant's only.
    checkout: Mapped[CheckoutSession | None] = relationship(
        "CheckoutSession",
        primaryjoin="and_(foreign(Payment.checkout_reference) == CheckoutSession.public_id, "
        "foreign(Payment.merchant_id) == CheckoutSession.merchant_id)",
        viewonly=True,
        uselist=False,
        lazy="select",
    )

    __mapper_args__ = {"version_id_col": version}

    def money(self, minor_units: int) -> Money:
        """An amount in this payment's currency (events keep plain minor units)."""
        return Money(minor_units, self.currency)

    @property
    def gross(self) -> Money:
        return Money(self.amount, self.currency)

    def settled_money(self, minor_units: int, currency: str | None = None) -> Money:
        """A fee or net amount: in ``currency`` when an event names it, else in the payment's
        settlement currency (events recorded before Kassa kept it name none; their amounts
        were Stripe's, so in the currency it settled in)."""
        return Money(minor_units, currency or self.settled_currency)

    @property
    def settled_currency(self) -> str:
        """The currency fee and net are in."""
        return self.settlement_currency or self.currency

    @property
    def settled_rate(self) -> Decimal | None:
        """Settlement units per unit of ``currency`` when Stripe converted the charge."""
        if self.settlement_currency is None or self.exchange_rate is None:
            return None
        return Decimal(self.exchange_rate)

    @property
    def fee_money(self) -> Money | None:
        return None if self.fee is None else Money(self.fee, self.settled_currency)

    @property
    def net_money(self) -> Money | None:
        return None if self.net is None else Money(self.net, self.settled_currency)

    @property
    def refunded_money(self) -> Money:
        return Money(self.amount_refunded, self.currency)

    @property
    def flagged_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

    @property
    def accepted(self) -> bool:
        """Whether this payment counts for its document (not a refused duplicate or mismatch)."""
        return self.rejection is None and self.duplicate_of_id is None

    @property
    def answers(self) -> list[Answer]:
        """What the buyer answered to the merchant's questions at checkout."""
        return self.checkout.answers if self.checkout is not None else []


# Between the searchable fields in ``Payment.search_text``: a search term is one line.
SEARCH_SEPARATOR = "\n"


def payment_search_text(email: str, name: str, document_number: str) -> str:
    return SEARCH_SEPARATOR.join(search_fold(part or "") for part in (email, name, document_number))


@event.listens_for(Payment, "before_insert")
@event.listens_for(Payment, "before_update")
def _keep_search_columns(_mapper: object, _connection: object, payment: Payment) -> None:
    """Whoever writes a payment (the recording path, an erasure), the index finds it."""
    payment.search_text = payment_search_text(
        payment.buyer_email, payment.buyer_name, payment.document_number
    )
    last4 = (payment.method_details or {}).get("last4")
    payment.last4 = str(last4)[-4:] if last4 else None


class PaymentEvent(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Append-only (DESIGN rule 7): written once, never updated or deleted."""

    __tablename__ = "payment_events"
    # Exports find a merchant's refunds by kind among millions of events.
    __table_args__ = (Index("ix_payment_events_merchant_kind", "merchant_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="events")


class RefundStatus(enum.StrEnum):
    """A refund the merchant asked for in the panel: Stripe's statuses, and ``requested`` until
    Stripe answered (or ``failed`` when it refused the request)."""

    REQUESTED = "requested"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class Refund(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A refund asked for in the panel. ``request_id`` is made when the refund form is shown,
    so a form sent twice is one refund, and it is the Stripe request's idempotency key."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("merchant_id", "request_id", name="uq_refunds_merchant_request"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[str] = mapped_column(String(64))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), index=True)
    amount: Mapped[int] = mapped_column(Integer)  # minor units of the payment's currency
    reason: Mapped[str | None] = mapped_column(String(32))  # Stripe's refund reason
    status: Mapped[RefundStatus] = mapped_column(_enum_column(RefundStatus))
    failure_reason: Mapped[str | None] = mapped_column(String(64))  # Stripe's, or Kassa's
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    payment: Mapped[Payment] = relationship()

    @property
    def money(self) -> Money:
        return Money(self.amount, self.payment.currency)

    @property
    def holds_its_amount(self) -> bool:
        """Whether it still counts against what may be refunded (not failed or canceled)."""
        return self.status not in (RefundStatus.FAILED, RefundStatus.CANCELED)


class Dispute(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A dispute of a payment, as Stripe last reported it (``disputes.record_dispute``)."""

    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("merchant_id", "stripe_dispute_id", name="uq_disputes_merchant_dispute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    stripe_dispute_id: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(Integer)  # minor units of ``currency``
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(64))  # Stripe's
    status: Mapped[str] = mapped_column(String(32))  # Stripe's
    evidence_due_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    payment: Mapped[Payment] = relationship()

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def open(self) -> bool:
        return self.status not in ("won", "lost", "warning_closed")


class WebhookOutcome(enum.StrEnum):
    RECEIVED = "received"  # stored, not handled yet (or handling failed and Stripe retries)
    APPLIED = "applied"
    IGNORED = "ignored"  # a type Kassa does not act on, or an object it does not know


class WebhookEvent(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A webhook event, stored by its Stripe id before it is handled, so none applies twice.

    Unique per merchant: an event id is only as trustworthy as the signature it came with, and
    each merchant signs with its own secret, so one merchant cannot claim another's event id.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("merchant_id", "stripe_event_id", name="uq_webhook_events_merchant_event"),
        # The events page: a merchant's newest first.
        Index("ix_webhook_events_merchant_received", "merchant_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[WebhookOutcome] = mapped_column(
        _enum_column(WebhookOutcome), default=WebhookOutcome.RECEIVED
    )
    # The payment the event was recorded on, when it was one of Kassa's (its page lists them).
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )
    # Why handling failed last (Stripe retries; the merchant may replay), and how long the
    # handling that stored the outcome took.
    error: Mapped[str] = mapped_column(String(500), default="")
    handling_ms: Mapped[int | None] = mapped_column(Integer)
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookHealth(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """What the events page says besides the events themselves: deliveries refused for their
    signature (no event to store: only counted), and what reconciliation last did for the
    merchant. One row per merchant, made on first need; every change is one UPDATE that adds,
    so concurrent deliveries and runs never lose a count."""

    __tablename__ = "webhook_health"
    __table_args__ = (UniqueConstraint("merchant_id", name="uq_webhook_health_merchant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_signature_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_reconcile_read: Mapped[int] = mapped_column(Integer, default=0)
    last_reconcile_recovered: Mapped[int] = mapped_column(Integer, default=0)
    recovered_total: Mapped[int] = mapped_column(Integer, default=0)


class DailyTotal(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """The sums of a merchant's counted payments (``service.PAID``) created on one UTC day, per
    currency, method, document type and the currency Stripe settled in: what the revenue
    report reads instead of every payment (``totals.py`` keeps it, in the payment's
    transaction). Amounts are minor units of ``currency``, except ``fee`` and ``net``: of
    ``settled_in``. A row whose ``payments`` is 0 was emptied by a payment moving elsewhere."""

    __tablename__ = "daily_totals"
    __table_args__ = (
        UniqueConstraint(
            "merchant_id", "day", "currency", "method_type", "document_type", "settled_in",
            name="uq_daily_totals_key",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # the payment's creation, as a UTC day
    currency: Mapped[str] = mapped_column(String(3))
    method_type: Mapped[str] = mapped_column(String(32))
    document_type: Mapped[str] = mapped_column(String(32))
    settled_in: Mapped[str] = mapped_column(String(3))  # settlement_currency, else currency
    payments: Mapped[int] = mapped_column(Integer, default=0)
    gross: Mapped[int] = mapped_column(BigInteger, default=0)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)  # the fees Stripe booked so far
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    disputed: Mapped[int] = mapped_column(BigInteger, default=0)  # what disputes took
    net: Mapped[int] = mapped_column(BigInteger, default=0)  # Stripe's net (balance transaction)


class DailyAvailability(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Stripe's nets of a merchant's counted payments created on one UTC day, by the day Stripe
    expects them in the available balance and the currency it settled in: the report's
    "available on" table. Only payments whose balance transaction is known count here."""

    __tablename__ = "daily_availability"
    __table_args__ = (
        UniqueConstraint(
            "merchant_id", "day", "available_on", "settled_in", name="uq_daily_availability_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    available_on: Mapped[date] = mapped_column(Date)
    settled_in: Mapped[str] = mapped_column(String(3))
    payments: Mapped[int] = mapped_column(Integer, default=0)
    net: Mapped[int] = mapped_column(BigInteger, default=0)
