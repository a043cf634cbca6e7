"""The product library: create, list, edit, archive, prices per currency, images."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from app.catalog import service
from app.catalog.models import BillingInterval, Product
from app.extensions import db
from app.merchants.models import Merchant
from tests.conftest import csrf_token_from
from tests.support.accounts import post_form, sign_up
from tests.support.settings import add_currency, add_product, add_tax_rate


def png_bytes(size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def only_product(app: Flask) -> Product:
    return db.session.scalars(select(Product)).one()


def product_id(app: Flask) -> int:
    with app.app_context():
        return only_product(app).id


def upload(client: FlaskClient, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")


def test_the_products_page_is_in_the_navigation(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get("/panel/products/").get_data(as_text=True)
    assert 'href="/panel/products/" aria-current="page">Products</a>' in page
    assert "No products yet." in page


def test_create_a_product_and_see_its_price_formatted(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_tax_rate(client, "Moms", "25")
    response = add_product(
        client, "Keramikmugg", "SEK", "1 249,50", sku="MUG-1", tax_rate="1",
        description="Handmade.\nDishwasher safe.",
    )  # fmt: skip
    assert response.status_code == 422  # a Swedish number on an English page is not a number
    response = post_form(
        client, "/panel/products/new", "/panel/products/new",
        {"name": "Keramikmugg", "currency": "SEK", "amount": "1 249,50", "interval": "",
         "interval_count": "1", "tax_rate": "1", "sku": "MUG-1",
         "description": "Handmade.\nDishwasher safe."},
        headers={"Accept-Language": "sv"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        product = only_product(app)
        assert (product.name, product.sku, product.description) == (
            "Keramikmugg", "MUG-1", "Handmade.\nDishwasher safe.",
        )  # fmt: skip
        assert [(p.currency, p.unit_amount) for p in product.prices] == [("SEK", 124950)]
        assert product.tax_rate is not None and product.tax_rate.name == "Moms"
        assert not product.is_recurring
    english = client.get("/panel/products/", headers={"Accept-Language": "en"})
    assert "SEK1,249.50" in english.get_data(as_text=True)
    swedish = client.get("/panel/products/", headers={"Accept-Language": "sv"})
    assert "1\u00a0249,50\u00a0kr" in swedish.get_data(as_text=True)


def test_a_price_only_in_an_account_currency(client: FlaskClient) -> None:
    sign_up(client, country="SE")
    response = add_product(client, "Mug", "EUR", "12")
    assert response.status_code == 422
    assert 'id="currency-error"' in response.get_data(as_text=True)


def test_a_recurring_product_with_a_trial(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    response = add_product(
        client, "Coffee club", "SEK", "199", interval="quarter", interval_count="2",
        trial_days="14",
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        product = only_product(app)
        assert (product.interval, product.interval_count, product.trial_days) == (
            BillingInterval.QUARTER, 2, 14,
        )  # fmt: skip
    assert "Every quarter" in client.get("/panel/products/").get_data(as_text=True)


def test_a_delayed_first_charge_needs_a_recurring_product_and_one_kind_of_delay(
    client: FlaskClient,
) -> None:
    sign_up(client)
    one_time = add_product(client, "Mug", "SEK", "99", trial_days="14")
    assert "Only recurring products can delay their first charge." in one_time.get_data(
        as_text=True
    )
    both = add_product(
        client, "Club", "SEK", "99", interval="month", trial_days="14",
        first_charge_on="2099-01-01",
    )  # fmt: skip
    assert "Choose a start date or trial days, not both." in both.get_data(as_text=True)
    past = add_product(client, "Club", "SEK", "99", interval="month", first_charge_on="2001-01-01")
    assert "Choose a start date after today." in past.get_data(as_text=True)
    bad_date = add_product(client, "Club", "SEK", "99", interval="month", first_charge_on="soon")
    assert "Enter a date like 2026-12-31." in bad_date.get_data(as_text=True)


def test_edit_a_product_and_manage_its_prices(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_currency(client, "EUR")
    add_product(client, "Mug", "SEK", "129")
    url = f"/panel/products/{product_id(app)}"

    edited = post_form(
        client, url, url,
        {"name": "Big mug", "interval": "", "interval_count": "1", "tax_rate": "", "sku": ""},
    )  # fmt: skip
    assert edited.status_code == 302
    assert (
        post_form(client, url, url + "/prices", {"currency": "EUR", "amount": "12.5"}).status_code
        == 302
    )
    twice = post_form(client, url, url + "/prices", {"currency": "EUR", "amount": "13"})
    assert twice.status_code == 422
    assert "This product already has a price in EUR." in twice.get_data(as_text=True)
    with app.app_context():
        product = only_product(app)
        assert product.name == "Big mug"
        prices = {p.currency: p for p in product.prices}
        assert prices["EUR"].unit_amount == 1250
        sek_id, eur_id = prices["SEK"].id, prices["EUR"].id

    removed = post_form(
        client, url, f"{url}/prices/{eur_id}/remove", {}, headers={"HX-Request": "true"}
    )
    assert removed.status_code == 200
    assert "Price removed." in removed.get_data(as_text=True)
    last = post_form(client, url, f"{url}/prices/{sek_id}/remove", {})
    assert last.status_code == 302
    assert "A product needs at least one price." in client.get(url).get_data(as_text=True)


def test_archive_and_unarchive(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    add_product(client, "Mug", "SEK", "129")
    pid = product_id(app)
    archived = post_form(
        client, "/panel/products/", f"/panel/products/{pid}/archive", {},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert "Mug archived." in archived.get_data(as_text=True)
    assert "No products yet." in client.get("/panel/products/").get_data(as_text=True)
    assert "Mug" in client.get("/panel/products/?archived=1").get_data(as_text=True)
    with app.app_context():
        merchant = db.session.scalars(select(Merchant)).one()
        assert service.list_products(db.session, merchant) == []
        assert len(service.list_products(db.session, merchant, archived=True)) == 1

    back = post_form(client, "/panel/products/", f"/panel/products/{pid}/unarchive", {})
    assert back.status_code == 302
    assert "Mug" in client.get("/panel/products/").get_data(as_text=True)


def test_a_product_image_is_stored_under_a_random_name_and_served(
    client: FlaskClient, app: Flask, instance_path: Path
) -> None:
    sign_up(client)
    image = png_bytes()
    response = upload(
        client, "/panel/products/new",
        {"name": "Mug", "currency": "SEK", "amount": "129", "interval": "",
         "interval_count": "1", "tax_rate": "", "image": (io.BytesIO(image), "mug.png")},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        name = only_product(app).image_filename
    assert name and name.endswith(".png") and "mug" not in name
    assert (instance_path / "uploads" / name).read_bytes() == image
    served = client.get(f"/media/{name}")
    assert served.status_code == 200
    assert served.data == image
    assert served.mimetype == "image/png"
    assert client.get("/media/../kassa-test.db").status_code == 404
    assert client.get("/media/not-ours.png").status_code == 404


def test_uploads_are_judged_by_content_and_size(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    add_product(client, "Mug", "SEK", "129")
    url = f"/panel/products/{product_id(app)}"
    details = {"name": "Mug", "interval": "", "interval_count": "1", "tax_rate": ""}

    text = upload(client, url, {**details, "image": (io.BytesIO(b"hello, not a picture"), "a.png")})
    assert text.status_code == 422
    assert "Choose a PNG, JPEG or WebP image." in text.get_data(as_text=True)

    noise = png_bytes() + bytes(1_000_001)
    big = upload(client, url, {**details, "image": (io.BytesIO(noise), "big.png")})
    assert big.status_code == 422
    assert "Choose an image of at most 1000 kB." in big.get_data(as_text=True)

    wide = upload(client, url, {**details, "image": (io.BytesIO(png_bytes((4001, 2))), "w.png")})
    assert wide.status_code == 422
    assert "at most 4000 pixels wide and high" in wide.get_data(as_text=True)
    with app.app_context():
        assert only_product(app).image_filename is None


def test_replace_and_remove_a_product_image(
    client: FlaskClient, app: Flask, instance_path: Path
) -> None:
    sign_up(client)
    add_product(client, "Mug", "SEK", "129")
    url = f"/panel/products/{product_id(app)}"
    details = {"name": "Mug", "interval": "", "interval_count": "1", "tax_rate": ""}
    assert (
        upload(client, url, {**details, "image": (io.BytesIO(png_bytes()), "a.png")}).status_code
        == 302
    )
    with app.app_context():
        first = only_product(app).image_filename
    assert first
    assert 'alt="Current image"' in client.get(url).get_data(as_text=True)

    upload(client, url, {**details, "image": (io.BytesIO(png_bytes((8, 8))), "b.png")})
    with app.app_context():
        second = only_product(app).image_filename
    assert second and second != first
    assert not (instance_path / "uploads" / first).exists()

    assert upload(client, url, {**details, "remove_image": "y"}).status_code == 302
    with app.app_context():
        assert only_product(app).image_filename is None
    assert not (instance_path / "uploads" / second).exists()
