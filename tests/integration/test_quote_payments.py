"""Paying an accepted quote through the checkout (issue 15), as a buyer does against the Stripe
sandbox: the deposit by card (the quote is then partly paid, and its conversion into an
invoice carries the deposit over), the whole quote (paid; its recurring line recorded as a
subscription-to-be, once), a SEPA debit clearing then settled, and what cannot be paid: a quote
not accepted yet, or one paid already from another tab."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import pricing
from app.extensions import db
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.quotes.models import PartStatus, PaymentMode, Quote, QuoteStatus, SubscriptionToBe
from app.quotes.service import LineInput
from tests.integration.test_payments import record
from tests.support.accounts import post_form
from tests.support.invoice_buyers import invoicing_merchant, pay
from tests.support.payments import merchant_id
from tests.support.quotes import open_quote, quote_row
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

LINES = (
    LineInput("Kitchen design", quantity=1, unit_amount=400000),
    LineInput("Cabinets", quantity=4, unit_amount=50000, adjustable=True, max_quantity=8),
    LineInput("Maintenance", quantity=1, unit_amount=10000, interval=pricing.Interval.MONTH),
)


@pytest.fixture
def merchant(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> SandboxAccount:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    return account


def accepted_quote(app: Flask, buyer: FlaskClient, **fields: object) -> tuple[int, str]:
    quote_id, token = open_quote(app, currency="EUR", lines=LINES, **fields)  # type: ignore[arg-type]
    page = f"/q/{token}"
    data = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper",
            "quantity-1": "4"}  # fmt: skip
    assert post_form(buyer, page, f"{page}/accept", data).status_code == 302
    return quote_id, token


def press_pay(buyer: FlaskClient, token: str) -> str:
    response = post_form(buyer, f"/q/{token}", f"/q/{token}/pay", {})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_a_deposit_paid_by_card_makes_the_quote_partly_paid_and_carries_into_the_invoice(
    app: Flask, client: FlaskClient, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    buyer = app.test_client()
    quote_id, token = accepted_quote(
        app, buyer, payment_mode=PaymentMode.DEPOSIT, deposit_percent=Decimal(30)
    )
    page = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert "Pay €1,830.00" in page  # 30 % of 6,100.00
    checkout = press_pay(buyer, token)
    assert checkout.startswith("/c/")
    pay(app, stripe_sandbox, merchant, buyer, checkout)
    quote = quote_row(app, quote_id)
    assert quote.status is QuoteStatus.PARTLY_PAID
    assert quote.amount_paid == 183000 and quote.amount_pending == 0
    shown = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert "Paid so far: €1,830.00" in shown and "quote-pay" not in shown
    again = post_form(buyer, f"/q/{token}", f"/q/{token}/pay", {})
    assert again.status_code == 422
    assert "Nothing is due on this quote now." in again.get_data(as_text=True)
    converted = post_form(
        client, f"/panel/quotes/{quote_id}", f"/panel/quotes/{quote_id}/convert", {}
    )
    assert converted.status_code == 302
    with app.app_context():
        invoice = db.session.scalars(select(Invoice)).one()
        assert invoice.total == 610000 and invoice.amount_paid == 183000
        assert invoice.balance == 427000


def test_paying_in_full_records_the_recurring_line_once(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer)
    pay(app, stripe_sandbox, merchant, buyer, press_pay(buyer, token))
    quote = quote_row(app, quote_id)
    assert quote.status is QuoteStatus.PAID and quote.paid_at is not None
    assert quote.amount_paid == quote.total == 610000
    with app.app_context():
        subscription = db.session.scalars(select(SubscriptionToBe)).one()
        assert subscription.quote_id == quote_id and subscription.unit_amount == 10000
        assert subscription.interval == "month" and subscription.starts_on > date.today()
        parts = db.session.get_one(Quote, quote_id).parts
        assert [part.status for part in parts] == [PartStatus.PAID]
    assert "Paid. Thank you!" in buyer.get(f"/q/{token}").get_data(as_text=True)


def test_a_quote_not_accepted_cannot_be_paid(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    buyer = app.test_client()
    quote_id, token = open_quote(app, currency="EUR", lines=LINES)
    refused = post_form(buyer, f"/q/{token}", f"/q/{token}/pay", {})
    assert refused.status_code == 422
    assert "Accept the quote before paying it." in refused.get_data(as_text=True)
    assert quote_row(app, quote_id).amount_pending == 0


def test_a_second_tab_finds_the_quote_paid(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    first, second = app.test_client(), app.test_client()
    quote_id, token = accepted_quote(app, first)
    first_checkout = press_pay(first, token)
    second_checkout = press_pay(second, token)
    pay(app, stripe_sandbox, merchant, first, first_checkout)
    assert quote_row(app, quote_id).status is QuoteStatus.PAID
    closed = second.get(second_checkout).get_data(as_text=True)
    assert "This quote is paid. Nothing more is due." in closed
    assert quote_row(app, quote_id).amount_paid == 610000


def test_a_sepa_debit_clears_then_settles(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer)
    pay(app, stripe_sandbox, merchant, buyer, press_pay(buyer, token), method="sepa_debit")
    clearing = quote_row(app, quote_id)
    assert clearing.status is QuoteStatus.ACCEPTED and clearing.amount_pending == 610000
    assert "Payment processing" in buyer.get(f"/q/{token}").get_data(as_text=True)
    stripe_sandbox.control("POST", "/_sandbox/advance")
    with app.app_context():
        intent_id = db.session.scalars(select(Payment.intent_id)).one()
    record(app, merchant_id(app), intent_id)  # what the webhook does
    record(app, merchant_id(app), intent_id)  # and a replay changes nothing
    settled = quote_row(app, quote_id)
    assert settled.status is QuoteStatus.PAID and settled.amount_paid == 610000
