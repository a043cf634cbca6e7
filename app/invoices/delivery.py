"""Invoice emails: the invoice, its reminders, the receipt once paid, the credit note once voided.

Each email is an ``InvoiceDelivery`` row before it is anything else. The row is made ``queued``
in the caller's transaction; once that transaction commits, a task (``tasks.deliver``) renders
the PDF and the message in the customer's language and hands it to the SMTP server. Only when
the server accepted it is the row ``sent`` (and the invoice, for the invoice email, counted as
sent); otherwise it is ``failed`` with the error, which the merchant's invoice page shows with
"Send again". Nothing is sent for a transaction that was rolled back.

A reminder's row is unique per (invoice, day), so each reminder goes at most once, also when
two runs of the periodic task overlap: the second insert fails and that run sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import ServiceError
from app.extensions import DbSession
from app.invoices.models import (
    CreditNote,
    DeliveryKind,
    DeliveryStatus,
    Invoice,
    InvoiceDelivery,
    InvoiceSettings,
    InvoiceStatus,
)
from app.invoices.pdf import credit_note_pdf, download_name, invoice_pdf
from app.invoices.service import buyer_token
from app.mail import Attachment, Email, public_url_for, render_email
from app.merchants.business import seller_details
from app.settings.service import checkout_settings

DEFAULT_REMINDER_DAYS = (-3, 0, 7, 14)
# The ids of deliveries a session made, enqueued once it commits (``tasks``).
PENDING_KEY = "kassa_invoice_deliveries"


def _queue(session: DbSession | Session, delivery: InvoiceDelivery) -> InvoiceDelivery:
    session.add(delivery)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(delivery.id)
    return delivery


def _new_delivery(invoice: Invoice, kind: DeliveryKind, day: int | None = None) -> InvoiceDelivery:
    return InvoiceDelivery(
        merchant_id=invoice.merchant_id,
        invoice_id=invoice.id,
        kind=kind,
        reminder_day=day,
        recipient=invoice.customer.email,
    )


def can_send(invoice: Invoice) -> bool:
    """Whether the merchant may send (or send again) the invoice email."""
    return invoice.status is InvoiceStatus.OPEN and bool(invoice.customer.email)


def send_invoice(session: DbSession, invoice: Invoice) -> InvoiceDelivery:
    """Queue the invoice email (with its PDF and link) to the customer."""
    if invoice.status is not InvoiceStatus.OPEN:
        raise ServiceError(_l("Only an open invoice can be sent."))
    if not invoice.customer.email:
        raise ServiceError(_l("This customer has no email address to send the invoice to."))
    return _queue(session, _new_delivery(invoice, DeliveryKind.INVOICE))


def send_receipt(session: DbSession, invoice: Invoice) -> InvoiceDelivery | None:
    """Queue the receipt (with the paid invoice's PDF) once the invoice is paid; None when
    the customer has no address or the invoice is not paid."""
    if invoice.status is not InvoiceStatus.PAID or not invoice.customer.email:
        return None
    return _queue(session, _new_delivery(invoice, DeliveryKind.RECEIPT))


def send_credit_note(session: DbSession, credit_note: CreditNote) -> InvoiceDelivery | None:
    """Queue the credit note's email (with its PDF); None when the customer has no address."""
    invoice = credit_note.invoice
    if not invoice.customer.email:
        return None
    return _queue(session, _new_delivery(invoice, DeliveryKind.CREDIT_NOTE))


def deliveries_of(session: DbSession, invoice: Invoice) -> list[InvoiceDelivery]:
    """The invoice's emails, newest first."""
    query = select(InvoiceDelivery).where(InvoiceDelivery.invoice_id == invoice.id)
    return list(session.scalars(query.order_by(InvoiceDelivery.id.desc())))


def has_failed_send(session: DbSession, invoice: Invoice) -> bool:
    """Whether the latest invoice email failed (the merchant is told, and offered to send it
    again)."""
    latest = session.scalar(
        select(InvoiceDelivery.status)
        .where(
            InvoiceDelivery.invoice_id == invoice.id,
            InvoiceDelivery.kind == DeliveryKind.INVOICE,
        )
        .order_by(InvoiceDelivery.id.desc())
        .limit(1)
    )
    return latest is DeliveryStatus.FAILED


# Reminders


def reminder_day_due(days: Sequence[int], due_date: date, today: date) -> int | None:
    """The reminder to send: the latest day of the schedule whose date has come. Earlier days
    are never sent afterwards, so an invoice finalized late (or a pause of the task) gives one
    reminder, the latest one due, not a burst of them."""
    come = [day for day in sorted(set(days)) if due_date + timedelta(days=day) <= today]
    return come[-1] if come else None


def reminder_days(session: DbSession, merchant_id: int) -> list[int]:
    days = session.scalar(
        select(InvoiceSettings.reminder_days).where(InvoiceSettings.merchant_id == merchant_id)
    )
    return list(DEFAULT_REMINDER_DAYS if days is None else days)


def invoices_to_remind(session: DbSession) -> list[Invoice]:
    """Open invoices with a balance and a due date (paid, void and uncollectible ones never)."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.total > Invoice.amount_paid,
                Invoice.due_date.is_not(None),
                Invoice.finalized_at.is_not(None),
            )
            .order_by(Invoice.id)
        )
    )


def queue_reminder(session: DbSession, invoice: Invoice, day: int) -> InvoiceDelivery | None:
    """Claim the reminder of ``day`` for ``invoice`` and queue it; None when another run (or
    an earlier one) already claimed it. A savepoint keeps the refusal from undoing the rest."""
    if not invoice.customer.email:
        return None
    try:
        with session.begin_nested():
            delivery = _new_delivery(invoice, DeliveryKind.REMINDER, day)
            session.add(delivery)
    except IntegrityError:
        return None
    return _queue(session, delivery)


def queue_due_reminders(session: DbSession, today: date) -> int:
    """Queue every reminder due ``today``; returns how many."""
    queued = 0
    schedules: dict[int, list[int]] = {}
    for invoice in invoices_to_remind(session):
        assert invoice.due_date is not None
        if invoice.merchant_id not in schedules:
            schedules[invoice.merchant_id] = reminder_days(session, invoice.merchant_id)
        day = reminder_day_due(schedules[invoice.merchant_id], invoice.due_date, today)
        if day is not None and queue_reminder(session, invoice, day) is not None:
            queued += 1
    return queued


# Composing a delivery's email (in the task)


_TEMPLATES = {
    DeliveryKind.INVOICE: "invoice",
    DeliveryKind.REMINDER: "reminder",
    DeliveryKind.RECEIPT: "invoice_receipt",
    DeliveryKind.CREDIT_NOTE: "credit_note",
}


def _attachment(delivery: InvoiceDelivery, invoice: Invoice) -> Attachment:
    if delivery.kind is DeliveryKind.CREDIT_NOTE and invoice.credit_notes:
        note = invoice.credit_notes[-1]
        return Attachment(download_name(note.number, "credit-note"), credit_note_pdf(note))
    return Attachment(download_name(invoice.number, "invoice"), invoice_pdf(invoice))


def buyer_address(token: str) -> str:
    """The customer's address ``/i/<token>`` on ``KASSA_PUBLIC_URL``."""
    return public_url_for("invoice_buyers.invoice_page", token=token)


def compose(session: Session, delivery: InvoiceDelivery) -> Email:
    """The delivery's message in the customer's language, branded, its PDF attached."""
    invoice = session.get_one(Invoice, delivery.invoice_id)
    merchant = invoice.merchant
    branding = checkout_settings(session, merchant)
    logo = branding.logo_filename
    secret_key = current_app.extensions["kassa_settings"].secret_key
    context = {
        "invoice": invoice,
        "merchant": merchant,
        "seller_name": branding.display_name or merchant.name,
        "seller": seller_details(merchant),
        "accent": branding.accent_color,
        "logo_url": public_url_for("uploads.media", name=logo) if logo else None,
        "link": buyer_address(buyer_token(invoice, secret_key)),
        "day": delivery.reminder_day,
        "credit_note": invoice.credit_notes[-1] if invoice.credit_notes else None,
    }
    attachments = (_attachment(delivery, invoice),)
    return render_email(
        delivery.recipient, _TEMPLATES[delivery.kind], invoice.locale, context, attachments
    )
