"""The seller's business details: kept in Settings > Business details (each merchant its own),
shown as the seller on the invoice's page, its PDFs (English and Swedish) and its emails; the
invoice page warns while the address or VAT number is missing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.invoices.models import CreditNote, Invoice, ManualMethod, ManualPayment
from app.invoices.pdf import credit_note_pdf, invoice_pdf, receipt_pdf
from app.merchants.models import Merchant
from tests.integration.test_invoice_pdfs import pdf_text
from tests.support.accounts import post_form, sign_up
from tests.support.invoice_rows import make_credit_note, make_invoice
from tests.support.invoices import draft_invoice, merchant_of, open_invoice
from tests.support.mailbox import Mailbox
from tests.support.settings import BUSINESS_DETAILS, save_business_details

PAGE = "/panel/settings/business"


@pytest.fixture
def owner(app: Flask, mailbox: Mailbox) -> FlaskClient:
    client = app.test_client()
    sign_up(client)
    return client


def stored(app: Flask, email: str = "owner@example.com") -> Merchant:
    with app.app_context():
        merchant = merchant_of(email)
        db.session.expunge(merchant)
        return merchant


def assert_seller_shown(text: str) -> None:
    assert "Acme Aktiebolag" in text
    assert "Storgatan 12" in text and "Box 345" in text
    assert "411 38 Goteborg" in text
    assert "SE556677889901" in text and "556677-8899" in text
    assert "billing@acme.example" in text


def test_a_new_address_starts_in_the_accounts_country(app: Flask, mailbox: Mailbox) -> None:
    client = app.test_client()
    sign_up(client, country="DE", business_name="Beispiel GmbH")
    page = client.get(PAGE).get_data(as_text=True)
    assert '<option selected value="DE"' in page
    assert 'value="Beispiel GmbH"' not in page  # the legal name stays empty until typed


def test_the_owner_saves_the_details_and_sees_them_again(app: Flask, owner: FlaskClient) -> None:
    response = save_business_details(owner, vat_number=" se 5566 7788 9901 ")
    assert response.status_code == 302
    merchant = stored(app)
    assert merchant.legal_name == "Acme Aktiebolag"
    assert merchant.vat_number == "SE556677889901"  # trimmed, spaces out, upper case
    assert merchant.business_address == {
        "line1": "Storgatan 12",
        "line2": "Box 345",
        "city": "Goteborg",
        "postal_code": "411 38",
        "state": "Vastra Gotaland",
        "country": "SE",
    }
    assert (merchant.company_number, merchant.invoice_email) == (
        "556677-8899",
        "billing@acme.example",
    )
    page = owner.get(PAGE).get_data(as_text=True)
    for name, value in BUSINESS_DETAILS.items():
        assert f'value="{value}"' in page or f'<option selected value="{value}"' in page, name


def test_everything_may_be_cleared_and_the_legal_name_falls_back(
    app: Flask, owner: FlaskClient
) -> None:
    save_business_details(owner)
    empty = {name: "" for name in BUSINESS_DETAILS}
    assert save_business_details(owner, **empty).status_code == 302
    merchant = stored(app)
    assert (merchant.legal_name, merchant.business_address, merchant.vat_number) == ("", None, "")
    text = rendered_invoice(app, make_invoice(app))
    assert "Acme AB" in text  # the business name stands in for the legal name


@pytest.mark.parametrize(
    ("vat_number", "message"),
    [
        ("SE-5566.77", "Use only letters A to Z and digits"),
        ("SE" + "1" * 19, "Use at most 20 characters"),
    ],
)
def test_a_bad_vat_number_is_refused_and_nothing_typed_is_lost(
    app: Flask, owner: FlaskClient, vat_number: str, message: str
) -> None:
    response = save_business_details(owner, vat_number=vat_number)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="vat_number-error"' in page and message in page
    assert 'value="Storgatan 12"' in page and 'value="billing@acme.example"' in page
    assert stored(app).vat_number == ""


def test_errors_are_in_the_readers_language(app: Flask, owner: FlaskClient) -> None:
    owner.set_cookie("kassa_locale", "sv")
    response = save_business_details(owner, vat_number="SE-1", address_country="XX")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use only letters" not in page
    assert 'id="vat_number-error"' in page and 'id="address_country-error"' in page


def test_each_merchant_edits_only_its_own_details(app: Flask, mailbox: Mailbox) -> None:
    first, second = app.test_client(), app.test_client()
    sign_up(first)
    sign_up(second, email="other@example.com", business_name="Other AB")
    save_business_details(first)
    assert 'value="Storgatan 12"' not in second.get(PAGE).get_data(as_text=True)

    save_business_details(second, legal_name="Other Handelsbolag", vat_number="SE111111111101")
    assert stored(app).legal_name == "Acme Aktiebolag"
    assert stored(app).vat_number == "SE556677889901"
    assert stored(app, "other@example.com").legal_name == "Other Handelsbolag"


def rendered_invoice(app: Flask, invoice_id: int) -> str:
    with app.app_context():
        return pdf_text(invoice_pdf(db.session.get_one(Invoice, invoice_id)))


@pytest.mark.parametrize(
    ("locale", "vat_label", "country"),
    [("en", "VAT number", "Sweden"), ("sv", "Momsregistreringsnummer", "Sverige")],
)
def test_the_pdfs_show_the_seller_address_and_vat_number(
    app: Flask, owner: FlaskClient, locale: str, vat_label: str, country: str
) -> None:
    save_business_details(owner)
    invoice_id = make_invoice(app, locale=locale, amount_paid=593750)
    note_id = make_credit_note(
        app, make_invoice(app, locale=locale, email="b@example.com", number="INV-2026-0008")
    )
    with app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        payment = ManualPayment(
            merchant_id=invoice.merchant_id,
            invoice=invoice,
            amount=593750,
            paid_on=invoice.due_date,
            method=ManualMethod.BANK_TRANSFER,
        )
        db.session.add(payment)
        db.session.flush()
        texts = [
            pdf_text(invoice_pdf(invoice)),
            pdf_text(credit_note_pdf(db.session.get_one(CreditNote, note_id))),
            pdf_text(receipt_pdf(invoice, payment)),
        ]
        db.session.rollback()
    for text in texts:
        assert_seller_shown(text)
        assert re.search(rf"{vat_label}: SE556677889901", text), text
        assert country in text


def test_the_customers_invoice_page_shows_the_seller(app: Flask, owner: FlaskClient) -> None:
    save_business_details(owner)
    _invoice_id, token = open_invoice(app)
    page = app.test_client().get(f"/i/{token}").get_data(as_text=True)
    seller = page.split('data-testid="invoice-seller"', 1)[1].split("</address>", 1)[0]
    assert_seller_shown(seller)
    assert "VAT number: SE556677889901" in seller and "Sweden" in seller


def test_the_invoice_email_ends_with_the_seller(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    save_business_details(owner)
    invoice_id, _token = open_invoice(app)
    page = f"/panel/invoices/{invoice_id}/deliveries"
    assert post_form(owner, page, f"/panel/invoices/{invoice_id}/send", {}).status_code == 302
    email = mailbox.wait_for("grace@example.com")
    for body in (email.text, email.html):
        assert_seller_shown(body)
        assert "VAT number: SE556677889901" in body


WARNING = "Add your business address and VAT number in Settings: invoices must show them."


def test_the_invoice_page_warns_while_the_address_or_vat_number_is_missing(
    app: Flask, owner: FlaskClient
) -> None:
    invoice_id = draft_invoice(app)
    url = f"/panel/invoices/{invoice_id}"
    page = owner.get(url).get_data(as_text=True)
    assert WARNING in page and 'href="/panel/settings/business"' in page

    save_business_details(owner, vat_number="")
    assert WARNING in owner.get(url).get_data(as_text=True)

    save_business_details(owner)
    assert WARNING not in owner.get(url).get_data(as_text=True)


def test_finalizing_without_the_details_is_warned_not_blocked(
    app: Flask, owner: FlaskClient
) -> None:
    invoice_id = draft_invoice(app)
    url = f"/panel/invoices/{invoice_id}"
    response = post_form(owner, url, f"{url}/finalize", {})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get_one(Invoice, invoice_id).number
    assert WARNING in owner.get(url).get_data(as_text=True)
