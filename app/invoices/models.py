"""Invoices, their lines, manual payments, credit notes, number series, the merchant's invoice
settings, deliveries (each email sent or failed) and the invoice's append-only event log.

Amounts are minor units of the invoice's currency. The totals are computed by the pricing
engine from the lines and kept on the invoice when it is saved, so a finalized invoice's
figures never change with later settings.
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


class InvoiceStatus(enum.StrEnum):
    """What is stored. "Partially paid", "payment processing" and "overdue" are read from the
    amounts and the due date (``Invoice.shown_status`` in the service)."""

    DRAFT = "draft"
    OPEN = "open"  # finalized: numbered, sent or ready to send, payable
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class PaymentTerms(enum.StrEnum):
    DUE_ON_RECEIPT = "due_on_receipt"
    NET_7 = "net_7"
    NET_14 = "net_14"
    NET_30 = "net_30"
    NET_60 = "net_60"
    CUSTOM = "custom"  # the due date is chosen


class InvoiceSettings(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A merchant's defaults for new invoices and the reminder schedule (days relative to the
    due date: -3 is three days before, 0 the day, 7 a week after)."""

    __tablename__ = "invoice_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[PaymentTerms] = mapped_column(str_enum(PaymentTerms), default=PaymentTerms.NET_14)
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [-3, 0, 7, 14])
    memo: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by locale
    footer: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by locale


class Invoice(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("merchant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        str_enum(InvoiceStatus), default=InvoiceStatus.DRAFT, index=True
    )
    number: Mapped[str | None] = mapped_column(String(40))  # taken at finalization
    revision: Mapped[int] = mapped_column(Integer, default=1)
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    issue_date: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[PaymentTerms] = mapped_column(str_enum(PaymentTerms), default=PaymentTerms.NET_14)
    due_date: Mapped[date | None] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(Text, default="")
    footer: Mapped[str] = mapped_column(Text, default="")
    payment_methods: Mapped[list[str] | None] = mapped_column(JSON)  # None: every accepted
    allow_partial: Mapped[bool] = mapped_column(Boolean, default=False)
    minimum_part: Mapped[int | None] = mapped_column(Integer)
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_amount: Mapped[int | None] = mapped_column(Integer)
    # Kept when saved (pricing engine): what the document shows and the balance is counted from.
    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    discount_total: Mapped[int] = mapped_column(Integer, default=0)
    tax_total: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    tax_breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Settled payments (Stripe's and manual ones), and bank debits still clearing: both are
    # claimed atomically, so two buyers never pay more than the balance between them.
    amount_paid: Mapped[int] = mapped_column(Integer, default=0)
    amount_pending: Mapped[int] = mapped_column(Integer, default=0)
    # What went back to the customer of its Stripe payments (refunds; a refund that failed comes
    # off again): an invoice refunded in full says so.
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    # The buyer's address /i/<token>: the digest finds it, the sealed copy re-sends it.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_encrypted: Mapped[str | None] = mapped_column(Text)
    finalized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_viewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    merchant: Mapped[Merchant] = relationship()
    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    manual_payments: Mapped[list[ManualPayment]] = relationship(
        back_populates="invoice", order_by="ManualPayment.id", passive_deletes=True
    )
    credit_notes: Mapped[list[CreditNote]] = relationship(
        back_populates="invoice", order_by="CreditNote.id", passive_deletes=True
    )
    events: Mapped[list[InvoiceEvent]] = relationship(
        back_populates="invoice", order_by="InvoiceEvent.id", passive_deletes=True
    )

    def money(self, minor_units: int) -> Money:
        return Money(minor_units, self.currency)

    @property
    def balance(self) -> int:
        """What is still to pay once every settled payment counts (debits clearing do not)."""
        return max(self.total - self.amount_paid, 0)

    @property
    def payable(self) -> int:
        """What a buyer may still pay now: the balance less the debits already clearing."""
        return max(self.total - self.amount_paid - self.amount_pending, 0)


class InvoiceLine(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A product (its price in the invoice's currency when added) or a described amount."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount: Mapped[int] = mapped_column(Integer, default=0)
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    tax_rate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Kept when saved, for the document: subtotal after the line's discount, and its taxes.
    amount: Mapped[int] = mapped_column(Integer, default=0)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


class ManualMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CHEQUE = "cheque"
    OTHER = "other"


class ManualPayment(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A payment made outside Stripe that the merchant recorded."""

    __tablename__ = "manual_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[ManualMethod] = mapped_column(str_enum(ManualMethod))
    reference: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="manual_payments")


class CreditNote(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Issued when a sent invoice is voided: its own series, the invoice it cancels."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("merchant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[date] = mapped_column(Date)
    total: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")


class DeliveryKind(enum.StrEnum):
    INVOICE = "invoice"
    REMINDER = "reminder"
    RECEIPT = "receipt"
    CREDIT_NOTE = "credit_note"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"


class InvoiceDelivery(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One email about an invoice. A reminder's row is unique per (invoice, kind, day): the
    periodic task inserts it before sending, so each reminder goes at most once."""

    __tablename__ = "invoice_deliveries"
    __table_args__ = (UniqueConstraint("invoice_id", "kind", "reminder_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DeliveryKind] = mapped_column(str_enum(DeliveryKind))
    reminder_day: Mapped[int | None] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.QUEUED
    )
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InvoiceEvent(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Append-only: finalized, revised, sent, viewed, paid in part, voided, ..."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="events")
