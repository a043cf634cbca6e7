"""PDF downloads: the merchant's (any of their invoices, drafts marked DRAFT, and credit notes)
and the buyer's (by the invoice's token only)."""

from __future__ import annotations

from flask import abort
from werkzeug.wrappers import Response

from app.documents.pdf import pdf_response
from app.extensions import db
from app.invoices import blueprint, buyer_blueprint
from app.invoices.models import CreditNote, Invoice, InvoiceStatus
from app.invoices.pdf import credit_note_pdf, download_name, invoice_pdf
from app.invoices.service import invoice_by_token
from app.merchants.auth import login_required
from app.merchants.scoping import get_owned_or_404


@blueprint.get("/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    return pdf_response(invoice_pdf(invoice), download_name(invoice.number, f"draft-{invoice.id}"))


@blueprint.get("/<int:invoice_id>/credit-notes/<int:note_id>/pdf")
@login_required
def credit_note_pdf_download(invoice_id: int, note_id: int) -> Response:
    note = get_owned_or_404(CreditNote, note_id, invoice_id=invoice_id)
    return pdf_response(credit_note_pdf(note), download_name(note.number, "credit-note"))


@buyer_blueprint.get("/<token>/pdf", endpoint="pdf")
def pdf_for_buyer(token: str) -> Response:
    invoice = invoice_by_token(db.session, token)
    if invoice is None or invoice.status is InvoiceStatus.DRAFT:
        abort(404)
    return pdf_response(invoice_pdf(invoice), download_name(invoice.number, "invoice"))
