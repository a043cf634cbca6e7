"""The invoice's documents as PDFs: the invoice, its credit note and a payment's receipt.

Each shows what the buyer page shows, in the invoice's language, with the merchant's branding,
on A4 pages (US Letter for merchants in the United States and Canada). Rendered on demand for
downloads and in the delivery task for emails.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext

from app.documents.pdf import download_name, percent, render_document
from app.invoices.models import CreditNote, Invoice, InvoiceStatus, ManualPayment
from app.payments.models import Payment

__all__ = ["credit_note_pdf", "download_name", "invoice_pdf", "percent", "receipt_pdf"]


def _stamp(invoice: Invoice) -> str:
    """What is written across a document that is not (or no longer) a demand for payment."""
    with force_locale(invoice.locale):
        if invoice.status is InvoiceStatus.DRAFT:
            return gettext("DRAFT")
        if invoice.status is InvoiceStatus.VOID:
            return gettext("VOID")
    return ""


def invoice_pdf(invoice: Invoice) -> bytes:
    return render_document(invoice, "invoice.html", invoice=invoice, stamp=_stamp(invoice))


def credit_note_pdf(credit_note: CreditNote) -> bytes:
    return render_document(
        credit_note.invoice, "credit_note.html", credit_note=credit_note, stamp=""
    )


def receipt_pdf(invoice: Invoice, payment: Payment | ManualPayment) -> bytes:
    """The receipt of one payment of the invoice: by Stripe or recorded by hand."""
    if isinstance(payment, ManualPayment):
        paid_on, reference = payment.paid_on, payment.reference
    else:
        paid_on, reference = payment.created_at.date(), ""
    return render_document(
        invoice,
        "receipt.html",
        invoice=invoice,
        paid=payment.amount,
        paid_on=paid_on,
        reference=reference,
        stamp="",
    )
