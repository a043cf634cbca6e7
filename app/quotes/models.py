"""Quotes: a proposal addressed to one customer, its lines (optional ones and quantities the
buyer may adjust), how it is accepted (a click or a typed signature, optionally countersigned)
and paid (nothing, in full, a deposit or a schedule of parts), its revisions, the evidence of
its acceptance, the subscriptions its recurring lines will start, its emails and its
append-only event log.

Amounts are minor units of the quote's currency. Each revision of a sent quote is its own row
(same number, ``revision`` + 1, the old row ``superseded``), so the evidence of an acceptance
always belongs to the exact document that was signed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Product
from app.core.clock import utcnow
from app.core.money import Money
from app.customers.models import Customer
from app.data.bases import MerchantOwned
from app.extensions import db, str_enum
from app.merchants.models import Merchant


class QuoteStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # sent: numbered, has an address, may be accepted until it expires
    AWAITING_COUNTERSIGNATURE = "awaiting_countersignature"  # the buyer signed; staff has not
    ACCEPTED = "accepted"
    PARTLY_PAID = "partly_paid"  # a deposit or the first parts of a schedule are paid
    PAID = "paid"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELED = "canceled"
    SUPERSEDED = "superseded"  # a later revision replaced it; its address shows that one


# A quote in one of these may still be accepted (when it has not expired).
ACCEPTABLE = (QuoteStatus.OPEN,)
# Accepted, and so payable (what is due now) and convertible into an invoice.
ACCEPTED_STATUSES = (QuoteStatus.ACCEPTED, QuoteStatus.PARTLY_PAID, QuoteStatus.PAID)


class AcceptanceMode(enum.StrEnum):
    CLICK = "click"
    SIGNATURE = "signature"  # the buyer types their full name


class PaymentMode(enum.StrEnum):
    NONE = "none"  # nothing at acceptance: an invoice is issued afterwards
    FULL = "full"
    DEPOSIT = "deposit"  # a fixed amount or a percentage now; the rest invoiced
    SCHEDULE = "schedule"  # parts on dates, the later ones charged off-session


class QuoteSettings(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A merchant's defaults for quotes: how long one is valid, the reminder before it expires,
    terms and notes per shipped language, and the notice given before each later charge of a
    schedule per method (None keeps the scheme's rule)."""

    __tablename__ = "quote_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    validity_days: Mapped[int] = mapped_column(Integer, default=30)
    reminder_days_before: Mapped[list[int]] = mapped_column(JSON, default=lambda: [3])
    terms: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by locale
    notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by locale
    notice_days: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # by method


class Quote(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("merchant_id", "number", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[QuoteStatus] = mapped_column(
        str_enum(QuoteStatus, length=32), default=QuoteStatus.DRAFT, index=True
    )
    number: Mapped[str | None] = mapped_column(String(40))  # taken when first sent
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revised_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("quotes.id", ondelete="SET NULL"), index=True
    )
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("quotes.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    issue_date: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by locale
    notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by locale
    payment_methods: Mapped[list[str] | None] = mapped_column(JSON)  # None: every accepted
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_amount: Mapped[int | None] = mapped_column(Integer)
    acceptance_mode: Mapped[AcceptanceMode] = mapped_column(
        str_enum(AcceptanceMode), default=AcceptanceMode.SIGNATURE
    )
    countersigner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    payment_mode: Mapped[PaymentMode] = mapped_column(
        str_enum(PaymentMode), default=PaymentMode.FULL
    )
    deposit_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    deposit_amount: Mapped[int | None] = mapped_column(Integer)
    # Kept when priced (the default choices until accepted, the buyer's afterwards).
    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    discount_total: Mapped[int] = mapped_column(Integer, default=0)
    tax_total: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    tax_breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Moved only by guarded UPDATEs, as an invoice's balance is.
    amount_paid: Mapped[int] = mapped_column(Integer, default=0)
    amount_pending: Mapped[int] = mapped_column(Integer, default=0)
    # The buyer's address /q/<token>: the digest finds it, the sealed copy re-sends it. A
    # revision keeps the address, so the old link shows the new revision.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_encrypted: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_viewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The acceptance and its evidence, written by the one guarded UPDATE that accepts.
    chosen_quantities: Mapped[dict[str, int] | None] = mapped_column(JSON)  # by line id
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signer_ip: Mapped[str] = mapped_column(String(64), default="")
    signer_user_agent: Mapped[str] = mapped_column(String(500), default="")
    shown_digest: Mapped[str] = mapped_column(String(64), default="")  # SHA-256, hex
    countersigner_name: Mapped[str] = mapped_column(String(200), default="")
    countersigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The method saved at acceptance (setup_future_usage=off_session, or a SetupIntent) that
    # pays the schedule's later parts, and the Stripe customer it is attached to.
    saved_method_id: Mapped[str] = mapped_column(String(255), default="")
    saved_method_type: Mapped[str] = mapped_column(String(32), default="")
    # What may be shown of it: brand and last four, or bank, last four and mandate reference.
    saved_method_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    processor_customer_id: Mapped[str] = mapped_column(String(255), default="")
    # A bank debit's mandate (from the intent that saved it), named on each later charge.
    saved_mandate_id: Mapped[str] = mapped_column(String(255), default="")
    setup_intent_id: Mapped[str] = mapped_column(String(255), default="")
    converted_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    merchant: Mapped[Merchant] = relationship()
    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )
    parts: Mapped[list[QuotePaymentPart]] = relationship(
        back_populates="quote", order_by="QuotePaymentPart.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[QuoteEvent]] = relationship(
        back_populates="quote", order_by="QuoteEvent.id", passive_deletes=True
    )

    def money(self, minor_units: int) -> Money:
        return Money(minor_units, self.currency)

    @property
    def shown_number(self) -> str:
        """``Q-2026-0007`` for the first revision, ``Q-2026-0007-2`` for the second."""
        if self.number is None:
            return ""
        return self.number if self.revision == 1 else f"{self.number}-{self.revision}"

    @property
    def balance(self) -> int:
        return max(self.total - self.amount_paid, 0)


class QuoteLine(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A product or a described amount, once or every ``interval_count`` ``interval``s; the
    buyer may leave an ``optional`` line out and choose an ``adjustable`` quantity within
    ``min_quantity`` and ``max_quantity``."""

    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount: Mapped[int] = mapped_column(Integer, default=0)
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    tax_rate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    adjustable: Mapped[bool] = mapped_column(Boolean, default=False)
    min_quantity: Mapped[int | None] = mapped_column(Integer)
    max_quantity: Mapped[int | None] = mapped_column(Integer)
    interval: Mapped[str | None] = mapped_column(String(16))  # pricing.Interval; None: once
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    # Kept when priced: the amount after the line's discount, and its taxes.
    amount: Mapped[int] = mapped_column(Integer, default=0)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    quote: Mapped[Quote] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


class PartStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    NOTIFIED = "notified"  # the notice before the charge went out
    PROCESSING = "processing"  # charged; a bank debit is clearing
    PAID = "paid"
    FAILED = "failed"  # the charge failed; the buyer was asked to update the method
    CANCELED = "canceled"


class QuotePaymentPart(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One part of what the quote is paid in: a percentage of the total or an amount, due at
    acceptance (``due_on`` None) or on a date. The amount is fixed when the quote is accepted
    (the buyer's choices decide the total). A later part becomes an invoice paid by an
    off-session charge with its own idempotency key."""

    __tablename__ = "quote_payment_parts"
    __table_args__ = (UniqueConstraint("quote_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    fixed_amount: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)  # None: at acceptance
    amount: Mapped[int] = mapped_column(Integer, default=0)  # fixed at acceptance
    status: Mapped[PartStatus] = mapped_column(
        str_enum(PartStatus), default=PartStatus.SCHEDULED, index=True
    )
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(80), default="")
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    charged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The latest charge's PaymentIntent, and the saved method that failed (the part is tried
    # again only once the quote's saved method is another one).
    intent_id: Mapped[str] = mapped_column(String(255), default="")
    failed_method_id: Mapped[str] = mapped_column(String(255), default="")

    quote: Mapped[Quote] = relationship(back_populates="parts")


class SubscriptionToBe(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A recurring line of a paid quote, as the subscriptions feature will bill it: a plain
    record written when the quote is paid, one per recurring line (unique)."""

    __tablename__ = "quote_subscriptions"
    __table_args__ = (UniqueConstraint("quote_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    quote_line_id: Mapped[int] = mapped_column(
        ForeignKey("quote_lines.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    unit_amount: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    tax_rate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    interval: Mapped[str] = mapped_column(String(16))
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date] = mapped_column(Date)  # the first renewal after the paid period
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuoteDeliveryKind(enum.StrEnum):
    QUOTE = "quote"
    REMINDER = "reminder"  # before expiry
    ACCEPTED = "accepted"  # confirmation with the signed PDF (buyer and owners)
    NOTICE = "notice"  # before a later part is charged
    RECEIPT = "receipt"  # after a later part is paid
    PAYMENT_FAILED = "payment_failed"


class QuoteDelivery(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One email about a quote. ``once_key`` (a reminder's day, a part's id) is unique per
    quote and kind: a periodic task inserts the row before sending, so it goes at most once."""

    __tablename__ = "quote_deliveries"
    __table_args__ = (UniqueConstraint("quote_id", "kind", "once_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QuoteDeliveryKind] = mapped_column(str_enum(QuoteDeliveryKind))
    once_key: Mapped[str | None] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuoteEvent(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Append-only: sent, revised, viewed, accepted, countersigned, declined, paid, ..."""

    __tablename__ = "quote_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    quote: Mapped[Quote] = relationship(back_populates="events")
