"""Customers the way people make them: a merchant's form in the panel, or a buyer paying a
link through the checkout's pages (confirmed at the sandbox as Stripe.js would)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.customers.models import Customer, CustomerEvent
from app.extensions import db
from tests.integration.test_checkout import open_as_buyer
from tests.integration.test_checkout_confirmation import confirm_in_browser
from tests.support.accounts import post_form
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

NEW_CUSTOMER = "/panel/customers/new"

CUSTOMER = {
    "name": "Zebulon Quartermaine",
    "email": "zebulon.q@example.org",
    "company": "Quartermaine Konsult",
    "tax_id": "SE559900112201",
    "phone": "+46709998877",
    "locale": "sv",
    "currency": "SEK",
    "billing_line1": "Kvarnvägen 17",
    "billing_line2": "Lgh 1102",
    "billing_postal_code": "27199",
    "billing_city": "Ystadholm",
    "billing_state": "Skåne",
    "billing_country": "SE",
    "shipping_line1": "",
    "shipping_line2": "",
    "shipping_postal_code": "",
    "shipping_city": "",
    "shipping_state": "",
    "shipping_country": "",
    "notes": "Allergic to walnuts",
}


def add_customer(client: FlaskClient, **fields: str) -> Any:
    """The new-customer form, posted with CSRF (``CUSTOMER`` unless told otherwise)."""
    return post_form(client, NEW_CUSTOMER, NEW_CUSTOMER, {**CUSTOMER, **fields})


def customers_of(app: Flask) -> list[Customer]:
    with app.app_context():
        rows = list(db.session.scalars(select(Customer).order_by(Customer.id)))
        db.session.expunge_all()
        return rows


def event_kinds(app: Flask, customer_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(CustomerEvent.kind)
                .where(CustomerEvent.customer_id == customer_id)
                .order_by(CustomerEvent.id)
            )
        )


def pay_link(
    app: Flask,
    sandbox: StripeSandbox,
    account: SandboxAccount,
    details: dict[str, str],
    *,
    come_back: bool = True,
) -> tuple[FlaskClient, str]:
    """A new buyer opens the merchant's link, types ``details``, pays by card at the sandbox
    and (unless told not to) comes back to the return page. Their client and checkout page."""
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    saved = post_form(buyer, page, page + "/details", details)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert buyer.get(page + "/pay").status_code == 200
    confirm_in_browser(sandbox, account, app, page, payment_method="pm_card_visa")
    if come_back:
        body = buyer.get(page + "/return").get_data(as_text=True)
        assert "Thank you, your payment went through" in body, body
    return buyer, page
