"""The customer's side of an invoice (``/i/<token>``): the first time they open it, the
payments they see on it, the amount they choose to pay, and the checkout that takes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Engine, Select, bindparam, select, update

from app.checkout.models import CheckoutSession
from app.checkout.service import document_closed, is_test_mode, resume_or_open
from app.core import pricing
from app.core.errors import ServiceError
from app.core.money import (
    Money,
    below_minimum,
    format_money,
    format_typed_decimal,
    minimum_charge,
)
from app.customers.models import Customer
from app.data.token_rows import row_by_token
from app.extensions import DbSession
from app.invoices.document import InvoiceDocument, closed_reason
from app.invoices.labels import MANUAL_METHOD_LABELS, SHOWN_STATUS_LABELS
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.paying import notify_owners
from app.invoices.service import DOCUMENT_TYPE, ShownStatus, record_event, shown_status
from app.merchants.business import seller_details
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus
from app.payments.service import PAID
from app.settings.labels import method_name
from app.settings.models import CheckoutSettings
from app.settings.service import checkout_settings


def customer_opened(
    session: DbSession, invoice: Invoice, now: datetime, *, viewer_merchant_id: int | None
) -> bool:
    """Note the first time the customer opens their invoice, once (one guarded UPDATE, so two
    tabs opening it at the same moment notify the owners once). The merchant's own staff
    looking at the customer's page is not the customer: ``viewer_merchant_id`` is the merchant
    of the person signed in, if anyone is. Returns whether this was the first view."""
    if invoice.status is InvoiceStatus.DRAFT or viewer_merchant_id == invoice.merchant_id:
        return False
    if invoice.first_viewed_at is not None:  # seen before: nothing to write
        return False
    first = session.execute(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.first_viewed_at.is_(None))
        .values(first_viewed_at=now)
        .execution_options(synchronize_session=False)
    )
    if first.rowcount != 1:  # type: ignore[attr-defined]
        return False
    invoice.first_viewed_at = now
    record_event(session, invoice, "viewed", {})
    notify_owners(invoice.merchant, "merchant_invoice_viewed", invoice)
    return True


@dataclass(frozen=True)
class InvoiceStamp:
    """What decides whether the customer's page may come from the page cache, and under which
    key: everything the page shows that can change, read in one small query (its merchant's
    ``public_version`` covers the seller, branding and connection; the invoice's amounts and
    status move by guarded UPDATEs that renew nothing)."""

    invoice_id: int
    merchant_id: int
    status: InvoiceStatus
    locale: str
    first_viewed: bool
    shown: tuple[Any, ...]  # the rest of the page's state, for the cache key


@cache
def _stamp_query() -> Select[
    int, int, InvoiceStatus, str, datetime | None, int, int, datetime, datetime, str
]:
    # Built once: constructing the statement costs more than running it on this hot path.
    return (
        select(
            Invoice.id, Invoice.merchant_id, Invoice.status, Invoice.locale,
            Invoice.first_viewed_at, Invoice.amount_paid, Invoice.amount_pending,
            Invoice.updated_at, Customer.updated_at, Merchant.public_version,
        )
        .join(Merchant, Merchant.id == Invoice.merchant_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.token_digest == bindparam("digest"))
    )  # fmt: skip


def invoice_stamp(engine: Engine, token: str) -> InvoiceStamp | None:
    """The stamp of the invoice at ``/i/<token>``, on a connection of its own (no objects)."""
    row = row_by_token(engine, _stamp_query(), token)
    if row is None:
        return None
    invoice_id, merchant_id, status, locale, first_viewed_at, *shown = row
    return InvoiceStamp(
        invoice_id, merchant_id, status, locale, first_viewed_at is not None, tuple(shown)
    )


@dataclass(frozen=True)
class ShownPayment:
    """A payment as the invoice page lists it: Stripe's (paid, or a debit clearing) and the
    ones the merchant recorded."""

    on: date
    amount: Money
    method: str | LazyString
    processing: bool = False
    reference: str = ""


def invoice_payments(session: DbSession, invoice: Invoice) -> list[ShownPayment]:
    """What was paid on the invoice, oldest first: accepted Stripe payments that are paid or
    clearing, less what was refunded of them (a refused payment or a duplicate never counts),
    and manual payments."""
    stripe_payments = session.scalars(
        select(Payment)
        .where(
            Payment.merchant_id == invoice.merchant_id,
            Payment.document_type == DOCUMENT_TYPE,
            Payment.document_id == str(invoice.id),
            Payment.status.in_((*PAID, PaymentStatus.PROCESSING)),
            Payment.rejection.is_(None),
            Payment.duplicate_of_id.is_(None),
        )
        .order_by(Payment.created_at, Payment.id)
    )
    shown = [
        ShownPayment(
            on=payment.created_at.date(),
            amount=Money(payment.amount - payment.amount_refunded, payment.currency),
            method=method_name(payment.method_type),
            processing=payment.status is PaymentStatus.PROCESSING,
            reference=payment.intent_id,
        )
        for payment in stripe_payments
        if payment.amount > payment.amount_refunded
    ]
    shown += [
        ShownPayment(
            on=manual.paid_on,
            amount=invoice.money(manual.amount),
            method=MANUAL_METHOD_LABELS[manual.method],
            reference=manual.reference,
        )
        for manual in invoice.manual_payments
    ]
    return sorted(shown, key=lambda payment: payment.on)


def smallest_part(invoice: Invoice) -> Money:
    """The smallest part the customer may pay (unless they pay the whole balance): the
    invoice's minimum part, and never below what Stripe charges at the least."""
    floor = minimum_charge(invoice.currency)
    smallest = max(invoice.minimum_part or 0, floor.amount if floor else 1)
    return invoice.money(min(smallest, invoice.payable))


def chosen_part(invoice: Invoice, typed: Money | None) -> int | None:
    """The part the customer chose to pay, checked: None to pay everything still payable.
    Only an invoice that allows parts takes one; the whole balance is always allowed."""
    if not invoice.allow_partial:
        return None
    if typed is None:
        raise ServiceError(_l("Enter the amount to pay."), "amount")
    payable = invoice.payable
    if typed.currency != invoice.currency:
        raise ServiceError(_l("Enter the amount in the invoice's currency."), "amount")
    if typed.amount == payable:
        return None
    if typed.amount > payable:
        raise ServiceError(
            gettext(
                "Enter at most %(max)s, the amount still due.",
                max=format_money(invoice.money(payable), str(get_locale())),
            ),
            "amount",
        )
    if typed.amount < 1:
        raise ServiceError(_l("Enter an amount above zero."), "amount")
    smallest = smallest_part(invoice)
    if below_minimum(typed) or typed.amount < smallest.amount:
        raise ServiceError(
            gettext(
                "Enter at least %(min)s, or the whole amount due.",
                min=format_money(smallest, str(get_locale())),
            ),
            "amount",
        )
    return typed.amount


def open_invoice_checkout(
    session: DbSession,
    invoice: Invoice,
    typed: Money | None,
    *,
    locale: str,
    browser_key: str,
    today: date,
) -> CheckoutSession:
    """This browser's checkout of the invoice for the amount the customer chose (the payable
    balance unless they typed a part), brought up to that amount when one is open already (one
    open checkout per browser and document): refused, with the customer's words, when the
    invoice cannot be paid now."""
    closed = closed_reason(invoice)
    if closed is not None:
        raise ServiceError(closed.message)
    document = InvoiceDocument(invoice, chosen_part(invoice, typed))
    reason = document_closed(session, document, today)
    if isinstance(reason, pricing.Refusal):
        raise ServiceError(document.refusal_messages[reason])
    if reason is not None:
        raise ServiceError(reason.message)
    return resume_or_open(session, document, locale, browser_key)


@dataclass(frozen=True)
class InvoicePage:
    """What the customer's page shows: the invoice, its status in words, its payments, and
    whether (and how much) it can be paid now, with the merchant's branding."""

    invoice: Invoice
    document: InvoiceDocument
    status: ShownStatus
    payments: list[ShownPayment]
    cannot_pay: str | LazyString | None  # why "Pay" is not offered while the invoice is open
    smallest_part: Money
    branding: CheckoutSettings
    test_mode: bool

    @property
    def payable(self) -> Money:
        return self.invoice.money(self.invoice.payable)

    @property
    def amount_field_value(self) -> str:
        """What "Amount to pay" starts with: everything payable, as the customer types it."""
        return format_typed_decimal(self.payable.to_decimal(), str(get_locale()))

    @property
    def part_hint(self) -> str:
        return gettext(
            "Pay the whole amount due, %(due)s, or a part of at least %(min)s.",
            due=format_money(self.payable, str(get_locale())),
            min=format_money(self.smallest_part, str(get_locale())),
        )

    def context(self) -> dict[str, Any]:
        return {
            "view": self,
            "invoice": self.invoice,
            "document": self.document,
            "merchant": self.invoice.merchant,
            "branding": self.branding,
            "seller": seller_details(self.invoice.merchant),
            "test_mode": self.test_mode,
            "status_label": SHOWN_STATUS_LABELS[self.status],
        }


def invoice_page(session: DbSession, invoice: Invoice, today: date) -> InvoicePage:
    document = InvoiceDocument(invoice)
    return InvoicePage(
        invoice=invoice,
        document=document,
        status=shown_status(invoice, today),
        payments=invoice_payments(session, invoice),
        cannot_pay=_why_not_payable(session, document, today),
        smallest_part=smallest_part(invoice),
        branding=checkout_settings(session, invoice.merchant),
        test_mode=is_test_mode(session, document),
    )


def _why_not_payable(
    session: DbSession, document: InvoiceDocument, today: date
) -> str | LazyString | None:
    """Why an invoice that is still open cannot be paid here now, in the customer's words (a
    closed invoice says so by its status): a payment clearing that covers the rest, no Stripe
    connection, settings the pricing engine refuses, or a balance Stripe cannot charge."""
    reason = document_closed(session, document, today)
    if isinstance(reason, pricing.Refusal):
        return document.refusal_messages[reason]
    if reason is not None:
        return reason.message
    refusal = pricing.refusal(pricing.price(document.cart({}, today)))
    return document.refusal_messages[refusal] if refusal is not None else None
