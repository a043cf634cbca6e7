"""A storefront cart checks out through the shared checkout: the hand-off, payment by card,
the cart emptied by the one recording path (the return page, or a webhook alone), products
unlisted or repriced between the cart and the pay step, and tenants kept apart."""

from __future__ import annotations

import re

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.extensions import db
from app.payments.models import Payment, PaymentStatus
from app.storefront.models import Cart
from tests.conftest import csrf_token_from
from tests.integration.test_payments import connected
from tests.support.accounts import post_form, sign_up
from tests.support.payments import merchant_id, wait_until
from tests.support.servers import LiveServer, browser_like_session
from tests.support.settings import add_discount, add_product, list_in_shop, save_storefront
from tests.support.storefront import open_shop as open_live_shop
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

CART = "/s/acme/cart"
TIMES = "\N{MULTIPLICATION SIGN}"
BUYER = {"email": "ada@example.com", "name": "Ada Buyer"}


def connected_shop(owner: FlaskClient, app: Flask, sandbox: StripeSandbox) -> SandboxAccount:
    """A Swedish merchant connected to the sandbox, with an open shop at /s/acme listing Mug
    (129 SEK) and Plate (200 SEK), and a 25 % code SPRING25."""
    account, _merchant = connected(owner, app, sandbox, "SE", "sek")
    add_product(owner, "Mug", "SEK", "129")
    add_product(owner, "Plate", "SEK", "200")
    for product_id in (1, 2):
        assert list_in_shop(owner, product_id).status_code == 302
    add_discount(owner, "SPRING25")
    assert save_storefront(owner).status_code == 302
    return account


def add(buyer: FlaskClient, product: str, quantity: str = "1") -> None:
    page = f"/s/acme/p/{product}"
    assert post_form(buyer, page, page + "/add", {"quantity": quantity}).status_code == 302


def go_to_checkout(buyer: FlaskClient) -> str:
    response = post_form(buyer, CART, CART + "/checkout", {})
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


def due_now(body: str) -> str:
    match = re.search(r'data-testid="due-now">([^<]+)<', body)
    assert match, body
    return match.group(1)


def cart_lines(app: Flask) -> int:
    with app.app_context():
        cart = db.session.scalars(select(Cart)).one()
        return len(cart.lines)


def the_checkout(app: Flask) -> CheckoutSession:
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        db.session.expunge(checkout)
        return checkout


def confirm_card(sandbox: StripeSandbox, account: SandboxAccount, intent_id: str) -> None:
    """The buyer's card, confirmed at "Stripe" as Stripe.js would."""
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": sandbox.api_base}
    )
    merchant_stripe.v1.payment_intents.confirm(
        intent_id,
        params={"payment_method": "pm_card_visa", "return_url": "https://shop.example/return"},
    )


def test_the_cart_hands_off_to_the_checkout_and_is_emptied_once_paid(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = connected_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    add(buyer, "mug", "2")
    add(buyer, "plate")
    post_form(buyer, CART, CART + "/discount", {"code": "spring25"})
    assert due_now(buyer.get(CART).get_data(as_text=True)) == "SEK343.50"
    page = go_to_checkout(buyer)
    assert re.fullmatch(r"/c/[A-Za-z0-9_-]{43,}", page)
    body = buyer.get(page).get_data(as_text=True)
    assert (
        "Order from Acme shop" in body and f"Mug {TIMES} 2" in body and f"Plate {TIMES} 1" in body
    )
    assert "Discount (SPRING25)" in body and due_now(body) == "SEK343.50"
    assert go_to_checkout(buyer) == page  # back to the cart and on again: the same checkout
    checkout = the_checkout(app)
    assert checkout.document_type == "cart"
    assert post_form(buyer, page, page + "/details", BUYER).status_code == 302
    assert buyer.get(page + "/pay").status_code == 200
    checkout = the_checkout(app)
    assert checkout.payment_intent_id
    confirm_card(stripe_sandbox, account, checkout.payment_intent_id)
    receipt = buyer.get(page + "/return").get_data(as_text=True)
    assert "Thank you, your payment went through" in receipt
    assert 'href="/s/acme"' in receipt and "Back to the shop" in receipt
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        cart = db.session.scalars(select(Cart)).one()
        assert (payment.document_type, payment.document_id) == ("cart", str(cart.id))
        assert payment.amount == 34350 and payment.status is PaymentStatus.SUCCEEDED
        assert cart.lines == [] and cart.discount_code == ""
    assert 'data-testid="empty-cart"' in buyer.get(CART).get_data(as_text=True)
    buyer.get(page + "/return")  # the return page again: recorded once, nothing changes
    with app.app_context():
        assert len(db.session.scalars(select(Payment)).all()) == 1


def test_an_empty_cart_cannot_check_out(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    response = post_form(buyer, CART, CART + "/checkout", {})
    assert response.status_code == 422
    assert "Your cart is empty." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).all() == []


def test_a_product_unlisted_before_the_pay_step_is_not_charged_and_the_buyer_is_told(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = connected_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    add(buyer, "mug")
    add(buyer, "plate")
    page = go_to_checkout(buyer)
    assert post_form(buyer, page, page + "/details", BUYER).status_code == 302
    products = "/panel/settings/storefront/products"
    post_form(client, products, f"{products}/1/remove", {})  # the merchant unlists Mug
    pay = buyer.get(page + "/pay").get_data(as_text=True)
    assert (
        "Mug is no longer sold, so it is not in your total and you will not be charged for it."
        in pay
    )
    assert due_now(pay) == "SEK200.00" and f"Mug {TIMES}" not in pay
    checkout = the_checkout(app)
    intent = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    ).v1.payment_intents.retrieve(checkout.payment_intent_id or "")
    assert intent.amount == 20000  # Plate only


def test_a_price_changed_since_the_checkout_opened_is_shown_with_the_new_amount(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    add(buyer, "plate")
    page = go_to_checkout(buyer)
    with app.app_context():
        from app.catalog.models import Price

        price = db.session.scalars(select(Price).where(Price.product_id == 2)).one()
        price.unit_amount = 25000
        db.session.commit()
    body = buyer.get(page).get_data(as_text=True)
    assert "The price of Plate changed from SEK200.00 to SEK250.00" in body
    assert due_now(body) == "SEK250.00"
    assert go_to_checkout(buyer) == page  # the buyer saw the cart again: nothing to say now
    assert "changed from" not in buyer.get(page).get_data(as_text=True)


def test_one_shops_cart_never_checks_out_in_another_shop(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected_shop(client, app, stripe_sandbox)
    other = app.test_client()
    sign_up(other, email="other@example.com", business_name="Other AB")
    add_product(other, "Lamp", "SEK", "900")
    list_in_shop(other, 3)
    save_storefront(other, slug="other-shop", title_en="Other shop")
    buyer = app.test_client()
    add(buyer, "mug")
    response = post_form(buyer, "/s/other-shop/cart", "/s/other-shop/cart/checkout", {})
    assert response.status_code == 422 and "Your cart is empty." in response.get_data(as_text=True)
    page = go_to_checkout(buyer)
    body = buyer.get(page).get_data(as_text=True)
    assert "Mug" in body and "Lamp" not in body and "Other shop" not in body
    assert other.get("/panel/payments").status_code == 200
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert checkout.merchant_id == merchant_id(app)


def test_a_cart_paid_with_only_the_webhook_is_emptied(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox
) -> None:
    """The buyer never comes back to the return page: the delivered webhook records the payment
    and empties the cart."""
    account = stripe_sandbox.create_account("SE", "sek")
    open_live_shop(live_server.url, "webhook-shop@example.com", "hook-shop", account=account)
    buyer = browser_like_session()
    base = f"{live_server.url}/s/hook-shop"
    product = buyer.get(f"{base}/p/mug", timeout=10).text
    buyer.post(f"{base}/p/mug/add", data={"csrf_token": csrf_token_from(product), "quantity": "2"},
               timeout=10)  # fmt: skip
    cart = buyer.get(f"{base}/cart", timeout=10)
    checkout = buyer.post(f"{base}/cart/checkout", data={"csrf_token": csrf_token_from(cart.text)},
                          timeout=10)  # fmt: skip
    assert "/c/" in checkout.url, checkout.text
    details = {"csrf_token": csrf_token_from(checkout.text), **BUYER}
    pay = buyer.post(checkout.url + "/details", data=details, timeout=30)
    intent_id = re.search(r'data-client-secret="(pi_[A-Za-z0-9]+)_secret', pay.text)
    assert intent_id, pay.text
    confirm_card(stripe_sandbox, account, intent_id.group(1))
    wait_until(lambda: cart_lines(app) == 0 or None, what="the cart emptied")
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        assert payment.document_type == "cart" and payment.status is PaymentStatus.SUCCEEDED
    assert 'data-testid="empty-cart"' in buyer.get(f"{base}/cart", timeout=10).text

    # The same buyer shops again: a new checkout for the new cart, never the paid one's receipt.
    product = buyer.get(f"{base}/p/mug", timeout=10).text
    buyer.post(f"{base}/p/mug/add", data={"csrf_token": csrf_token_from(product), "quantity": "1"},
               timeout=10)  # fmt: skip
    cart = buyer.get(f"{base}/cart", timeout=10)
    again = buyer.post(f"{base}/cart/checkout", data={"csrf_token": csrf_token_from(cart.text)},
                       timeout=10)  # fmt: skip
    assert "/c/" in again.url and again.url != checkout.url
    assert "Thank you" not in again.text and due_now(again.text) == "SEK129.00"
    with app.app_context():
        statuses = db.session.scalars(select(CheckoutSession.status).order_by(CheckoutSession.id))
        assert list(statuses) == ["paid", "open"]
