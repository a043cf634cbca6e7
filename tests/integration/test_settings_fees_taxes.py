"""Fees (payment-method surcharges) and tax rates."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.methods import PaymentMethod
from app.extensions import db
from app.settings.models import Fee, TaxRate
from tests.support.accounts import post_form, sign_up
from tests.support.settings import add_currency, add_fee, add_tax_rate


def test_a_card_fee_with_a_fixed_part_and_a_percentage(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    response = add_fee(
        client, "Kortavgift", fixed_amount="2,50", percent="1,5", gross_up="y",
        headers={"Accept-Language": "sv"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        fee = db.session.scalars(select(Fee)).one()
        assert (fee.method, fee.fixed_amount, fee.fixed_currency) == (
            PaymentMethod.CARD,
            250,
            "SEK",
        )
        assert (fee.percent_bps, fee.gross_up) == (150, True)
    page = client.get("/panel/settings/fees").get_data(as_text=True)
    assert "Kortavgift" in page
    assert "1.5%" in page
    assert "SEK" in page and "2.50" in page
    assert "Surcharging card payments of consumers in the EU and the UK" in page


def test_a_fee_needs_an_amount_or_a_percentage(client: FlaskClient) -> None:
    sign_up(client)
    response = add_fee(client, fixed_amount="", percent="")
    assert response.status_code == 422
    assert "Enter a fixed amount, a percentage or both." in response.get_data(as_text=True)


def test_amounts_are_refused_clearly(client: FlaskClient) -> None:
    sign_up(client, country="SE")
    add_currency(client, "JPY")
    cases = {
        ("SEK", "2.505"): "SEK amounts have at most 2 decimals.",
        ("JPY", "100.5"): "JPY amounts have no decimals.",
        ("SEK", "-1"): "Enter a number of 0 or more.",
        ("SEK", "12,50"): "Enter an amount like 12.50.",  # a comma is no decimal mark in English
        ("SEK", "1000000"): "Enter an amount of at most",
    }
    for (currency, amount), message in cases.items():
        response = add_fee(client, fixed_currency=currency, fixed_amount=amount, percent="")
        assert response.status_code == 422, (currency, amount)
        assert message in response.get_data(as_text=True), (currency, amount)


def test_swedish_errors_for_amounts(client: FlaskClient) -> None:
    sign_up(client)
    response = add_fee(client, fixed_amount="2.505", percent="", headers={"Accept-Language": "sv"})
    assert "Belopp i SEK har högst 2 decimaler." in response.get_data(as_text=True)


def test_percentages_from_0_to_100_with_2_decimals(client: FlaskClient) -> None:
    sign_up(client)
    for bad in ("100.01", "1.234", "-5", "ten"):
        response = add_fee(client, percent=bad)
        assert response.status_code == 422, bad
        assert 'id="percent-error"' in response.get_data(as_text=True)
    assert add_fee(client, percent="100").status_code == 302


def test_remove_a_fee_with_htmx(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    add_fee(client)
    with app.app_context():
        fee_id = db.session.scalars(select(Fee.id)).one()
    response = post_form(
        client, "/panel/settings/fees", f"/panel/settings/fees/{fee_id}/remove", {},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Fee removed." in response.get_data(as_text=True)
    assert "No fees yet." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Fee)).all() == []


def test_tax_rates_with_a_country_filter(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    assert add_tax_rate(client, "Moms", "25", inclusive="y", country="SE").status_code == 302
    assert add_tax_rate(client, "Reduced", "12.5").status_code == 302
    with app.app_context():
        rates = {r.name: r for r in db.session.scalars(select(TaxRate))}
        assert (rates["Moms"].percent_bps, rates["Moms"].inclusive, rates["Moms"].country) == (
            2500, True, "SE",
        )  # fmt: skip
        assert (rates["Reduced"].percent_bps, rates["Reduced"].country) == (1250, None)
    page = client.get("/panel/settings/taxes", headers={"Accept-Language": "sv"})
    body = page.get_data(as_text=True)
    assert "12,5\u00a0%" in body
    assert "Sverige" in body


def test_a_tax_rate_needs_a_name_and_a_rate(client: FlaskClient) -> None:
    sign_up(client)
    response = add_tax_rate(client, "", "")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="name-error"' in body and 'id="percent-error"' in body


def test_removing_a_tax_rate_leaves_its_products_without_one(
    client: FlaskClient, app: Flask
) -> None:
    from app.catalog.models import Product
    from tests.support.settings import add_product

    sign_up(client)
    add_tax_rate(client, "Moms", "25")
    with app.app_context():
        rate_id = db.session.scalars(select(TaxRate.id)).one()
    add_product(client, "Mug", "SEK", "129", tax_rate=str(rate_id))
    post_form(client, "/panel/settings/taxes", f"/panel/settings/taxes/{rate_id}/remove", {})
    with app.app_context():
        assert db.session.scalars(select(Product.tax_rate_id)).one() is None
    assert "No tax" in client.get("/panel/products/").get_data(as_text=True)
