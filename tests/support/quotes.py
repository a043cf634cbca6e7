"""Quotes for tests, made through the quotes service (the code path the panel's forms take):
``draft_quote`` and ``open_quote`` (sent: numbered, with the customer's address), to
``invoices.add_customer``'s default customer unless another is named; and the confirm
Stripe.js sends from a quote's method page (``save_method_as_browser``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import stripe
from flask import Flask

from app.customers.models import Customer
from app.extensions import db
from app.quotes.models import Quote
from app.quotes.service import LineInput, create_quote, send_quote
from tests.conftest import SECRET_KEY
from tests.support.invoices import default_customer, merchant_of
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

DEFAULT_LINES = (
    LineInput("Kitchen design", quantity=1, unit_amount=400000),
    LineInput(
        "Cabinets", quantity=4, unit_amount=50000, adjustable=True, min_quantity=2, max_quantity=8
    ),
    LineInput("Installation", quantity=1, unit_amount=100000, optional=True),
)


def draft_quote(
    app: Flask,
    merchant_email: str = "owner@example.com",
    *,
    customer_id: int | None = None,
    currency: str | None = None,
    lines: Sequence[LineInput] = DEFAULT_LINES,
    **fields: Any,
) -> int:
    """A draft made by the service; returns its id."""
    if customer_id is None:
        customer_id = default_customer(app, merchant_email)
    with app.app_context():
        merchant = merchant_of(merchant_email)
        customer = db.session.get(Customer, customer_id)
        assert customer is not None
        quote = create_quote(
            db.session,
            merchant,
            customer,
            currency=currency or merchant.default_currency,
            lines=lines,
            **fields,
        )
        db.session.commit()
        return quote.id


def open_quote(
    app: Flask,
    merchant_email: str = "owner@example.com",
    *,
    today: date | None = None,
    **draft: Any,
) -> tuple[int, str]:
    """A sent quote (see ``draft_quote``): its id and the token of the customer's address."""
    quote_id = draft_quote(app, merchant_email, **draft)
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        token = send_quote(db.session, quote, today or date.today(), SECRET_KEY)
        db.session.commit()
        return quote_id, token


def quote_row(app: Flask, quote_id: int) -> Quote:
    """The quote as stored now (detached: its columns only)."""
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        db.session.expunge(quote)
        return quote


def setup_secret_of(page: str) -> str:
    """The SetupIntent's client secret the method page hands Stripe.js (``data-client-secret``)."""
    found = re.search(r'data-client-secret="(seti_[^"]+)"', page)
    assert found, "the method page mounts no SetupIntent"
    return found.group(1)


def save_method_as_browser(
    sandbox: StripeSandbox, account: SandboxAccount, client_secret: str, **params: Any
) -> dict[str, Any]:
    """The confirm Stripe.js sends from the method page (``stripe.confirmSetup``): the
    SetupIntent as Stripe answers it, or ``{"declined": code}`` for a card Stripe declined."""
    browser = stripe.StripeClient(account.publishable_key, base_addresses={"api": sandbox.api_base})
    setup_id = client_secret.split("_secret_")[0]
    try:
        confirmed = browser.v1.setup_intents.confirm(
            setup_id,
            params={
                "client_secret": client_secret,
                "return_url": "https://shop.example/return",
                **params,
            },  # type: ignore[arg-type]
        )
    except stripe.CardError as declined:
        return {"declined": declined.code}
    return confirmed.to_dict()
