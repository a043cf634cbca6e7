"""A customer paying an invoice the way a person does: the invoice page's form (with its CSRF
token), the checkout's pages, and the confirm Stripe.js sends, against the Stripe sandbox."""

from __future__ import annotations

from typing import Any

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.checkout.models import CheckoutSession
from app.checkout.service import checkout_by_token
from app.extensions import db
from app.invoices.models import Invoice
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.payments import MANDATE_DATA, confirm_as_browser
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

SEPA_SUCCEEDS = "DE89370400440532013000"  # processing, then paid when the sandbox settles
SEPA_FAILS = "AT861904300235473202"  # processing, then failed when the sandbox settles
HTMX = {"HX-Request": "true"}


def invoicing_merchant(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox
) -> tuple[SandboxAccount, int]:
    """A German merchant (EUR) connected to a sandbox account, taking cards and SEPA, asking
    buyers for no address or phone: (account, merchant id). ``client`` is the owner's."""
    account, merchant = connected(client, app, sandbox, "DE", "eur")
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": ["card", "sepa_debit"],
              "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    return account, merchant


def choose_to_pay(
    buyer: FlaskClient, token: str, amount: str | None = None, **kwargs: Any
) -> TestResponse:
    """Press "Pay" on the invoice page (having typed ``amount`` in "Amount to pay")."""
    data = {} if amount is None else {"amount": amount}
    return post_form(buyer, f"/i/{token}", f"/i/{token}/pay", data, **kwargs)


def open_checkout(buyer: FlaskClient, token: str, amount: str | None = None) -> str:
    """The checkout "Pay" opens: its page's path."""
    response = choose_to_pay(buyer, token, amount)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/c/"), location
    return location


def checkout_row(app: Flask, page: str) -> CheckoutSession:
    with app.app_context():
        checkout = checkout_by_token(db.session, page.rsplit("/", 1)[-1])
        assert checkout is not None
        db.session.expunge(checkout)
        return checkout


def at_pay_step(app: Flask, sandbox: StripeSandbox, account: SandboxAccount,
                buyer: FlaskClient, page: str, method: str = "card") -> dict[str, Any]:  # fmt: skip
    """The pay step opened (the customer's details are known from the invoice) with
    ``method`` chosen as the Payment Element reports it: the intent as Stripe has it."""
    response = buyer.get(page + "/pay")
    assert response.status_code == 200, response.get_data(as_text=True)
    reported = post_form(buyer, page + "/pay", page + "/pay/method", {"method": method})
    assert reported.status_code in (200, 302), reported.get_data(as_text=True)
    intent_id = checkout_row(app, page).payment_intent_id
    assert intent_id
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": sandbox.api_base}
    )
    return merchant_stripe.v1.payment_intents.retrieve(intent_id).to_dict()


def confirm(sandbox: StripeSandbox, account: SandboxAccount, intent: dict[str, Any],
            method: str = "card", iban: str = SEPA_SUCCEEDS) -> dict[str, Any]:  # fmt: skip
    """Stripe.js's confirm with a test card, or a SEPA debit from ``iban``."""
    if method == "card":
        params: dict[str, Any] = {"payment_method": "pm_card_visa"}
    else:
        params = {
            "payment_method_data": {
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": {"name": "Grace Hopper", "email": "grace@example.com"},
            },
            "mandate_data": MANDATE_DATA,
        }
    return confirm_as_browser(sandbox, account, intent["id"], intent["client_secret"], **params)


def pay(app: Flask, sandbox: StripeSandbox, account: SandboxAccount, buyer: FlaskClient,
        page: str, method: str = "card", iban: str = SEPA_SUCCEEDS) -> str:  # fmt: skip
    """Pay the checkout at ``page`` and come back to the return page: its text."""
    intent = at_pay_step(app, sandbox, account, buyer, page, method)
    confirm(sandbox, account, intent, method, iban)
    return buyer.get(f"{page}/return?payment_intent={intent['id']}").get_data(as_text=True)


def invoice_of(app: Flask, invoice_id: int) -> Invoice:
    with app.app_context():
        invoice = db.session.scalars(select(Invoice).where(Invoice.id == invoice_id)).one()
        db.session.expunge(invoice)
        return invoice
