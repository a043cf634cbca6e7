"""Checkout settings and account currencies: the pages, the services and their refusals."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.methods import PaymentMethod
from app.extensions import db
from app.merchants.models import Merchant
from app.settings import service
from app.settings.models import CheckoutSettings, Collect
from tests.support.accounts import post_form, sign_up
from tests.support.settings import add_currency, add_product

CHECKOUT = "/panel/settings/checkout"


def merchant(app: Flask) -> Merchant:
    return db.session.scalars(select(Merchant)).one()


def save_checkout(client: FlaskClient, methods: list[str], **fields: str):  # type: ignore[no-untyped-def]
    data = {"billing_address": "off", "shipping_address": "off", "phone": "off", **fields}
    return post_form(client, CHECKOUT, CHECKOUT, {**data, "payment_methods": methods})  # type: ignore[dict-item]


def test_the_settings_hub_lists_every_section(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get("/panel/settings/").get_data(as_text=True)
    for link in (CHECKOUT, "/panel/settings/currencies", "/panel/settings/fees",
                 "/panel/settings/taxes", "/panel/account"):  # fmt: skip
        assert f'href="{link}"' in page
    assert 'aria-current="page">Settings</a>' in page


def test_settings_row_is_made_on_first_use_with_card_only(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    assert client.get(CHECKOUT).status_code == 200
    with app.app_context():
        settings = service.checkout_settings(db.session, merchant(app))
        assert service.checkout_settings(db.session, merchant(app)) is settings
        assert settings.payment_methods == ["card"]
        assert settings.billing_address is Collect.OFF
        assert service.accepted_methods(db.session, merchant(app)) == [PaymentMethod.CARD]


def test_sepa_needs_eur_among_the_currencies(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    page = client.get(CHECKOUT).get_data(as_text=True)
    assert "Takes only EUR: add EUR to your currencies." in page
    assert "availability is checked when you connect Stripe" in page
    refused = save_checkout(client, ["card", "sepa_debit"])
    assert refused.status_code == 422
    assert "Choose only methods that are available to you." in refused.get_data(as_text=True)

    add_currency(client, "EUR")
    saved = save_checkout(
        client, ["card", "sepa_debit"], billing_address="required", phone="optional"
    )
    assert saved.status_code == 302
    with app.app_context():
        settings = db.session.scalars(select(CheckoutSettings)).one()
        assert settings.payment_methods == ["card", "sepa_debit"]
        assert (settings.billing_address, settings.phone) == (Collect.REQUIRED, Collect.OPTIONAL)
        accepted = service.accepted_methods(db.session, merchant(app))
        assert accepted == [PaymentMethod.CARD, PaymentMethod.SEPA_DEBIT]


def test_saving_payment_methods_is_not_offered_until_subscriptions(
    client: FlaskClient, app: Flask
) -> None:
    # Nothing charges a saved method later yet, so the settings do not offer to save one, and
    # a posted value is not taken.
    sign_up(client)
    page = client.get(CHECKOUT).get_data(as_text=True)
    assert 'name="save_payment_methods"' not in page
    assert "Saving a payment method for later charges comes with subscriptions." in page
    assert save_checkout(client, ["card"], save_payment_methods="y").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(CheckoutSettings)).one().save_payment_methods is False
    client.set_cookie("kassa_locale", "sv")
    swedish = client.get(CHECKOUT).get_data(as_text=True)
    assert "kommer med prenumerationer" in swedish


def test_at_least_one_method_and_known_choices(client: FlaskClient) -> None:
    sign_up(client)
    none_chosen = save_checkout(client, [])
    assert none_chosen.status_code == 422
    assert "Choose at least one payment method." in none_chosen.get_data(as_text=True)
    unknown = save_checkout(client, ["card"], shipping_address="sometimes")
    assert unknown.status_code == 422
    assert 'id="shipping_address-error"' in unknown.get_data(as_text=True)


def test_the_form_says_bank_debits_ask_for_billing_details(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get(CHECKOUT).get_data(as_text=True)
    assert "the checkout asks for them when a buyer pays by bank debit" in page


def test_htmx_save_returns_the_partial_with_the_message(client: FlaskClient) -> None:
    sign_up(client)
    response = post_form(
        client, CHECKOUT, CHECKOUT,
        {"payment_methods": "card", "billing_address": "optional", "shipping_address": "off",
         "phone": "off"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="flashes"')
    assert "Checkout settings saved." in body
    assert "<html" not in body


def test_add_and_remove_currencies(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    assert add_currency(client, "EUR").status_code == 302
    assert add_currency(client, "USD").status_code == 302
    with app.app_context():
        assert service.account_currencies(db.session, merchant(app)) == ["SEK", "EUR", "USD"]

    again = add_currency(client, "EUR")
    assert again.status_code == 422
    assert "EUR is already one of your currencies." in again.get_data(as_text=True)
    unknown = add_currency(client, "XYZ")
    assert unknown.status_code == 422

    page = "/panel/settings/currencies"
    default = post_form(client, page, page + "/remove", {"currency": "SEK"})
    assert default.status_code == 422
    assert "SEK is your default currency and cannot be removed." in default.get_data(as_text=True)
    assert post_form(client, page, page + "/remove", {"currency": "USD"}).status_code == 302
    with app.app_context():
        assert service.account_currencies(db.session, merchant(app)) == ["SEK", "EUR"]


def test_a_currency_in_use_by_prices_stays(client: FlaskClient) -> None:
    sign_up(client, country="SE")
    add_currency(client, "EUR")
    assert add_product(client, "Mug", "EUR", "12.50").status_code == 302
    page = "/panel/settings/currencies"
    refused = post_form(client, page, page + "/remove", {"currency": "EUR"})
    assert refused.status_code == 422
    assert "Products still have prices in EUR." in refused.get_data(as_text=True)


def test_currency_names_are_localized(client: FlaskClient) -> None:
    sign_up(client)
    swedish = client.get("/panel/settings/currencies", headers={"Accept-Language": "sv"})
    assert "EUR: euro" in swedish.get_data(as_text=True)


def test_a_currency_used_by_a_fee_discount_or_chosen_method_stays(
    client: FlaskClient, app: Flask
) -> None:
    from app.settings.models import Fee
    from tests.support.settings import add_discount, add_fee

    sign_up(client, country="SE")
    add_currency(client, "EUR")
    page = "/panel/settings/currencies"

    save_checkout(client, ["card", "sepa_debit"])
    refused = post_form(client, page, page + "/remove", {"currency": "EUR"})
    assert "A payment method you accept takes only EUR. Turn it off first." in refused.get_data(
        as_text=True
    )
    save_checkout(client, ["card"])

    add_fee(client, fixed_currency="EUR", fixed_amount="1", percent="")
    refused = post_form(client, page, page + "/remove", {"currency": "EUR"})
    assert "Fees or discount codes still use EUR." in refused.get_data(as_text=True)
    with app.app_context():
        fee_id = db.session.scalars(select(Fee.id)).one()
    post_form(client, "/panel/settings/fees", f"/panel/settings/fees/{fee_id}/remove", {})

    add_discount(client, "TEN", percent="", currency="EUR", amount="10")
    refused = post_form(client, page, page + "/remove", {"currency": "EUR"})
    assert "Fees or discount codes still use EUR." in refused.get_data(as_text=True)
