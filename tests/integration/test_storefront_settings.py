"""Settings → Storefront: the shop's address, texts and banners, its products and their order,
categories, currencies, methods, and the link and QR code to share."""

from __future__ import annotations

import io
import os
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.storefront.models import Storefront, StorefrontCategory, StorefrontProduct
from tests.support.accounts import post_form, sign_up
from tests.support.settings import (
    STOREFRONT,
    add_product,
    add_shop_category,
    list_in_shop,
    save_storefront,
)

HTMX = {"HX-Request": "true"}


def png(width: int = 40, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#3b4cca").save(buffer, "PNG")
    return buffer.getvalue()


def storefront_row(app: Flask) -> Storefront:
    with app.app_context():
        row = db.session.scalars(select(Storefront)).one()
        db.session.expunge(row)
        return row


def field_error(body: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', body)
    assert match, f"no error for {field}"
    return match.group(1)


def test_a_new_storefront_is_closed_at_an_address_from_the_business_name(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client, business_name="Café Åkesson AB")
    page = client.get(STOREFRONT).get_data(as_text=True)
    assert "http://localhost/s/cafe-akesson-ab" in page
    assert "Closed: only you can see it" in page
    row = storefront_row(app)
    assert row.slug == "cafe-akesson-ab" and not row.enabled
    assert "Storefront" in client.get("/panel/settings/").get_data(as_text=True)


def test_the_qr_code_downloads_as_svg_and_png(client: FlaskClient) -> None:
    sign_up(client)
    svg = client.get(f"{STOREFRONT}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and "attachment" in svg.headers["Content-Disposition"]
    image = client.get(f"{STOREFRONT}/qr.png")
    assert image.mimetype == "image/png"
    with Image.open(io.BytesIO(image.data)) as decoded:
        assert decoded.width == decoded.height >= 21 * 10  # a QR code is at least 21 modules


def test_settings_are_saved_and_shown(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    response = save_storefront(client, slug="Acme-Shop", currency_switch="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    row = storefront_row(app)
    assert row.slug == "acme-shop"  # typed in capitals, stored lower-case
    assert row.enabled and row.currency_switch
    assert row.titles == {"en": "Acme shop", "sv": "Acmes butik"}
    assert row.payment_methods is None  # nothing ticked: as in the checkout settings
    page = client.get(STOREFRONT).get_data(as_text=True)
    assert 'value="Acme shop"' in page and "Muggar och kaffe." in page


def test_each_field_refuses_bad_input_with_its_own_message(client: FlaskClient) -> None:
    sign_up(client)
    for slug, message in (
        ("ab", "Use 3 to 40 lower-case letters"),
        ("-acme", "Use 3 to 40 lower-case letters"),
        ("acme shop", "Use 3 to 40 lower-case letters"),
        ("åke", "Use 3 to 40 lower-case letters"),
        ("x" * 41, "Use at most 40 characters."),
    ):
        body = save_storefront(client, slug=slug).get_data(as_text=True)
        assert message in field_error(body, "slug"), slug
    response = save_storefront(client, title_en="", title_sv="")
    assert response.status_code == 422
    assert "at least one language" in field_error(response.get_data(as_text=True), "title_en")
    response = save_storefront(client, intro_sv="x" * 2001)
    assert "2000" in field_error(response.get_data(as_text=True), "intro_sv")
    response = save_storefront(client, payment_methods="sepa_debit")  # not accepted here
    assert "Choose one of the options." in field_error(
        response.get_data(as_text=True), "payment_methods"
    )


def test_the_address_is_unique_across_merchants(client: FlaskClient, app: Flask) -> None:
    sign_up(client, email="a@example.com")
    assert save_storefront(client, slug="acme").status_code == 302
    other = app.test_client()
    sign_up(other, email="b@example.com", business_name="Other AB")
    response = save_storefront(other, slug="acme")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert field_error(body, "slug") == "This address is taken. Choose another."
    assert 'value="acme"' in body  # what was typed stays
    assert save_storefront(client, slug="acme").status_code == 302  # its own address is fine


def test_banner_images_per_language_are_checked_stored_and_served(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)

    def upload(field: str, data: bytes, name: str = "banner.png") -> str:
        response = post_form(
            client,
            STOREFRONT,
            STOREFRONT,
            {"slug": "acme", "title_en": "Acme", field: (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        return response.get_data(as_text=True) if response.status_code != 302 else ""

    body = upload("hero_en", b"not an image at all", "banner.png")
    assert field_error(body, "hero_en") == "Choose a PNG, JPEG or WebP image."
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1_000_000
    body = upload("hero_sv", buffer.getvalue())
    assert field_error(body, "hero_sv") == "Choose an image of at most 1000 kB."

    assert upload("hero_en", png(1200, 400)) == ""
    hero = storefront_row(app).hero_images["en"]
    assert re.fullmatch(r"[0-9a-f]{32}\.png", hero)
    served = client.get(f"/media/{hero}")
    assert served.status_code == 200 and "max-age=31536000" in served.headers["Cache-Control"]
    page = client.get(STOREFRONT).get_data(as_text=True)
    assert f'src="/media/{hero}" width="1200" height="400"' in page

    response = post_form(
        client, STOREFRONT, STOREFRONT, {"slug": "acme", "title_en": "Acme", "remove_hero_en": "y"}
    )
    assert response.status_code == 302
    assert storefront_row(app).hero_images == {}
    assert client.get(f"/media/{hero}").status_code == 404  # the file went with it


def listed_names(app: Flask) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(StorefrontProduct).order_by(StorefrontProduct.position)
        ).all()
        return [row.product.name for row in rows]


def test_products_are_listed_in_order_and_moved_with_or_without_htmx(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    for name in ("Mug", "Plate", "Bowl"):
        add_product(client, name, "SEK", "100")
    for product_id in (1, 2, 3):
        assert list_in_shop(client, product_id).status_code == 302
    assert listed_names(app) == ["Mug", "Plate", "Bowl"]
    again = list_in_shop(client, 1)
    assert again.status_code == 422
    assert "Choose one of the options." in field_error(again.get_data(as_text=True), "product")

    page = f"{STOREFRONT}/products"
    plain = post_form(client, page, f"{page}/3/up", {})
    assert plain.status_code == 302 and plain.headers["Location"] == page
    assert listed_names(app) == ["Mug", "Bowl", "Plate"]
    partial = post_form(client, page, f"{page}/1/down", {}, headers=HTMX)
    assert partial.status_code == 200
    body = partial.get_data(as_text=True)
    assert "<html" not in body and 'id="listing"' in body and "Mug moved down." in body
    assert listed_names(app) == ["Bowl", "Mug", "Plate"]
    post_form(client, page, f"{page}/3/up", {})  # Bowl is already first: nothing moves
    assert listed_names(app) == ["Bowl", "Mug", "Plate"]
    assert post_form(client, page, f"{page}/2/remove", {}).status_code == 302
    assert listed_names(app) == ["Bowl", "Mug"]
    listing = client.get(page).get_data(as_text=True)
    assert "Move Mug up" in listing and "Move Bowl down" in listing
    assert "Move Bowl up" not in listing  # the first has no Up button


def test_categories_are_made_renamed_assigned_and_removed(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    add_product(client, "Mug", "SEK", "100")
    refused = add_shop_category(client, "", "")
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "name_en") == "This field is required."
    assert add_shop_category(client, "Mugs", "Muggar").status_code == 302
    page = f"{STOREFRONT}/categories"
    renamed = post_form(
        client, page, f"{page}/1", {"category-1-name_en": "Cups", "category-1-name_sv": "Koppar"}
    )
    assert renamed.status_code == 302
    with app.app_context():
        assert db.session.get(StorefrontCategory, 1).names == {"en": "Cups", "sv": "Koppar"}

    list_in_shop(client, 1, category="1")
    products = f"{STOREFRONT}/products"
    assert (
        post_form(client, products, f"{products}/1/category", {"listing-1-category": ""})
    ).status_code == 302
    with app.app_context():
        assert db.session.get(StorefrontProduct, 1).category_id is None
    post_form(client, products, f"{products}/1/category", {"listing-1-category": "1"})
    assert post_form(client, page, f"{page}/1/remove", {}).status_code == 302
    with app.app_context():
        listing = db.session.get(StorefrontProduct, 1)
        assert listing is not None and listing.category_id is None  # still listed
        assert db.session.scalars(select(StorefrontCategory)).all() == []


def test_the_shops_methods_can_only_narrow_the_checkout_settings(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    assert save_storefront(client, payment_methods="card").status_code == 302
    assert storefront_row(app).payment_methods == ["card"]
    page = client.get(STOREFRONT).get_data(as_text=True)
    assert 'value="sepa_debit"' not in page  # only what the checkout settings accept


def test_the_currency_switch_lists_currencies_every_product_is_priced_in(
    client: FlaskClient,
) -> None:
    sign_up(client)
    for currency in ("EUR", "USD"):
        post_form(client, "/panel/settings/currencies", "/panel/settings/currencies",
                  {"currency": currency})  # fmt: skip
    add_product(client, "Mug", "SEK", "100")
    add_product(client, "Plate", "SEK", "200")
    edit = "/panel/products/1"
    post_form(client, edit, f"{edit}/prices", {"currency": "EUR", "amount": "10"})
    post_form(client, edit, f"{edit}/prices", {"currency": "USD", "amount": "11"})
    list_in_shop(client, 1)
    assert "Buyers could switch between: SEK, EUR, USD." in client.get(STOREFRONT).get_data(
        as_text=True
    )
    list_in_shop(client, 2)  # Plate is priced in SEK only
    page = client.get(STOREFRONT).get_data(as_text=True)
    assert "nothing to switch to" in page
    edit = "/panel/products/2"
    post_form(client, edit, f"{edit}/prices", {"currency": "EUR", "amount": "20"})
    assert "Buyers could switch between: SEK, EUR." in client.get(STOREFRONT).get_data(as_text=True)
