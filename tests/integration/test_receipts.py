"""Receipts an accountant keeps: the seller's legal details, a number from the merchant's own
gap-free series, each line bought, taxes with their rate and base, the total and the method,
as priced and charged (a product changed later changes no receipt), in the buyer's language;
and a link no order of which can be paid, closed to buyers at once."""

from __future__ import annotations

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.catalog.models import Price, Product
from app.checkout.models import CheckoutSession
from app.core.clock import utcnow
from app.extensions import db
from app.payments.models import Payment
from tests.integration.test_checkout import open_as_buyer, the_link
from tests.integration.test_invoice_pdfs import pdf_text
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.mailbox import Mailbox
from tests.support.settings import (
    add_payment_link,
    add_product,
    add_tax_rate,
    save_business_details,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

BUYER = {"email": "ada@example.com", "name": "Ada Buyer"}
YEAR = utcnow().year
TIMES = "\N{MULTIPLICATION SIGN}"  # between a line's quantity and unit price


def mug_shop(client: FlaskClient, app: Flask, sandbox: StripeSandbox) -> SandboxAccount:
    """A Swedish merchant with its legal details, selling two mugs of SEK 100 with Moms 25%."""
    account, _merchant = connected(client, app, sandbox, "SE", "sek")
    assert save_business_details(client).status_code == 302
    add_tax_rate(client, "Moms", "25")
    add_product(client, "Stoneware mug", "SEK", "100", tax_rate="1")
    response = add_payment_link(client, name="Mugs", product="1", description="", amount="",
                                quantity="2", min_quantity="2", max_quantity="2")  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    return account


def buy(app: Flask, sandbox: StripeSandbox, account: SandboxAccount, locale: str = "en") -> str:
    """A buyer (in ``locale``) gives their details and pays by card: their checkout's path."""
    buyer = app.test_client()
    buyer.set_cookie("kassa_locale", locale)
    page = open_as_buyer(app, buyer)
    assert post_form(buyer, page, page + "/details", BUYER).status_code == 302
    assert buyer.get(page + "/pay").status_code == 200
    with app.app_context():
        intent_id = db.session.scalars(
            select(CheckoutSession.payment_intent_id).order_by(CheckoutSession.id.desc())
        ).first()
    assert intent_id is not None
    merchant_stripe = stripe.StripeClient(account.secret_key,
                                          base_addresses={"api": sandbox.api_base})  # fmt: skip
    merchant_stripe.v1.payment_intents.confirm(
        intent_id,
        params={"payment_method": "pm_card_visa", "return_url": "https://shop.example/return"},
    )
    assert buyer.get(page + "/return").status_code == 200
    return page


def test_the_receipt_email_lists_the_lines_the_tax_and_the_sellers_legal_details(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = mug_shop(client, app, stripe_sandbox)
    page = buy(app, stripe_sandbox, account)

    receipt = mailbox.take("ada@example.com", "Your receipt")
    text = receipt.text
    assert f"Receipt R-{YEAR}-0001" in text
    assert "For: Mugs" in text
    assert f"Stoneware mug: 2 {TIMES} SEK100.00 = SEK200.00" in text
    assert "Subtotal: SEK200.00" in text
    assert "Moms 25% of SEK200.00: SEK50.00" in text
    assert "Total: SEK250.00" in text
    assert "Paid with: Card Visa ending in 4242" in text
    assert f"Your receipt as a PDF: http://localhost{page}/receipt.pdf" in text
    legal = ("Acme Aktiebolag", "Storgatan 12", "411 38 Goteborg", "VAT number: SE556677889901",
             "Company registration number: 556677-8899")  # fmt: skip
    for detail in legal:
        assert detail in text and detail in receipt.html
    assert "Moms 25% of SEK200.00" in receipt.html and "Stoneware mug" in receipt.html
    # Its PDF, for the merchant's books and from the buyer's receipt page.
    with app.app_context():
        payment_id = db.session.scalars(select(Payment.id)).one()
    download = client.get(f"/panel/payments/{payment_id}/receipt.pdf")
    assert download.headers["Content-Disposition"] == f'attachment; filename="R-{YEAR}-0001.pdf"'
    assert app.test_client().get(page + "/receipt.pdf").data == download.data
    pdf = pdf_text(download.data)
    for shown in ("Receipt", f"R-{YEAR}-0001", "Acme Aktiebolag", "VAT number: SE556677889901",
                  "Stoneware mug 2 SEK100.00 SEK200.00", "Moms 25% of SEK200.00 SEK50.00",
                  "Total paid SEK250.00", "Card Visa ending in 4242"):  # fmt: skip
        assert shown in pdf, shown

    # The merchant sees what was paid for: the link, its lines, the tax and the receipt.
    detail = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert "What was paid for" in detail and "Stoneware mug" in detail
    assert f'<a href="/panel/links/{the_link(app).id}">Mugs</a>' in detail
    assert "Moms 25% of SEK200.00" in detail and f"R-{YEAR}-0001" in detail
    listing = client.get("/panel/payments").get_data(as_text=True)
    assert '<td class="numeric">SEK50.00</td>' in listing  # the tax, beside the amount
    assert f"Mugs: Stoneware mug {TIMES} 2" in listing


def test_the_receipt_keeps_what_was_charged_when_the_product_changes_later(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = mug_shop(client, app, stripe_sandbox)
    page = buy(app, stripe_sandbox, account)
    with app.app_context():
        product = db.session.scalars(select(Product)).one()
        product.name = "Porcelain cup"
        db.session.scalars(select(Price)).one().unit_amount = 9900
        db.session.commit()

    buyer = app.test_client()
    body = buyer.get(page + "/return").get_data(as_text=True)
    assert "Stoneware mug" in body and "Porcelain cup" not in body
    assert "SEK250.00" in body and "Moms 25% of SEK200.00" in body
    assert f"Receipt R-{YEAR}-0001" in body and "Acme Aktiebolag" in body

    # The next buyer gets the next number of the series, for what it costs now.
    buy(app, stripe_sandbox, account)
    with app.app_context():
        numbers = db.session.scalars(select(Payment.receipt_number).order_by(Payment.id)).all()
    assert numbers == [f"R-{YEAR}-0001", f"R-{YEAR}-0002"]
    second = mailbox.take("ada@example.com", "Your receipt", containing=f"R-{YEAR}-0002")
    assert f"Porcelain cup: 2 {TIMES} SEK99.00 = SEK198.00" in second.text


def test_the_receipt_is_in_the_buyers_language(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = mug_shop(client, app, stripe_sandbox)
    page = buy(app, stripe_sandbox, account, locale="sv")

    receipt = mailbox.take("ada@example.com")
    text = " ".join(receipt.text.replace("\u202f", " ").replace("\xa0", " ").split(" "))
    assert f"Kvitto R-{YEAR}-0001" in text
    assert f"Stoneware mug: 2 {TIMES} 100,00 kr = 200,00 kr" in text
    assert "Moms 25 % på 200,00 kr: 50,00 kr" in text
    assert "Totalt: 250,00 kr" in text
    assert "Momsregistreringsnummer: SE556677889901" in text
    pdf = pdf_text(app.test_client().get(page + "/receipt.pdf").data)  # in the buyer's language
    assert "Kvittonummer" in pdf and "Moms 25 % på 200,00 kr 50,00 kr" in pdf
    swedish = app.test_client()
    swedish.set_cookie("kassa_locale", "sv")
    body = swedish.get(page + "/return").get_data(as_text=True)
    assert f"Kvitto R-{YEAR}-0001" in body and "Det här köpte du" in body
    assert "Stoneware mug" in body and "Moms 25" in body


def test_a_link_no_order_of_which_can_be_paid_is_closed_to_buyers_at_once(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    mug_shop(client, app, stripe_sandbox)
    with app.app_context():  # the mug repriced in the library, below Stripe's minimum
        db.session.scalars(select(Price)).one().unit_amount = 100
        db.session.commit()
    slug = the_link(app).slug

    body = app.test_client().get(f"/l/{slug}").get_data(as_text=True)
    assert "below the smallest payment we can take in this currency" in body
    assert 'name="email"' not in body and "/details" not in body  # nothing to fill in
    listing = client.get("/panel/links/").get_data(as_text=True)
    assert "Cannot be paid" in listing and ">Active<" not in listing
    assert "buyers could not pay" in listing
    editor = client.get(f"/panel/links/{the_link(app).id}").get_data(as_text=True)
    assert "Cannot be paid" in editor
