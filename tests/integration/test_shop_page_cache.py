"""The shop's page cache: a first-time visitor's page is rendered once and then served for one
query, each visitor still getting their own CSP nonce and CSRF token; whatever the merchant
changes shows on the next view; nothing one buyer sees (their cart, their messages, a preview)
reaches another."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.catalog.models import Price, Product
from app.extensions import db
from app.merchants.models import Merchant
from app.storefront.models import Cart
from app.web.page_cache import CachedPage, PageCache
from tests.conftest import csrf_token_from
from tests.integration.test_storefront_shop import names_on, open_shop
from tests.support.accounts import post_form
from tests.support.queries import counted_queries
from tests.support.settings import add_shop_category, save_storefront


def nonce_of(response: TestResponse) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match
    return match.group(1)


def visit(app: Flask, path: str, **headers: str) -> TestResponse:
    """A first-time visitor: a browser with no cookies."""
    return app.test_client().get(path, headers=headers)


def test_a_repeat_first_visit_costs_one_query_and_carries_its_own_nonce_and_token(
    app: Flask,
) -> None:
    open_shop(app)
    first = visit(app, "/s/acme")
    with counted_queries(app) as statements:
        second = visit(app, "/s/acme")
    assert len(statements) == 1
    first_body, second_body = first.get_data(as_text=True), second.get_data(as_text=True)
    assert names_on(second_body) == ["Mug", "Coffee club", "Plate"]
    first_nonce, second_nonce = nonce_of(first), nonce_of(second)
    assert first_nonce != second_nonce
    assert f'nonce="{second_nonce}"' in second_body and first_nonce not in second_body
    first_token, second_token = csrf_token_from(first_body), csrf_token_from(second_body)
    assert first_token != second_token and first_token not in second_body
    unmarked = second_body.replace(second_nonce, first_nonce).replace(second_token, first_token)
    assert unmarked == first_body


def test_a_visitor_served_from_the_cache_can_add_to_cart(app: Flask) -> None:
    open_shop(app)
    visit(app, "/s/acme/p/mug")
    buyer = app.test_client()
    page = buyer.get("/s/acme/p/mug").get_data(as_text=True)
    response = buyer.post(
        "/s/acme/p/mug/add", data={"csrf_token": csrf_token_from(page), "quantity": "2"}
    )
    assert response.status_code == 302
    cart = buyer.get("/s/acme").get_data(as_text=True)
    assert "(2 items)" in cart and "Mug is in your cart." in cart


def test_a_buyers_cart_and_messages_are_never_shown_to_another(app: Flask) -> None:
    open_shop(app)
    buyer = app.test_client()
    post_form(buyer, "/s/acme/p/mug", "/s/acme/p/mug/add", {"quantity": "1"})
    assert "Mug is in your cart." in buyer.get("/s/acme").get_data(as_text=True)
    for _ in range(2):
        other = visit(app, "/s/acme").get_data(as_text=True)
        assert "(0 items)" in other and "in your cart" not in other
    assert "(1 item)" in buyer.get("/s/acme").get_data(as_text=True)
    assert "(1 item)" in buyer.get("/s/acme/p/plate").get_data(as_text=True)


def test_a_closed_shops_preview_is_never_served_to_buyers(app: Flask) -> None:
    owner = open_shop(app)
    visit(app, "/s/acme")
    save_storefront(owner, enabled="")
    assert "Preview: your shop is closed" in owner.get("/s/acme").get_data(as_text=True)
    assert visit(app, "/s/acme").status_code == 404
    save_storefront(owner)
    assert "Preview" not in visit(app, "/s/acme").get_data(as_text=True)


def test_each_language_and_query_gets_its_own_page(app: Flask) -> None:
    owner = open_shop(app)
    add_shop_category(owner, "Tableware", "Porslin")
    page = "/panel/settings/storefront/products"
    post_form(owner, page, f"{page}/1/category", {"listing-1-category": "1"})
    for _ in range(2):
        english = visit(app, "/s/acme").get_data(as_text=True)
        swedish = visit(app, "/s/acme", **{"Accept-Language": "sv"}).get_data(as_text=True)
        tableware = visit(app, "/s/acme?category=1").get_data(as_text=True)
        assert '<html lang="en">' in english and "Tableware" in english
        assert '<html lang="sv">' in swedish and "Porslin" in swedish
        assert names_on(tableware) == ["Mug"] and names_on(english) == [
            "Mug", "Coffee club", "Plate",
        ]  # fmt: skip
        assert 'name="next" value="/s/acme?category=1"' in tableware


def rename_mug(_app: Flask, owner: FlaskClient) -> None:
    post_form(
        owner, "/panel/products/1", "/panel/products/1",
        {"name": "Big mug", "description": "", "sku": "", "interval": "", "interval_count": "1",
         "first_charge_on": "", "trial_days": "", "tax_rate": ""},
    )  # fmt: skip


def reprice_mug(app: Flask, _owner: FlaskClient) -> None:
    """The panel replaces a price by adding and removing; any saved change to one counts."""
    with app.app_context():
        price = db.session.scalars(select(Price).where(Price.product_id == 1)).one()
        price.unit_amount = 14900
        db.session.commit()


def rebrand(_app: Flask, owner: FlaskClient) -> None:
    page = "/panel/settings/branding"
    token = csrf_token_from(owner.get(page).get_data(as_text=True))
    owner.post(
        page,
        data={"csrf_token": token, "display_name": "Acme Keramik", "accent_color": "#b91c1c"},
        content_type="multipart/form-data",
    )


def retitle(_app: Flask, owner: FlaskClient) -> None:
    save_storefront(owner, title_en="Acme pottery")


def move_plate_up(_app: Flask, owner: FlaskClient) -> None:
    page = "/panel/settings/storefront/products"
    post_form(owner, page, f"{page}/3/up", {})


def unlist_mug(_app: Flask, owner: FlaskClient) -> None:
    page = "/panel/settings/storefront/products"
    post_form(owner, page, f"{page}/1/remove", {})


def give_mug_an_image(_app: Flask, owner: FlaskClient) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "#ccc").save(buffer, "PNG")
    post_form(
        owner, "/panel/products/1", "/panel/products/1",
        {"name": "Mug", "description": "", "sku": "", "interval": "", "interval_count": "1",
         "first_charge_on": "", "trial_days": "", "tax_rate": "",
         "image": (io.BytesIO(buffer.getvalue()), "mug.png")},
        content_type="multipart/form-data",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "seen"),
    [
        (rename_mug, lambda home, product: "Big mug" in home and "Big mug" in product),
        (reprice_mug, lambda home, product: "SEK149.00" in home and "SEK149.00" in product),
        (rebrand, lambda home, product: "#b91c1c" in home and "Acme Keramik" in product),
        (retitle, lambda home, product: "Acme pottery" in home and "Acme pottery" in product),
        (move_plate_up, lambda home, _product: names_on(home) == ["Mug", "Plate", "Coffee club"]),
        (unlist_mug, lambda home, product: "Mug" not in names_on(home) and product == ""),
        (give_mug_an_image, lambda home, product: "/media/" in home and "/media/" in product),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_a_merchants_change_shows_on_the_next_view(
    app: Flask, change: Callable[[Flask, FlaskClient], None], seen: Callable[[str, str], bool]
) -> None:
    owner = open_shop(app)

    def pages() -> tuple[str, str]:
        home = visit(app, "/s/acme")
        product = visit(app, "/s/acme/p/mug")
        return home.get_data(as_text=True), (
            product.get_data(as_text=True) if product.status_code == 200 else ""
        )

    pages()
    cache = app.extensions["kassa_page_cache"]
    hits = cache.hits
    assert not seen(*pages())
    assert cache.hits == hits + 2  # both pages came from the cache
    change(app, owner)
    assert seen(*pages())


def public_version(app: Flask) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Merchant.public_version)))


def test_only_what_public_pages_show_renews_the_version(app: Flask) -> None:
    open_shop(app)
    version = public_version(app)
    buyer = app.test_client()
    post_form(buyer, "/s/acme/p/mug", "/s/acme/p/mug/add", {"quantity": "1"})
    post_form(buyer, "/s/acme/cart", "/s/acme/cart/checkout", {})
    with app.app_context():
        assert db.session.scalar(select(Cart.id)) is not None
    assert public_version(app) == version  # buyers' carts and checkouts leave the cache alone
    with app.app_context():
        product = db.session.scalars(select(Product)).first()
        assert product is not None
        product.description = "Now dishwasher safe."
        db.session.commit()
    assert public_version(app) != version


def test_the_cache_keeps_its_most_recently_used_pages() -> None:
    cache = PageCache(entries=2)
    for key in ("a", "b"):
        cache.put(key, CachedPage(key, "text/html"))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", CachedPage("c", "text/html"))
    assert cache.get("b") is None
    assert [cache.get(key) is not None for key in ("a", "c")] == [True, True]
    off = PageCache(entries=0)
    off.put("a", CachedPage("a", "text/html"))
    assert off.get("a") is None
