"""A new kind of document plugs into the checkout without a change to ``app/checkout``: it
implements the ``Document`` protocol and registers its type, and the real checkout pages open,
price, change, close and take payment for it against the Stripe sandbox, calling its hooks.

The document here exists only in this test (a product of the library sold on its own, as an
invoice or a quote will plug in): a second implementation of the protocol, not a stand-in for
Kassa's own code.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.catalog.models import Product
from app.catalog.service import pricing_price
from app.checkout.documents import Closed, Document, DocumentLine, register_document_type
from app.checkout.models import CheckoutSession
from app.checkout.service import open_checkout
from app.core import pricing
from app.extensions import DbSession, db
from app.merchants.models import Merchant, utcnow
from app.payments.models import Payment, PaymentStatus
from app.processors.access import connected_gateway
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.payments import pay_as_buyer
from tests.support.settings import add_product
from tests.support.stripe_sandbox import StripeSandbox

SOLD_ON_ITS_OWN = "test_product_sold_on_its_own"
hooks_called: list[tuple[str, str]] = []  # (hook, document id), in the order they ran


class ProductSoldOnItsOwn(Document):
    """One product of the library, one to three of it, in the currency it is priced in;
    closed once the product is archived."""

    type = SOLD_ON_ITS_OWN
    refusal_messages = {refusal: "This cannot be bought here." for refusal in pricing.Refusal}

    def __init__(self, product: Product, merchant: Merchant, currency: str = "SEK") -> None:
        self.product = product
        self.id = str(product.id)
        self.merchant = merchant
        self.currency = currency
        self.title = product.name
        self.lines = [
            DocumentLine(product.id, product.name, 1, adjustable_quantity=True, max_quantity=3)
        ]

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        unit = self.product.price_in(self.currency)
        assert unit is not None
        quantity = quantities.get(self.product.id, 1)
        line = pricing.Line(pricing_price(self.product, unit, str(self.product.id)), quantity)
        return pricing.Cart(currency=self.currency, today=today, lines=(line,), **extras)

    def closed(self, session: DbSession) -> Closed | None:
        if self.product.is_archived:
            return Closed("archived", "This product is no longer sold. Nothing was charged.")
        return None

    def claim(self, session: DbSession, payment: Payment) -> bool:
        hooks_called.append(("claim", self.id))
        return True

    def paid(self, session: DbSession, payment: Payment) -> None:
        hooks_called.append(("paid", self.id))

    def settled(self, session: DbSession, payment: Payment) -> None:
        hooks_called.append(("settled", self.id))


def load_product_sold_on_its_own(
    session: DbSession, checkout: CheckoutSession
) -> ProductSoldOnItsOwn | None:
    product = session.scalar(
        select(Product).where(
            Product.id == int(checkout.document_id), Product.merchant_id == checkout.merchant_id
        )
    )
    if product is None:
        return None
    merchant = session.get(Merchant, checkout.merchant_id)
    assert merchant is not None
    return ProductSoldOnItsOwn(product, merchant)


def pottery_class(client: FlaskClient, app: Flask, sandbox: StripeSandbox) -> Any:
    """A Swedish merchant connected to the sandbox with one product, a class at 450 SEK."""
    account, _merchant = connected(client, app, sandbox, "SE", "sek")
    assert add_product(client, "Pottery class", "SEK", "450").status_code == 302
    return account


def open_for_a_buyer(app: Flask, document_type: str = SOLD_ON_ITS_OWN) -> str:
    """What the feature's own public address would do: open a checkout of the document.
    Returns the buyer's checkout page."""
    with app.app_context():
        product = db.session.scalars(select(Product)).one()
        merchant = db.session.get(Merchant, product.merchant_id)
        assert merchant is not None
        document = ProductSoldOnItsOwn(product, merchant)
        document.type = document_type
        checkout = open_checkout(db.session, document, "en", browser_key=None)
        db.session.commit()
        return f"/c/{checkout.token}"


def due_now(body: str) -> str:
    match = re.search(r'data-testid="due-now">([^<]+)<', body)
    assert match, body
    return match.group(1)


def test_a_registered_document_is_opened_priced_and_paid_through_the_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    register_document_type(SOLD_ON_ITS_OWN, load_product_sold_on_its_own)
    account = pottery_class(client, app, stripe_sandbox)
    hooks_called.clear()
    buyer = app.test_client()
    page = open_for_a_buyer(app)

    body = buyer.get(page).get_data(as_text=True)
    assert "<h1>Pottery class</h1>" in body and due_now(body) == "SEK450.00"
    with app.app_context():
        product_id = str(db.session.scalars(select(Product)).one().id)
    changed = post_form(buyer, page, page + "/quantity", {"line": product_id, "quantity": "2"})
    assert changed.status_code == 302
    assert due_now(buyer.get(page).get_data(as_text=True)) == "SEK900.00"
    too_many = post_form(buyer, page, page + "/quantity", {"line": product_id, "quantity": "4"})
    assert too_many.status_code == 422 and "Choose a quantity from 1 to 3." in too_many.text

    details = {"email": "ada@example.com", "name": "Ada"}
    assert post_form(buyer, page, page + "/details", details).status_code == 302
    pay_step = buyer.get(page + "/pay")
    assert pay_step.status_code == 200 and "SEK900.00" in pay_step.get_data(as_text=True)
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert (checkout.document_type, checkout.document_id) == (SOLD_ON_ITS_OWN, product_id)
        assert checkout.payment_intent_id
        intent = connected_gateway(db.session, checkout.merchant_id).retrieve_payment_intent(
            checkout.payment_intent_id
        )
    assert intent.amount.amount == 90000 and intent.amount.currency == "SEK"
    assert intent.metadata["kassa_document_type"] == SOLD_ON_ITS_OWN

    pay_as_buyer(stripe_sandbox, account, intent, payment_method="pm_card_visa")
    receipt = buyer.get(page + "/return").get_data(as_text=True)
    assert "Thank you, your payment went through" in receipt and "for Pottery class" in receipt
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        assert (payment.document_type, payment.document_id) == (SOLD_ON_ITS_OWN, product_id)
        assert payment.amount == 90000 and payment.status is PaymentStatus.SUCCEEDED
    assert hooks_called == [("claim", product_id), ("paid", product_id), ("settled", product_id)]


def test_a_registered_documents_closed_page_has_its_own_words(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    register_document_type(SOLD_ON_ITS_OWN, load_product_sold_on_its_own)
    pottery_class(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_for_a_buyer(app)
    details = {"email": "ada@example.com", "name": "Ada"}
    assert post_form(buyer, page, page + "/details", details).status_code == 302
    with app.app_context():
        db.session.scalars(select(Product)).one().archived_at = utcnow()
        db.session.commit()
    for closed in (buyer.get(page), buyer.get(page + "/pay")):
        body = closed.get_data(as_text=True)
        assert closed.status_code == 200 and "<h1>Pottery class</h1>" in body
        assert "This product is no longer sold. Nothing was charged." in body
        assert 'data-testid="due-now"' not in body
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).one().payment_intent_id is None


def test_a_checkout_of_a_type_nobody_registered_is_not_found(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    pottery_class(client, app, stripe_sandbox)
    page = open_for_a_buyer(app, document_type="test_type_nobody_registered")
    assert app.test_client().get(page).status_code == 404
