"""The customer's address of an invoice, ``/i/<token>``: the invoice as a document, in the
customer's language and with the merchant's branding, and "Pay", which opens the shared
checkout for the balance or the part the customer typed.

Found by the token only (its digest): an unknown token, like a draft's, is a plain 404.
"""

from __future__ import annotations

from typing import Any

from flask import abort, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from app.checkout.models import CheckoutSession
from app.core.clock import utcnow
from app.extensions import db, limiter
from app.invoices import buyer_blueprint, buyer_service
from app.invoices.buyer_forms import PayInvoiceForm
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.service import invoice_by_token
from app.merchants.auth import current_user
from app.web import rate_limits
from app.web.browser import browser_key
from app.web.form_views import submit_form
from app.web.i18n import address_reader_in
from app.web.page_cache import public_page
from app.web.rendering import go_to, render


def _invoice_or_404(token: str) -> Invoice:
    invoice = invoice_by_token(db.session, token)
    if invoice is None or invoice.status is InvoiceStatus.DRAFT:
        abort(404)
    address_reader_in(invoice.locale)
    return invoice


def _page(token: str, invoice: Invoice, form: PayInvoiceForm | None = None) -> dict[str, Any]:
    page = buyer_service.invoice_page(db.session, invoice, utcnow().date())
    if form is None:
        form = PayInvoiceForm(formdata=None, currency=invoice.currency)
        form.amount.data = page.amount_field_value
    form.amount.description = page.part_hint
    return {**page.context(), "token": token, "form": form}


@buyer_blueprint.get("/<token>")
def invoice_page(token: str) -> Response:
    """The first view by the customer is recorded (once); every view after writes nothing and,
    like the first view of a link, comes from the page cache while nothing it shows changed."""
    stamp = buyer_service.invoice_stamp(db.engine, token)
    if stamp is None or stamp.status is InvoiceStatus.DRAFT:
        abort(404)
    address_reader_in(stamp.locale)
    if not stamp.first_viewed:
        _note_first_view(token)
    key = ("invoice", stamp.invoice_id, stamp.status, stamp.first_viewed, *stamp.shown,
           utcnow().date())  # fmt: skip
    return public_page(
        key, lambda: render("invoices/buyer.html", **_page(token, _invoice_or_404(token)))
    )


def _note_first_view(token: str) -> None:
    invoice = _invoice_or_404(token)
    viewer = current_user()
    merchant_id = viewer.merchant_id if viewer is not None else None
    if buyer_service.customer_opened(db.session, invoice, utcnow(), viewer_merchant_id=merchant_id):
        db.session.commit()


@buyer_blueprint.post("/<token>/pay")
@limiter.limit(rate_limits.INVOICE_PAY_PER_ADDRESS)
@limiter.limit(rate_limits.INVOICE_PAY_PER_INVOICE, key_func=rate_limits.invoice_token)
def pay_invoice(token: str) -> Response:
    invoice = _invoice_or_404(token)
    form = PayInvoiceForm(currency=invoice.currency)

    def open_checkout() -> CheckoutSession:
        return buyer_service.open_invoice_checkout(
            db.session, invoice, form.typed, locale=str(get_locale()), browser_key=browser_key(),
            today=utcnow().date(),
        )  # fmt: skip

    return submit_form(
        form,
        open_checkout,
        on_success=lambda checkout: go_to(url_for("checkout.checkout_page", token=checkout.token)),
        template="invoices/buyer.html",
        partial="invoices/_buyer_pay.html",
        context=lambda: _page(token, invoice, form),
    )
