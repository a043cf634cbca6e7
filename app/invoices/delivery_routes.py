"""The merchant's side of invoice emails: send (or send again), and the list of deliveries."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.extensions import db
from app.invoices import blueprint
from app.invoices.delivery import can_send, deliveries_of, send_invoice
from app.invoices.delivery_forms import SendInvoiceForm
from app.invoices.models import Invoice, InvoiceDelivery
from app.merchants.auth import login_required
from app.merchants.scoping import get_owned_or_404
from app.web.form_views import submit_form
from app.web.rendering import render, render_after_change

PAGE = "invoices/deliveries.html"
PARTIAL = "invoices/_delivery_actions.html"


@blueprint.app_template_global()
def invoice_deliveries(invoice: Invoice) -> list[InvoiceDelivery]:
    """For ``_delivery_actions.html``, which gets only the invoice."""
    return deliveries_of(db.session, invoice)


@blueprint.app_template_global()
def can_send_invoice(invoice: Invoice) -> bool:
    return can_send(invoice)


def _context(invoice: Invoice, form: SendInvoiceForm | None = None) -> dict[str, Any]:
    return {"invoice": invoice, "send_form": form}


@blueprint.get("/<int:invoice_id>/deliveries")
@login_required
def deliveries(invoice_id: int) -> Response:
    return render(PAGE, PARTIAL, **_context(get_owned_or_404(Invoice, invoice_id)))


@blueprint.post("/<int:invoice_id>/send")
@login_required
def send(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    form = SendInvoiceForm()
    return submit_form(
        form,
        lambda: send_invoice(db.session, invoice),
        on_success=lambda _delivery: render_after_change(
            PARTIAL, url_for("invoices.invoice", invoice_id=invoice.id), **_context(invoice)
        ),
        template=PAGE,
        partial=PARTIAL,
        context=lambda: _context(invoice, form),
        message=_("The invoice email to %(email)s is on its way.", email=invoice.customer.email),
    )
