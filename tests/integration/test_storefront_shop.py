"""The public shop: only listed products, in order, by category, in the buyer's currency and
language; indexable pages (title, description, Open Graph, JSON-LD); closed shops; tenants."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.support.accounts import post_form, sign_up
from tests.support.settings import (
    add_currency,
    add_product,
    add_shop_category,
    list_in_shop,
    save_storefront,
)


@dataclass
class Owner:
    client: FlaskClient


def add_price(owner: FlaskClient, product_id: int, currency: str, amount: str) -> None:
    page = f"/panel/products/{product_id}"
    response = post_form(owner, page, f"{page}/prices", {"currency": currency, "amount": amount})
    assert response.status_code == 302, response.get_data(as_text=True)


def open_shop(app: Flask, email: str = "owner@example.com", slug: str = "acme") -> FlaskClient:
    """A Swedish merchant's open shop listing Mug (129 SEK), Coffee club (99 SEK a month) and
    Plate (200 SEK), in that order; a fourth product, Secret, is not listed."""
    owner = app.test_client()
    sign_up(owner, email=email, business_name="Acme AB")
    add_product(owner, "Mug", "SEK", "129", description="A blue mug.\nHolds 30 cl.")
    add_product(owner, "Coffee club", "SEK", "99", interval="month")
    add_product(owner, "Plate", "SEK", "200")
    add_product(owner, "Secret", "SEK", "1")
    for product_id in (1, 2, 3):
        list_in_shop(owner, product_id)
    assert save_storefront(owner, slug=slug).status_code == 302
    return owner


def names_on(body: str) -> list[str]:
    return re.findall(r'<span class="product-name">([^<]+)</span>', body)


def test_a_closed_shop_is_a_404_to_buyers_and_a_preview_to_its_staff(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    save_storefront(owner, enabled="")
    assert client.get("/s/acme").status_code == 404
    assert client.get("/s/acme/p/mug").status_code == 404
    assert client.get("/s/no-such-shop").status_code == 404
    preview = owner.get("/s/acme").get_data(as_text=True)
    assert (
        "Preview: your shop is closed" in preview and 'name="robots" content="noindex"' in preview
    )
    assert names_on(preview) == ["Mug", "Coffee club", "Plate"]


def test_only_listed_products_on_sale_are_shown_in_the_shops_order(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    body = client.get("/s/acme").get_data(as_text=True)
    assert names_on(body) == ["Mug", "Coffee club", "Plate"]
    assert "Secret" not in body
    assert "SEK129.00" in body and 'SEK99.00 <span class="muted">every month</span>' in body
    products = "/panel/settings/storefront/products"
    post_form(owner, products, f"{products}/3/up", {})
    assert names_on(client.get("/s/acme").get_data(as_text=True)) == ["Mug", "Plate", "Coffee club"]
    post_form(owner, "/panel/products/", "/panel/products/1/archive", {})
    post_form(owner, products, f"{products}/2/remove", {})
    assert names_on(client.get("/s/acme").get_data(as_text=True)) == ["Plate"]
    assert client.get("/s/acme/p/mug").status_code == 404  # archived
    assert client.get("/s/acme/p/coffee-club").status_code == 404  # unlisted
    assert client.get("/s/acme/p/secret").status_code == 404  # never listed


def test_categories_filter_the_grid(client: FlaskClient, app: Flask) -> None:
    owner = open_shop(app)
    add_shop_category(owner, "Tableware", "Porslin")
    add_shop_category(owner, "Subscriptions", "Prenumerationer")
    add_shop_category(owner, "Empty", "Tom")
    products = "/panel/settings/storefront/products"
    for listing, category in ((1, "1"), (3, "1"), (2, "2")):
        post_form(owner, products, f"{products}/{listing}/category",
                  {f"listing-{listing}-category": category})  # fmt: skip
    home = client.get("/s/acme").get_data(as_text=True)
    assert "Tableware" in home and "Subscriptions" in home
    assert "Empty" not in home  # a category with nothing on sale is not offered
    assert 'aria-current="page">All products' in home
    tableware = client.get("/s/acme?category=1").get_data(as_text=True)
    assert names_on(tableware) == ["Mug", "Plate"]
    assert 'aria-current="page">Tableware' in tableware
    assert names_on(client.get("/s/acme?category=2").get_data(as_text=True)) == ["Coffee club"]
    swedish = client.get("/s/acme?category=2", headers={"Accept-Language": "sv"})
    assert "Prenumerationer" in swedish.get_data(as_text=True)
    assert names_on(client.get("/s/acme?category=99").get_data(as_text=True)) == [
        "Mug", "Coffee club", "Plate",
    ]  # fmt: skip


def test_prices_follow_the_buyers_language(client: FlaskClient, app: Flask) -> None:
    open_shop(app)
    swedish = client.get("/s/acme", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "129,00\xa0kr" in swedish and "varje månad" in swedish
    assert '<html lang="sv">' in swedish and "Acmes butik" in swedish


def test_the_currency_switcher_offers_only_currencies_every_product_has(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    add_currency(owner, "EUR")
    add_currency(owner, "USD")
    for product_id, amount in ((1, "12"), (2, "9"), (3, "19")):
        add_price(owner, product_id, "EUR", amount)
    add_price(owner, 1, "USD", "13")  # USD is not on every product
    assert 'id="currency-select"' not in client.get("/s/acme").get_data(as_text=True)  # off
    save_storefront(owner, currency_switch="y")
    home = client.get("/s/acme").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="([A-Z]{3})"', home)
    assert options == ["SEK", "EUR"]
    refused = post_form(client, "/s/acme", "/s/acme/currency", {"currency": "USD"},
                        follow_redirects=True)  # fmt: skip
    assert "Choose one of the currencies offered." in refused.get_data(as_text=True)
    choice = {"currency": "EUR", "next": "/s/acme/p/mug"}
    chosen = post_form(client, "/s/acme", "/s/acme/currency", choice)
    assert chosen.headers["Location"] == "/s/acme/p/mug"
    page = client.get("/s/acme/p/mug").get_data(as_text=True)
    assert "€12.00" in page and '"priceCurrency": "EUR"' in page
    assert "SEK129.00" in app.test_client().get("/s/acme").get_data(as_text=True)  # others: SEK


def test_product_pages_are_indexable(client: FlaskClient, app: Flask) -> None:
    owner = open_shop(app)
    add_product(owner, 'Tom & Jerry\'s "big" mug', "SEK", "150", sku="TJ-1")
    list_in_shop(owner, 5)
    body = client.get("/s/acme/p/tom-jerry-s-big-mug").get_data(as_text=True)
    assert "<title>Tom &amp; Jerry&#39;s &#34;big&#34; mug · Acme shop</title>" in body
    assert '<meta name="description" content="Acme shop">' in body
    assert '<meta property="og:type" content="product">' in body
    assert '<link rel="canonical" href="http://localhost/s/acme/p/tom-jerry-s-big-mug">' in body
    match = re.search(
        r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', body, re.S
    )
    assert match, "no JSON-LD"
    assert "&" not in match.group(1) and "'" not in match.group(1)  # escaped for <script>
    data = json.loads(match.group(1))
    assert data == {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": 'Tom & Jerry\'s "big" mug',
        "sku": "TJ-1",
        "offers": {
            "@type": "Offer",
            "price": "150.00",
            "priceCurrency": "SEK",
            "availability": "https://schema.org/InStock",
            "url": "http://localhost/s/acme/p/tom-jerry-s-big-mug",
        },
    }
    mug = client.get("/s/acme/p/mug").get_data(as_text=True)
    assert '<meta name="description" content="A blue mug.\nHolds 30 cl.">' in mug
    assert 'class="product-description">A blue mug.\nHolds 30 cl.</div>' in mug
    home = client.get("/s/acme").get_data(as_text=True)
    assert "<title>Acme shop</title>" in home
    assert '<meta property="og:title" content="Acme shop">' in home
    assert '<meta name="description" content="Mugs and coffee.">' in home


def test_recurring_terms_and_delayed_first_charges_are_shown(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    add_product(owner, "Tea club", "SEK", "300", interval="quarter", interval_count="2",
                trial_days="14")  # fmt: skip
    list_in_shop(owner, 5)
    body = client.get("/s/acme/p/tea-club").get_data(as_text=True)
    assert "SEK300.00</strong> every 2 quarters" in body
    assert "The first charge is 14 days after checkout." in body


def test_images_have_their_size_and_load_lazily_in_the_grid(
    client: FlaskClient, app: Flask
) -> None:
    owner = open_shop(app)
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "#ccc").save(buffer, "PNG")
    response = post_form(
        owner, "/panel/products/1", "/panel/products/1",
        {"name": "Mug", "description": "", "sku": "", "interval": "", "interval_count": "1",
         "first_charge_on": "", "trial_days": "", "tax_rate": "",
         "image": (io.BytesIO(buffer.getvalue()), "mug.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    home = client.get("/s/acme").get_data(as_text=True)
    assert re.search(r'<img src="/media/[0-9a-f]{32}\.png" width="320" height="240" alt="" '
                     r'loading="lazy" decoding="async">', home)  # fmt: skip
    page = client.get("/s/acme/p/mug").get_data(as_text=True)
    assert re.search(r'width="320" height="240" alt="Mug">', page)
    og_image = r'<meta property="og:image" content="http://localhost/media/[0-9a-f]{32}\.png">'
    assert re.search(og_image, page)


def test_one_merchants_shop_never_shows_anothers_products(client: FlaskClient, app: Flask) -> None:
    open_shop(app, email="a@example.com", slug="shop-a")
    other = app.test_client()
    sign_up(other, email="b@example.com", business_name="B AB")
    add_product(other, "Kettle", "SEK", "500")
    list_in_shop(other, 5)
    assert list_in_shop(other, 1).status_code == 422  # A's product cannot be listed by B
    save_storefront(other, slug="shop-b", title_en="B shop")
    assert names_on(client.get("/s/shop-b").get_data(as_text=True)) == ["Kettle"]
    shop_a = client.get("/s/shop-a").get_data(as_text=True)
    assert names_on(shop_a) == ["Mug", "Coffee club", "Plate"]
    assert client.get("/s/shop-b/p/mug").status_code == 404
    added = post_form(client, "/s/shop-b", "/s/shop-b/p/mug/add", {"quantity": "1"})
    assert added.status_code == 404
