"""The shop's cart: kept by a token in the buyer's signed session, changed by HTMX or plain
posts, priced by core/pricing (discounts, taxes, due now and later, the minimum charge), and
clear about products that are no longer sold."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from app.catalog.models import Product
from app.extensions import db
from app.storefront.models import Cart, CartLine
from tests.integration.test_storefront_shop import add_price, open_shop
from tests.support.accounts import post_form
from tests.support.settings import (
    add_currency,
    add_discount,
    add_product,
    add_tax_rate,
    list_in_shop,
)

HTMX = {"HX-Request": "true"}
CART = "/s/acme/cart"


def add(buyer: FlaskClient, product: str, quantity: str = "1", **kwargs: object):  # type: ignore[no-untyped-def]
    return post_form(buyer, "/s/acme", f"/s/acme/p/{product}/add", {"quantity": quantity}, **kwargs)


def due_now(body: str) -> str:
    match = re.search(r'data-testid="due-now">([^<]+)<', body)
    assert match, "no total"
    return match.group(1)


def cart_page(buyer: FlaskClient) -> str:
    return buyer.get(CART).get_data(as_text=True)


def change(buyer: FlaskClient, action: str, data: dict[str, str], **kwargs: object):  # type: ignore[no-untyped-def]
    return post_form(buyer, CART, f"{CART}/{action}", data, **kwargs)


def test_browsing_makes_no_cart_and_adding_makes_one_that_survives_reloads(
    client: FlaskClient, app: Flask
) -> None:
    open_shop(app)
    client.get("/s/acme")
    client.get("/s/acme/p/mug")
    with app.app_context():
        assert db.session.scalars(select(Cart)).all() == []
    response = add(client, "mug", "2")
    assert response.status_code == 302 and response.headers["Location"] == CART
    assert "kassa_session" in response.headers["Set-Cookie"]
    body = cart_page(client)
    assert "Mug is in your cart." in body
    assert due_now(body) == "SEK258.00" and "(2 items)" in body
    assert due_now(cart_page(client)) == "SEK258.00"  # a reload shows the same cart
    add(client, "mug", "1")  # the same product again: one line, more of it
    assert due_now(cart_page(client)) == "SEK387.00"
    with app.app_context():
        cart = db.session.scalars(select(Cart)).one()
        assert len(cart.token_digest) == 64 and [line.quantity for line in cart.lines] == [3]
    stranger = app.test_client()
    assert "Your cart is empty." in cart_page(stranger)  # carts are per buyer


def test_htmx_add_answers_with_the_cart_link_and_a_message(client: FlaskClient, app: Flask) -> None:
    open_shop(app)
    response = add(client, "plate", "2", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'id="cart-link"' in body and "(2 items)" in body
    assert 'hx-swap-oob="true"' in body and "Plate is in your cart." in body


def test_quantities_change_and_lines_go_with_or_without_htmx(
    client: FlaskClient, app: Flask
) -> None:
    open_shop(app)
    add(client, "mug")
    add(client, "plate")
    assert due_now(cart_page(client)) == "SEK329.00"
    plain = change(client, "quantity", {"line": "1", "quantity": "3"})
    assert plain.status_code == 302 and plain.headers["Location"] == CART
    assert due_now(cart_page(client)) == "SEK587.00"
    partial = change(client, "quantity", {"line": "2", "quantity": "2"}, headers=HTMX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body and 'id="cart"' in body
    assert due_now(body) == "SEK787.00" and "(5 items)" in body  # the header link follows
    refused = change(client, "quantity", {"line": "2", "quantity": "0"}, headers=HTMX)
    assert refused.status_code == 422
    refused_body = refused.get_data(as_text=True)
    assert "Enter a whole number from 1 to 999." in refused_body
    assert 'value="0"' in refused_body and due_now(refused_body) == "SEK787.00"
    removed = change(client, "remove", {"line": "1"})
    assert removed.status_code == 302
    body = cart_page(client)
    assert "Mug was removed from your cart." in body and due_now(body) == "SEK400.00"
    change(client, "remove", {"line": "2"})
    assert "Your cart is empty." in cart_page(client)


def test_a_buyer_cannot_touch_another_buyers_lines(client: FlaskClient, app: Flask) -> None:
    open_shop(app)
    other = app.test_client()
    add(other, "mug")
    add(client, "plate")
    refused = change(client, "quantity", {"line": "1", "quantity": "5"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(CartLine, 1).quantity == 1


def test_a_discount_code_is_checked_and_lowers_the_total(client: FlaskClient, app: Flask) -> None:
    owner = open_shop(app)
    add_discount(owner, "SPRING25")  # 25 %
    add_discount(owner, "TENEUROS", percent="", currency="EUR", amount="10")  # not in SEK
    add(client, "plate", "2")
    wrong = change(client, "discount", {"code": "NOPE"}, headers=HTMX)
    assert wrong.status_code == 422
    assert "This code does not work here." in wrong.get_data(as_text=True)
    other_currency = change(client, "discount", {"code": "teneuros"})
    assert "This code does not work here." in other_currency.get_data(as_text=True)
    applied = change(client, "discount", {"code": "spring25"}, headers=HTMX).get_data(as_text=True)
    assert "Discount (SPRING25)" in applied and "\u2212SEK100.00" in applied
    assert due_now(applied) == "SEK300.00"
    assert 'value="SPRING25"' in cart_page(client)
    change(client, "discount", {"code": ""})  # an empty code takes it off
    assert due_now(cart_page(client)) == "SEK400.00"


def test_a_code_that_stops_working_is_dropped_with_a_note(client: FlaskClient, app: Flask) -> None:
    owner = open_shop(app)
    add_discount(owner, "ONCE", max_redemptions="1")
    add(client, "plate")
    change(client, "discount", {"code": "ONCE"})
    assert due_now(cart_page(client)) == "SEK150.00"
    from app.settings.models import Discount

    with app.app_context():
        db.session.scalars(select(Discount)).one().redemption_count = 1
        db.session.commit()
    body = cart_page(client)
    assert due_now(body) == "SEK200.00" and "no longer works here" in body


def edit_product(owner: FlaskClient, product_id: int, name: str, **fields: str) -> None:
    """The merchant changes a product's schedule (or tax rate) while buyers have it in carts."""
    page = f"/panel/products/{product_id}"
    details = {"name": name, "interval": "", "interval_count": "1", "tax_rate": "", "sku": ""}
    response = post_form(owner, page, page, {**details, **fields})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_taxes_and_later_charges_of_products_made_recurring_in_a_cart(
    client: FlaskClient, app: Flask
) -> None:
    # A product can become recurring while it is in a cart: the cart prices the later charges
    # it promises (a subscription makes them) and may still be checked out.
    owner = open_shop(app)
    add_tax_rate(owner, "Moms", "25")
    add_product(owner, "Tea club", "SEK", "300", tax_rate="1")
    list_in_shop(owner, 5)
    edit_product(owner, 2, "Coffee club")  # sold once, for now
    add(client, "coffee-club", "2")
    add(client, "tea-club")
    edit_product(owner, 2, "Coffee club", interval="month")
    edit_product(owner, 5, "Tea club", interval="month", trial_days="14", tax_rate="1")
    body = cart_page(client)
    assert due_now(body) == "SEK198.00"  # the tea club's first charge waits for its trial
    later = re.search(r'data-testid="due-later">(.*?)</ul>', body, re.S)
    assert later
    items = [" ".join(item.split()) for item in re.findall(r"<li>(.*?)</li>", later.group(1), re.S)]
    assert items[0].startswith("Coffee club: SEK198.00 every month from ")
    assert items[1].startswith("Tea club: SEK375.00 every month from ")  # 300 + 25 % tax
    assert "Nothing in your cart is charged now" not in body
    assert 'id="go-to-checkout" class="button button-primary" disabled' not in body


def test_the_minimum_charge_is_refused_with_a_reason_and_a_trial_alone_may_check_out(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    add_product(owner, "Sticker", "SEK", "2")
    add_product(owner, "Trial box", "SEK", "100", interval="month", trial_days="7")
    list_in_shop(owner, 5)
    list_in_shop(owner, 6)
    add(client, "sticker")
    body = cart_page(client)
    assert "below the smallest payment we can take" in body
    change(client, "quantity", {"line": "1", "quantity": "2"})
    assert "below the smallest payment" not in cart_page(client)  # SEK 4 is enough
    buyer = app.test_client()
    add(buyer, "trial-box")  # nothing due now, everything later: a subscription's trial
    trial = cart_page(buyer)
    assert "Nothing in your cart is charged now" not in trial
    assert 'id="go-to-checkout" class="button button-primary" disabled' not in trial


def test_products_no_longer_sold_leave_the_totals_with_a_clear_message(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    edit_product(owner, 2, "Coffee club")  # sold once: the shop sells nothing recurring
    add(client, "mug")
    add(client, "plate")
    add(client, "coffee-club")
    assert due_now(cart_page(client)) == "SEK428.00"
    products = "/panel/settings/storefront/products"
    post_form(owner, products, f"{products}/1/remove", {})  # Mug unlisted
    post_form(owner, "/panel/products/", "/panel/products/3/archive", {})  # Plate archived
    body = cart_page(client)
    unavailable = re.search(r'data-testid="unavailable">(.*?)</div>', body, re.S)
    assert unavailable and "no longer sold" in unavailable.group(1)
    assert "Mug" in unavailable.group(1) and "Plate" in unavailable.group(1)
    assert due_now(body) == "SEK99.00"
    with app.app_context():  # the merchant deletes Coffee club outright
        db.session.execute(delete(Product).where(Product.name == "Coffee club"))
        db.session.commit()
    body = cart_page(client)
    assert "Coffee club" in re.search(r'data-testid="unavailable">(.*?)</div>', body, re.S).group(1)  # type: ignore[union-attr]
    assert 'data-testid="due-now"' not in body  # nothing left to price
    assert add(client, "mug").status_code == 404  # an old product page cannot add it back
    change(client, "remove", {"line": "1"})
    body = cart_page(client)
    assert "Mug was removed from your cart." in body
    assert "Mug" not in re.search(r'data-testid="unavailable">(.*?)</div>', body, re.S).group(1)  # type: ignore[union-attr]
    relisted = list_in_shop(owner, 1)
    assert relisted.status_code == 302
    add(client, "mug")
    assert due_now(cart_page(client)) == "SEK129.00"


def test_the_cart_follows_the_buyers_currency(client: FlaskClient, app: Flask) -> None:
    owner = open_shop(app)
    add_currency(owner, "EUR")
    for product_id, amount in ((1, "12"), (2, "9"), (3, "19")):
        add_price(owner, product_id, "EUR", amount)
    from tests.support.settings import save_storefront

    save_storefront(owner, currency_switch="y")
    add(client, "mug", "2")
    assert due_now(cart_page(client)) == "SEK258.00"
    post_form(client, "/s/acme", "/s/acme/currency", {"currency": "EUR", "next": CART})
    assert due_now(cart_page(client)) == "€24.00"
    with app.app_context():
        assert db.session.scalars(select(Cart.currency)).one() == "EUR"
