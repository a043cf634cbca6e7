"""Setting up a merchant's checkout and products the way a person does: through the panel forms."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.accounts import post_form


def add_currency(client: FlaskClient, currency: str) -> TestResponse:
    page = "/panel/settings/currencies"
    return post_form(client, page, page, {"currency": currency})


def add_tax_rate(
    client: FlaskClient, name: str = "Moms", percent: str = "25", **fields: str
) -> TestResponse:
    page = "/panel/settings/taxes"
    data = {"name": name, "percent": percent, "country": "", **fields}
    return post_form(client, page, page, data)


def add_fee(
    client: FlaskClient,
    name: str = "Card fee",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> TestResponse:
    page = "/panel/settings/fees"
    data = {
        "name": name,
        "method": "card",
        "fixed_currency": "SEK",
        "fixed_amount": "",
        "percent": "1.5",
        **fields,
    }
    return post_form(client, page, page, data, headers=headers or {})


def add_product(
    client: FlaskClient, name: str, currency: str, amount: str, **fields: str
) -> TestResponse:
    page = "/panel/products/new"
    data = {
        "name": name,
        "currency": currency,
        "amount": amount,
        "interval": "",
        "interval_count": "1",
        "tax_rate": "",
        **fields,
    }
    return post_form(client, page, page, data)


def add_custom_field(client: FlaskClient, label: str = "Size", **fields: str) -> TestResponse:
    page = "/panel/settings/custom-fields"
    data = {"label_en": label, "label_sv": label, "kind": "text", "options": "", **fields}
    return post_form(client, page, page, data)


def add_discount(client: FlaskClient, code: str = "SPRING25", **fields: str) -> TestResponse:
    page = "/panel/settings/discounts"
    data = {
        "code": code,
        "percent": "25",
        "currency": "SEK",
        "amount": "",
        "expires_on": "",
        "max_redemptions": "",
        **fields,
    }
    return post_form(client, page, page, data)


def add_payment_link(
    client: FlaskClient, name: str = "Consultation", **fields: str
) -> TestResponse:
    """A link in SEK selling one described line (pass ``product`` to sell a product)."""
    page = "/panel/links/new"
    data = {
        "name": name,
        "currency": "SEK",
        "product": "",
        "description": "One hour",
        "amount": "500",
        "quantity": "1",
        "min_quantity": "1",
        "max_quantity": "1",
        "billing_address": "",
        "shipping_address": "",
        "phone": "",
        **fields,
    }
    return post_form(client, page, page, data)


STOREFRONT = "/panel/settings/storefront"


def save_storefront(client: FlaskClient, **fields: str) -> TestResponse:
    """Storefront settings: open, at ``/s/acme``, titled in English (pass fields to change)."""
    data = {
        "enabled": "y",
        "slug": "acme",
        "title_en": "Acme shop",
        "title_sv": "Acmes butik",
        "intro_en": "Mugs and coffee.",
        "intro_sv": "Muggar och kaffe.",
        "currency_switch": "",
        **fields,
    }
    return post_form(client, STOREFRONT, STOREFRONT, data)


def list_in_shop(client: FlaskClient, product_id: int, category: str = "") -> TestResponse:
    page = f"{STOREFRONT}/products"
    return post_form(client, page, page, {"product": str(product_id), "category": category})


def add_shop_category(client: FlaskClient, name_en: str, name_sv: str = "") -> TestResponse:
    page = f"{STOREFRONT}/categories"
    return post_form(client, page, page, {"name_en": name_en, "name_sv": name_sv or name_en})


BUSINESS_DETAILS = {
    "legal_name": "Acme Aktiebolag",
    "address_line1": "Storgatan 12",
    "address_line2": "Box 345",
    "address_postal_code": "411 38",
    "address_city": "Goteborg",
    "address_state": "Vastra Gotaland",
    "address_country": "SE",
    "vat_number": "SE556677889901",
    "company_number": "556677-8899",
    "invoice_email": "billing@acme.example",
}


def save_business_details(client: FlaskClient, **fields: str) -> TestResponse:
    """Settings > Business details, as the owner fills it in (``BUSINESS_DETAILS`` by default)."""
    page = "/panel/settings/business"
    return post_form(client, page, page, {**BUSINESS_DETAILS, **fields})
