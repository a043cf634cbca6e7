"""Nothing charges a saved payment method after checkout yet, so nothing may promise it: a link
or a cart with a recurring product, or one whose first charge waits (trial days, a start date),
is refused with the reason, never sent to Stripe; the merchant is warned in the link editor, and
the shop shows such a product without "Add to cart"."""

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
from tests.integration.test_storefront_cart import CART, add, cart_page
from tests.integration.test_storefront_shop import open_shop
from tests.support.accounts import post_form
from tests.support.settings import add_payment_link, add_product
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

LINK_REFUSAL = (
    "An item here renews automatically or is charged later, which cannot be paid here yet"
)
EDITOR_WARNING = "Buyers cannot pay this link: a line renews automatically or charges later"
CART_REFUSAL = "An item in your cart renews automatically or is charged later"


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


def assert_buyer_cannot_pay(app: Flask, sandbox: StripeSandbox, account: SandboxAccount) -> None:
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    body = buyer.get(page).get_data(as_text=True)
    assert LINK_REFUSAL in body
    assert "Later charges" in body  # the summary still says what the item would cost
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    pay = buyer.get(page + "/pay")
    assert pay.status_code == 302 and pay.headers["Location"] == page  # no pay step
    shown = buyer.get(page).get_data(as_text=True)
    assert shown.count(LINK_REFUSAL) == 2  # the flash from the pay step, and the summary
    assert "could not reach the payment provider" not in shown
    assert intents_of(sandbox, account) == []  # nothing was asked of Stripe
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).one().payment_intent_id is None


def test_a_link_with_a_recurring_product_cannot_be_paid_and_the_editor_says_why(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = link_selling(client, app, stripe_sandbox, interval="month")
    editor = client.get(f"/panel/links/{the_link(app).id}").get_data(as_text=True)
    assert EDITOR_WARNING in editor
    assert_buyer_cannot_pay(app, stripe_sandbox, account)


def test_a_link_with_a_14_day_trial_cannot_be_paid_and_the_buyer_is_told_why(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = link_selling(client, app, stripe_sandbox, interval="month", trial_days="14")
    assert EDITOR_WARNING in client.get(f"/panel/links/{the_link(app).id}").get_data(as_text=True)
    assert_buyer_cannot_pay(app, stripe_sandbox, account)
    swedish = app.test_client()
    swedish.set_cookie("kassa_locale", "sv")
    page = open_as_buyer(app, swedish)
    assert "vilket inte kan betalas här ännu" in swedish.get(page).get_data(as_text=True)


def test_an_optional_recurring_line_is_warned_of_and_refused_once_added(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    assert add_product(client, "Tea club", "SEK", "300", interval="month").status_code == 302
    editor = f"/panel/links/{the_link(app).id}"
    assert EDITOR_WARNING not in client.get(editor).get_data(as_text=True)
    added = post_form(client, editor, editor + "/lines", {
        "currency": "SEK", "product": "1", "description": "", "amount": "",
        "quantity": "1", "min_quantity": "1", "max_quantity": "1", "optional": "y",
    })  # fmt: skip
    assert added.status_code == 302, added.get_data(as_text=True)
    assert EDITOR_WARNING in client.get(editor).get_data(as_text=True)

    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    assert LINK_REFUSAL not in buyer.get(page).get_data(as_text=True)  # the one-hour line: fine
    line = the_link(app).lines[-1].id
    post_form(buyer, page, f"{page}/items/{line}/add", {})
    assert LINK_REFUSAL in buyer.get(page).get_data(as_text=True)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    assert buyer.get(page + "/pay").headers["Location"] == page
    assert intents_of(stripe_sandbox, account) == []


def test_the_shop_shows_a_recurring_product_but_does_not_sell_it(
    client: FlaskClient, app: Flask
) -> None:
    open_shop(app)
    body = client.get("/s/acme/p/coffee-club").get_data(as_text=True)
    assert "every month" in body
    assert 'data-testid="not-sold-online"' in body and "cannot be bought online" in body
    assert "Add to cart" not in body
    refused = add(client, "coffee-club")
    assert refused.status_code == 422
    assert "cannot be bought online" in refused.get_data(as_text=True)
    with app.app_context():
        assert all(not cart.lines for cart in db.session.scalars(select(Cart)))
    assert "Add to cart" in client.get("/s/acme/p/mug").get_data(as_text=True)


def test_a_cart_with_a_product_made_recurring_refuses_checkout_with_the_reason(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    add(client, "mug")
    add(client, "plate")
    assert CART_REFUSAL not in cart_page(client)
    plate = "/panel/products/3"  # the merchant makes Plate a monthly plan while it is in the cart
    edited = post_form(owner, plate, plate, {
        "name": "Plate", "interval": "month", "interval_count": "1", "tax_rate": "", "sku": "",
    })  # fmt: skip
    assert edited.status_code == 302, edited.get_data(as_text=True)
    body = cart_page(client)
    assert CART_REFUSAL in body and 'data-testid="due-later"' in body
    assert 'id="go-to-checkout" class="button button-primary" disabled' in body
    refused = post_form(client, CART, f"{CART}/checkout", {})
    assert refused.status_code == 422 and CART_REFUSAL in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).all() == []
    post_form(client, CART, f"{CART}/remove", {"line": "2"})
    assert CART_REFUSAL not in cart_page(client)
