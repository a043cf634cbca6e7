"""The invoice's documents as PDFs: the invoice, its credit note and a payment's receipt.

Each shows what the buyer page shows, in the invoice's language, with the merchant's branding,
on A4 pages (US Letter for merchants in the United States and Canada). Rendered on demand for
downloads and in the delivery task for emails.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy.orm import object_session

from app.extensions import db
from app.invoices.models import CreditNote, Invoice, InvoiceStatus, ManualPayment
from app.merchants.business import seller_details
from app.payments.models import Payment
from app.settings.service import checkout_settings
from app.web.i18n import basis_points
from app.web.pdf import page_size_for, render_pdf


def _stamp(invoice: Invoice) -> str:
    """What is written across a document that is not (or no longer) a demand for payment."""
    with force_locale(invoice.locale):
        if invoice.status is InvoiceStatus.DRAFT:
            return gettext("DRAFT")
        if invoice.status is InvoiceStatus.VOID:
            return gettext("VOID")
    return ""


def percent(value: Decimal | str) -> str:
    """A stored percentage ("25", Decimal("12.5")) as the reader writes it: 25%, 25 %."""
    return basis_points(int(Decimal(value) * 100))


def _render(document_of: Invoice, template: str, **context: Any) -> bytes:
    """Render ``template`` in the language and with the branding of ``document_of``'s merchant."""
    merchant = document_of.merchant
    branding = checkout_settings(object_session(document_of) or db.session, merchant)
    return render_pdf(
        template,
        locale=document_of.locale,
        page_size=page_size_for(merchant.country),
        merchant=merchant,
        branding=branding,
        seller_name=branding.display_name or merchant.name,
        seller=seller_details(merchant),
        accent=branding.accent_color,
        percent=percent,
        **context,
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    return _render(invoice, "invoice.html", invoice=invoice, stamp=_stamp(invoice))


def credit_note_pdf(credit_note: CreditNote) -> bytes:
    return _render(credit_note.invoice, "credit_note.html", credit_note=credit_note, stamp="")


def receipt_pdf(invoice: Invoice, payment: Payment | ManualPayment) -> bytes:
    """The receipt of one payment of the invoice: by Stripe or recorded by hand."""
    if isinstance(payment, ManualPayment):
        paid_on, reference = payment.paid_on, payment.reference
    else:
        paid_on, reference = payment.created_at.date(), ""
    return _render(
        invoice,
        "receipt.html",
        invoice=invoice,
        paid=payment.amount,
        paid_on=paid_on,
        reference=reference,
        stamp="",
    )


def download_name(number: str | None, fallback: str) -> str:
    """A download's file name: the document's number (letters, digits, dashes), else
    ``fallback`` (a draft has no number)."""
    safe = "".join(c for c in (number or "") if c.isalnum() or c in "-_")
    return f"{safe or fallback}.pdf"
