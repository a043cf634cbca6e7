"""The customer's invoice page (``/i/<token>``): its first view is noted without a checkout row,
every later view writes nothing and comes from the page cache for one query, and what changes
the invoice (a part paid, voiding) shows on the next view."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.checkout.models import CheckoutSession
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.service import void_invoice
from app.web.page_cache import PageCache
from tests.integration.test_invoice_payments import shown
from tests.support.invoice_buyers import invoice_of, invoicing_merchant, open_checkout, pay
from tests.support.invoices import open_invoice
from tests.support.queries import counted_queries, writes
from tests.support.stripe_sandbox import StripeSandbox


def hits(app: Flask) -> int:
    cache: PageCache = app.extensions["kassa_page_cache"]
    return cache.hits


def checkouts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CheckoutSession)) or 0


def test_the_first_view_writes_once_and_later_views_write_nothing_from_the_cache(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    page = f"/i/{token}"
    with counted_queries(app) as first:
        assert app.test_client().get(page).status_code == 200
    assert any(s.lstrip().upper().startswith("UPDATE INVOICES") for s in writes(first))
    assert invoice_of(app, invoice_id).first_viewed_at is not None
    app.test_client().get(page)  # the page as viewed, rendered once
    before = hits(app)
    with counted_queries(app) as later:
        for _ in range(3):
            response = app.test_client().get(page)
        head = app.test_client().head(page)
    assert writes(later) == []
    assert len(later) == 4  # the invoice's stamp, once per request
    assert hits(app) == before + 4
    assert head.status_code == 200 and head.get_data() == b""
    assert "Pay €1,125.00" in response.get_data(as_text=True)
    assert checkouts(app) == 0


def test_a_part_paid_and_voiding_show_on_the_next_view(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(app, currency="EUR", allow_partial=True, minimum_part=10000)
    page = f"/i/{token}"
    app.test_client().get(page)
    assert shown(app.test_client().get(page).get_data(as_text=True), "invoice-status") == "Open"
    buyer = app.test_client()
    pay(app, stripe_sandbox, account, buyer, open_checkout(buyer, token, "400"))
    body = app.test_client().get(page).get_data(as_text=True)
    assert shown(body, "invoice-status") == "Partially paid"
    other_id, other_token = open_invoice(app, currency="EUR")  # nothing paid: it may be voided
    other = f"/i/{other_token}"
    app.test_client().get(other)
    assert shown(app.test_client().get(other).get_data(as_text=True), "invoice-status") == "Open"
    with app.app_context():
        invoice = db.session.get(Invoice, other_id)
        assert invoice is not None
        void_invoice(db.session, invoice, date.today(), reason="Billed twice")
        db.session.commit()
    assert shown(app.test_client().get(other).get_data(as_text=True), "invoice-status") == "Void"
