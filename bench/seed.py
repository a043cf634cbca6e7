"""Data the benchmarked buyer page needs, written into the bench's fresh database.

``python -m bench.seed`` (with the bench's environment) makes a merchant with a test-mode
Stripe connection (stored keys only: the buyer page does not call Stripe before the pay step),
a payment link of three lines (the first one's quantity adjustable), and one buyer's checkout
of it with choices made (a quantity and a method); an open storefront listing 20 products; a
customer's open invoice and an open quote to them. It prints the checkout's path, the shop
home's, a product page's, the link's, the invoice's and the quote's, one a line.
"""

from __future__ import annotations

import secrets
from datetime import date

from flask import current_app

from app import create_app
from app.catalog.service import ProductDetails, create_product
from app.checkout.service import open_checkout, set_method, set_quantity
from app.core.crypto import encrypt
from app.core.money import Money
from app.core.passwords import hash_password
from app.customers.models import Customer
from app.extensions import db
from app.invoices.service import LineInput, create_invoice, finalize_invoice
from app.links.document import LinkDocument
from app.links.service import LineDetails, LinkDetails, add_line, create_link
from app.merchants.models import Merchant
from app.merchants.service import open_account
from app.processors.models import ProcessorConnection
from app.quotes import service as quotes
from app.settings.service import checkout_settings
from app.storefront.service import StorefrontDetails, list_product, storefront_of, update_storefront

ITEMS = (("Mug", 12900), ("Plate", 18900), ("Bowl", 14900))


def _connect(merchant_id: int) -> None:
    key = current_app.extensions["kassa_settings"].secret_key
    db.session.add(
        ProcessorConnection(
            merchant_id=merchant_id,
            account_id="acct_bench",
            livemode=False,
            country="SE",
            default_currency="sek",
            capabilities=["card_payments"],
            secret_key_encrypted=encrypt("sk_test_bench", key),
            secret_key_hint="sk_test_…ench",  # noqa: S106  (a made-up key's hint)
            publishable_key="pk_test_bench",
            webhook_endpoint_id="we_bench",
            webhook_secret_encrypted=encrypt("whsec_bench", key),
        )
    )


def main() -> None:
    with create_app().app_context():
        owner = open_account(
            db.session,
            business_name="Bench Keramik AB",
            country="SE",
            currency=None,
            email="bench@kassa.test",
            password_hash=hash_password(secrets.token_urlsafe(16)),
            locale="en",
        )
        merchant = owner.merchant
        _connect(merchant.id)
        checkout_settings(db.session, merchant).accent_color = "#7a4b2a"  # its branding
        lines = [LineDetails(None, name, Money(amount, "SEK")) for name, amount in ITEMS]
        lines[0] = LineDetails(
            None, ITEMS[0][0], Money(ITEMS[0][1], "SEK"), adjustable_quantity=True, max_quantity=9
        )
        link = create_link(db.session, merchant, "SEK", LinkDetails(name="Table set"), lines[0])
        for line in lines[1:]:
            add_line(db.session, merchant, link, line)
        document = LinkDocument(link)
        checkout = open_checkout(db.session, document, "en", browser_key=None)
        set_quantity(checkout, link.lines[0], 2)
        set_method(db.session, checkout, document, "card")
        shop = storefront_of(db.session, merchant)
        update_storefront(
            db.session, merchant, shop,
            StorefrontDetails(enabled=True, slug="bench-shop", titles={"en": "Bench shop"},
                              intros={"en": "Twenty handmade things."}),
        )  # fmt: skip
        for number in range(1, 21):
            product = create_product(
                db.session, merchant,
                ProductDetails(name=f"Bowl {number}", description="Stoneware, glazed."),
                Money(10000 + 100 * number, "SEK"),
            )  # fmt: skip
            list_product(db.session, shop, product.id)
        reader = _customer(merchant)
        invoice_token = _open_invoice(merchant, reader)
        quote_token = _open_quote(merchant, reader)
        db.session.commit()
        print(f"/c/{checkout.token}")
        print("/s/bench-shop")
        print("/s/bench-shop/p/bowl-10")
        print(f"/l/{link.slug}")
        print(f"/i/{invoice_token}")
        print(f"/q/{quote_token}")


def _customer(merchant: Merchant) -> Customer:
    """The customer the invoice and the quote are for."""
    customer = Customer(
        merchant_id=merchant.id, name="Invoice Reader", email="reader@kassa.test",
        email_key="reader@kassa.test", billing_address={"line1": "Storgatan 1",
        "postal_code": "111 22", "city": "Stockholm", "country": "SE"},
    )  # fmt: skip
    db.session.add(customer)
    return customer


def _open_invoice(merchant: Merchant, customer: Customer) -> str:
    """A customer's open invoice of three lines; the token of its page."""
    lines = [LineInput(name, quantity=2, unit_amount=amount) for name, amount in ITEMS]
    invoice = create_invoice(db.session, merchant, customer, currency="SEK", lines=lines)
    secret_key = current_app.extensions["kassa_settings"].secret_key
    return finalize_invoice(db.session, invoice, date.today(), secret_key)


def _open_quote(merchant: Merchant, customer: Customer) -> str:
    """An open quote of three lines to the customer (the first adjustable, the last optional),
    as sent; the token of its page."""
    lines = [
        quotes.LineInput(ITEMS[0][0], 2, ITEMS[0][1], adjustable=True, max_quantity=9),
        quotes.LineInput(ITEMS[1][0], 2, ITEMS[1][1]),
        quotes.LineInput(ITEMS[2][0], 2, ITEMS[2][1], optional=True),
    ]
    quote = quotes.create_quote(db.session, merchant, customer, currency="SEK", lines=lines)
    secret_key = current_app.extensions["kassa_settings"].secret_key
    return quotes.send_quote(db.session, quote, date.today(), secret_key)


if __name__ == "__main__":
    main()
