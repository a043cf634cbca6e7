"""Later charges are a subscription's: a link or a cart with a recurring product (or one whose
first charge waits, beside something paid now) is paid with a reusable method saved for the
buyer's customer (``setup_future_usage=off_session``), and the subscription makes the later
charges. With nothing due now (a trial alone) the pay step saves the method with a SetupIntent."""

from __future__ import annotations

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.extensions import db
from app.storefront.models import Cart
from tests.integration.test_checkout import open_as_buyer, shop, the_link
from tests.integration.test_payments import connected
from tests.integration.test_storefront_cart import add, cart_page
from tests.integration.test_storefront_shop import open_shop
from tests.support.accounts import post_form
from tests.support.settings import add_payment_link, add_product
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

LINK_REFUSAL = "Nothing is charged now for this subscription"
EDITOR_WARNING = "Buyers cannot pay this link: nothing is charged at checkout"
CART_REFUSAL = "Nothing in your cart is charged now"


def intents_of(sandbox: StripeSandbox, account: SandboxAccount) -> list[str]:
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": sandbox.api_base}
    )
    return [intent.id for intent in merchant_stripe.v1.payment_intents.list().data]


def link_selling(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox, **product: str
) -> SandboxAccount:
    """A connected Swedish merchant whose only link sells one product of the library."""
    account, _merchant = connected(client, app, sandbox, "SE", "sek")
    assert add_product(client, "Tea club", "SEK", "300", **product).status_code == 302
    made = add_payment_link(client, "Tea club", product="1", description="", amount="")
    assert made.status_code == 302, made.get_data(as_text=True)
    return account


def intent_at_pay_step(app: Flask, sandbox: StripeSandbox, account: SandboxAccount,
                       buyer: FlaskClient) -> dict:  # fmt: skip
    """The buyer gives their details and opens the pay step: the intent as Stripe has it."""
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    assert buyer.get(page + "/pay").status_code == 200
    with app.app_context():
        intent_id = db.session.scalars(select(CheckoutSession)).one().payment_intent_id
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": sandbox.api_base}
    )
    return merchant_stripe.v1.payment_intents.retrieve(str(intent_id)).to_dict()


def test_a_link_with_a_recurring_product_saves_the_method_for_the_later_charges(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = link_selling(client, app, stripe_sandbox, interval="month")
    editor = client.get(f"/panel/links/{the_link(app).id}").get_data(as_text=True)
    assert EDITOR_WARNING not in editor
    buyer = app.test_client()
    intent = intent_at_pay_step(app, stripe_sandbox, account, buyer)
    assert intent["amount"] == 30000 and intent["setup_future_usage"] == "off_session"
    assert intent["customer"] and intent["payment_method_types"] == ["card"]
    assert "Later charges" in buyer.get(open_as_buyer(app, buyer)).get_data(as_text=True)


def test_a_link_with_only_a_14_day_trial_saves_the_method_without_a_payment(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = link_selling(client, app, stripe_sandbox, interval="month", trial_days="14")
    assert EDITOR_WARNING not in client.get(f"/panel/links/{the_link(app).id}").get_data(
        as_text=True
    )
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    assert LINK_REFUSAL not in buyer.get(page).get_data(as_text=True)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    step = buyer.get(page + "/pay")
    assert step.status_code == 200 and "Save your payment method" in step.get_data(as_text=True)
    assert intents_of(stripe_sandbox, account) == []  # no PaymentIntent: a SetupIntent
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert checkout.payment_intent_id is None and checkout.setup_intent_id.startswith("seti_")


def test_an_optional_recurring_line_may_be_added_and_paid(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    assert add_product(client, "Tea club", "SEK", "300", interval="month").status_code == 302
    editor = f"/panel/links/{the_link(app).id}"
    added = post_form(client, editor, editor + "/lines", {
        "currency": "SEK", "product": "1", "description": "", "amount": "",
        "quantity": "1", "min_quantity": "1", "max_quantity": "1", "optional": "y",
    })  # fmt: skip
    assert added.status_code == 302, added.get_data(as_text=True)
    assert EDITOR_WARNING not in client.get(editor).get_data(as_text=True)

    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    line = the_link(app).lines[-1].id
    post_form(buyer, page, f"{page}/items/{line}/add", {})
    assert LINK_REFUSAL not in buyer.get(page).get_data(as_text=True)
    intent = intent_at_pay_step(app, stripe_sandbox, account, buyer)
    assert intent["amount"] == 80000 and intent["setup_future_usage"] == "off_session"


def test_the_shop_sells_a_recurring_product(client: FlaskClient, app: Flask) -> None:
    open_shop(app)
    body = client.get("/s/acme/p/coffee-club").get_data(as_text=True)
    assert "every month" in body and "Add to cart" in body
    assert add(client, "coffee-club").status_code in (200, 302)
    with app.app_context():
        assert any(cart.lines for cart in db.session.scalars(select(Cart)))
    assert CART_REFUSAL not in cart_page(client)


def test_a_cart_with_a_product_made_recurring_may_still_check_out(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    add(client, "mug")
    add(client, "plate")
    plate = "/panel/products/3"  # the merchant makes Plate a monthly plan while it is in the cart
    edited = post_form(owner, plate, plate, {
        "name": "Plate", "interval": "month", "interval_count": "1", "tax_rate": "", "sku": "",
    })  # fmt: skip
    assert edited.status_code == 302, edited.get_data(as_text=True)
    body = cart_page(client)
    assert CART_REFUSAL not in body and 'data-testid="due-later"' in body
    assert 'id="go-to-checkout" class="button button-primary" disabled' not in body
