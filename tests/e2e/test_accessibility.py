"""Every page a person can reach has no serious or critical accessibility problem (axe-core),
on a desktop and on a phone."""

from __future__ import annotations

import re
from datetime import date

import requests
import stripe
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.merchants.models import Merchant
from app.quotes.models import PaymentMode
from tests.conftest import csrf_token_from
from tests.e2e.test_merchant_journey import OWNER_EMAIL, log_in, sign_up
from tests.support.accessibility import axe_violations
from tests.support.accounts import DEFAULT_PASSWORD, emailed_link
from tests.support.invoices import open_invoice
from tests.support.payments import connect_through_live_server
from tests.support.quotes import open_quote
from tests.support.schedules import dated_parts
from tests.support.servers import browser_like_session
from tests.support.storefront import open_shop
from tests.support.stripe_sandbox import StripeSandbox
from tests.support.subscription_rows import started_subscription

PUBLIC_PAGES = ["/", "/signup", "/login", "/password/forgot", "/no-such-page"]


def test_public_pages(axe_page: Page, base_url: str) -> None:
    for path in PUBLIC_PAGES:
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path


def test_a_form_with_errors(axe_page: Page, base_url: str) -> None:
    axe_page.goto(base_url + "/signup")
    axe_page.get_by_role("button", name="Create account").click()
    expect(axe_page.get_by_role("alert")).to_be_visible()
    assert axe_violations(axe_page) == []


def test_invoice_pages_with_content(axe_page: Page, base_url: str, app: Flask) -> None:
    """An open invoice's page and its editor, the list with it, and the editor's errors."""
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    invoice_id, _ = open_invoice(app, OWNER_EMAIL)
    for path in (f"/panel/invoices/{invoice_id}", f"/panel/invoices/{invoice_id}/edit",
                 "/panel/invoices/"):  # fmt: skip
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path
    axe_page.goto(base_url + "/panel/invoices/new")
    axe_page.get_by_role("button", name="Save draft").click()
    expect(axe_page.get_by_text("Please correct the highlighted fields.")).to_be_visible()
    assert axe_violations(axe_page) == [], "the editor with errors"


def test_quote_pages_with_content(axe_page: Page, base_url: str, app: Flask) -> None:
    """An open quote's page, its editor, the list with it, the editor's errors, and the
    customer's page of the quote with the acceptance's errors."""
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    quote_id, token = open_quote(app, OWNER_EMAIL)
    for path in (f"/panel/quotes/{quote_id}", f"/panel/quotes/{quote_id}/edit", "/panel/quotes/",
                 f"/q/{token}"):  # fmt: skip
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path
    axe_page.get_by_role("button", name="Accept and sign").click()
    expect(axe_page.get_by_text("Tick the box to agree to the terms.")).to_be_visible()
    assert axe_violations(axe_page) == [], "the acceptance with errors"
    axe_page.goto(base_url + "/panel/quotes/new")
    axe_page.get_by_role("button", name="Save draft").click()
    expect(axe_page.get_by_text("Please correct the highlighted fields.")).to_be_visible()
    assert axe_violations(axe_page) == [], "the editor with errors"


def test_an_accepted_quote_s_payment_schedule(axe_page: Page, base_url: str, app: Flask) -> None:
    """The merchant's page of a quote accepted on a schedule: its parts, dates and statuses."""
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    parts = dated_parts(date.today(), 10, 40)
    quote_id, token = open_quote(app, OWNER_EMAIL, payment_mode=PaymentMode.SCHEDULE, parts=parts)
    axe_page.goto(f"{base_url}/q/{token}")
    axe_page.get_by_label("I have read and agree to the terms of this quote").check()
    axe_page.get_by_label("Type your full name to sign").fill("Grace Hopper")
    axe_page.get_by_role("button", name="Accept and sign").click()
    axe_page.goto(f"{base_url}/panel/quotes/{quote_id}")
    expect(axe_page.get_by_role("table", name="Payment schedule")).to_be_visible()
    assert axe_violations(axe_page) == [], "the quote's payment schedule"


def new_link(merchant: requests.Session, base_url: str, **fields: str) -> str:
    """A payment link made in the panel; returns its slug."""
    page = f"{base_url}/panel/links/new"
    link = {
        "csrf_token": csrf_token_from(merchant.get(page, timeout=10).text),
        "name": "Workshop", "currency": "SEK", "product": "", "description": "Seat",
        "amount": "450", "quantity": "1", "min_quantity": "1", "max_quantity": "1",
        "billing_address": "", "shipping_address": "", "phone": "", "active": "y",
        **fields,
    }  # fmt: skip
    editor = merchant.post(page, data=link, timeout=10)
    return editor.text.split("/l/", 1)[1].split("<", 1)[0]


def ask_questions(merchant: requests.Session, base_url: str) -> None:
    """A required text question and an optional dropdown (Settings → Custom fields)."""
    page = f"{base_url}/panel/settings/custom-fields"
    for question in (
        {"label_en": "Company", "label_sv": "Företag", "kind": "text", "required": "y"},
        {"label_en": "T-shirt", "label_sv": "T-tröja", "kind": "dropdown", "options": "S\nM"},
    ):
        data = {"csrf_token": csrf_token_from(merchant.get(page, timeout=10).text), **question}
        assert merchant.post(page, data=data, timeout=10).ok


def test_a_buyer_checkout_page(
    axe_page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek")
    merchant = connect_through_live_server(base_url, account, "a11y-buyer@example.com")
    ask_questions(merchant, base_url)
    slug = new_link(
        merchant, base_url, adjustable_quantity="y", max_quantity="4",
        billing_address="required", phone="optional",
    )  # fmt: skip
    axe_page.goto(f"{base_url}/l/{slug}")
    expect(axe_page.get_by_role("heading", name="Workshop")).to_be_visible()
    expect(axe_page.get_by_label("T-shirt (optional)")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.get_by_role("button", name="Continue").click()  # the errors, swapped in by HTMX
    expect(axe_page.get_by_label("Company")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(axe_page) == []


def test_the_pay_step_and_a_payment_on_its_way(
    axe_page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    """The details step listing each method's total (a SEPA fee), the pay step, and the pay
    step while a payment is on its way (a 3-D Secure challenge open over it)."""
    account = stripe_sandbox.create_account("SE", "sek")
    merchant = connect_through_live_server(base_url, account, "a11y-pay@example.com")
    for page, data in (
        ("/panel/settings/currencies", {"currency": "EUR"}),
        ("/panel/settings/checkout", {"payment_methods": ["card", "sepa_debit"],
         "billing_address": "off", "shipping_address": "off", "phone": "off"}),
        ("/panel/settings/fees", {"name": "SEPA fee", "method": "sepa_debit",
         "fixed_currency": "EUR", "fixed_amount": "1", "percent": ""}),
    ):  # fmt: skip
        url = base_url + page
        token = csrf_token_from(merchant.get(url, timeout=10).text)
        assert merchant.post(url, data={"csrf_token": token, **data}, timeout=10).ok
    axe_page.goto(f"{base_url}/l/{new_link(merchant, base_url, currency='EUR', amount='50')}")
    expect(axe_page.get_by_text("Total by payment method")).to_be_visible()
    assert axe_violations(axe_page) == [], "the details step"
    axe_page.get_by_label("Email").fill("ada@example.com")
    axe_page.get_by_label("Full name").fill("Ada Buyer")
    axe_page.get_by_role("button", name="Continue").click()
    element = axe_page.frame_locator('iframe[title="Secure payment input frame"]').first
    expect(element.get_by_role("textbox", name="Card number")).to_be_visible()
    assert axe_violations(axe_page) == [], "the pay step"
    element.get_by_role("textbox", name="Card number").fill("4000000000003220")
    element.get_by_role("textbox", name="Expiration date MM / YY").fill("1235")
    element.get_by_role("textbox", name="Security code").fill("123")
    postal = element.get_by_role("textbox", name="ZIP code")
    if postal.count():
        postal.fill("12345")
    axe_page.get_by_role("button", name="Pay €50.00").click()
    expect(axe_page.get_by_text("Processing your payment.")).to_be_visible()
    assert axe_violations(axe_page) == [], "a payment on its way"


def test_the_shop_and_its_settings_with_content(axe_page: Page, base_url: str) -> None:
    """The shop home, a product page and a cart with items, and the storefront's settings
    pages once they list products and categories."""
    width = axe_page.viewport_size["width"] if axe_page.viewport_size else 0
    slug = f"axe-shop-{width}"
    merchant = open_shop(base_url, f"a11y-shop-{width}@example.com", slug)
    axe_page.goto(f"{base_url}/s/{slug}")
    expect(axe_page.get_by_role("heading", name="Coffee & Clay")).to_be_visible()
    assert axe_violations(axe_page) == [], "shop home"
    axe_page.goto(f"{base_url}/s/{slug}/p/mug")
    assert axe_violations(axe_page) == [], "product page"
    axe_page.get_by_role("button", name="Add to cart").click()
    expect(axe_page.get_by_test_id("cart-count")).to_have_text("(1 item)")
    axe_page.goto(f"{base_url}/s/{slug}/cart")
    axe_page.get_by_label("Discount code").fill("NOPE")
    axe_page.get_by_role("button", name="Apply code").click()
    expect(axe_page.get_by_text("This code does not work here.")).to_be_visible()
    assert axe_violations(axe_page) == [], "cart"
    axe_page.context.add_cookies(
        [{"name": c.name, "value": c.value or "", "url": base_url} for c in merchant.http.cookies]
    )
    for path in ("", "/products", "/categories"):
        axe_page.goto(f"{base_url}/panel/settings/storefront{path}")
        assert axe_violations(axe_page) == [], path


def test_a_payment_page(axe_page: Page, base_url: str, stripe_sandbox: StripeSandbox) -> None:
    """A paid payment's page in the panel, with the buyer's address and answers."""
    account = stripe_sandbox.create_account("SE", "sek")
    merchant = connect_through_live_server(base_url, account, "a11y-payment@example.com")
    ask_questions(merchant, base_url)
    slug = new_link(merchant, base_url, billing_address="required")
    buyer = browser_like_session()
    checkout = buyer.get(f"{base_url}/l/{slug}", timeout=10)
    first, second = re.findall(r'name="(answer_\d+)"', checkout.text)
    details = {
        "csrf_token": csrf_token_from(checkout.text), "email": "ada@example.com",
        "name": "Ada Buyer", "billing_line1": "Storgatan 1", "billing_postal_code": "111 22",
        "billing_city": "Stockholm", "billing_country": "SE", first: "Verkstan AB", second: "M",
    }  # fmt: skip
    pay_page = buyer.post(checkout.url + "/details", data=details, timeout=30)  # opens it
    intent_id = re.search(r'data-client-secret="(pi_[A-Za-z0-9]+)_secret', pay_page.text)
    assert intent_id, pay_page.text
    checkout_url = pay_page.url.removesuffix("/pay")  # /c/<token>
    stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    ).v1.payment_intents.confirm(
        intent_id.group(1),
        params={"payment_method": "pm_card_visa", "return_url": checkout_url + "/return"},
    )
    assert "Thank you" in buyer.get(checkout_url + "/return", timeout=30).text
    listing = merchant.get(f"{base_url}/panel/payments", timeout=10).text
    payment = re.search(r'href="(/panel/payments/\d+)"', listing)
    assert payment, listing

    # The buyer's receipt: the seller, its number, what was bought.
    axe_page.goto(checkout_url + "/return")
    receipt_heading = re.compile(r"^Receipt R-\d{4}-0001$")
    expect(axe_page.get_by_role("heading", name=receipt_heading)).to_be_visible()
    assert axe_violations(axe_page) == []

    log_in(axe_page, base_url, "a11y-payment@example.com", DEFAULT_PASSWORD)
    axe_page.goto(base_url + payment.group(1))
    expect(axe_page.get_by_role("heading", name="Answers to your questions")).to_be_visible()
    expect(axe_page.get_by_role("heading", name="What was paid for")).to_be_visible()
    expect(axe_page.get_by_text("Verkstan AB")).to_be_visible()
    assert axe_violations(axe_page) == []
    # The index with a payment and its totals, and the refund form refusing an amount.
    axe_page.goto(base_url + "/panel/payments?q=ada")
    expect(axe_page.get_by_role("table", name="Totals per currency")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.goto(base_url + payment.group(1))
    axe_page.get_by_label("Amount to refund").fill("100000")
    axe_page.get_by_role("button", name="Refund").click()
    expect(axe_page.get_by_text(re.compile("can be refunded"))).to_be_visible()
    assert axe_violations(axe_page) == []


def test_a_payment_links_editor_preview_and_optional_item(
    axe_page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    email = "a11y-links@example.com"
    merchant = connect_through_live_server(
        base_url, stripe_sandbox.create_account("SE", "sek"), email
    )
    new_link = f"{base_url}/panel/links/new"
    editor = merchant.post(new_link, data={
        "csrf_token": csrf_token_from(merchant.get(new_link, timeout=10).text),
        "name": "Workshop", "currency": "SEK", "product": "", "description": "Seat",
        "amount": "450", "quantity": "1", "min_quantity": "1", "max_quantity": "1",
        "billing_address": "", "shipping_address": "", "phone": "",
    }, timeout=10)  # fmt: skip
    added = merchant.post(editor.url + "/lines", data={
        "csrf_token": csrf_token_from(editor.text), "currency": "SEK", "product": "",
        "description": "Lunch", "amount": "120", "quantity": "1", "min_quantity": "1",
        "max_quantity": "1", "optional": "y",
    }, timeout=10)  # fmt: skip
    assert "Line added." in added.text
    slug = editor.text.split("/l/", 1)[1].split("<", 1)[0]
    log_in(axe_page, base_url, email, DEFAULT_PASSWORD)
    for url in (editor.url, editor.url + "/preview", f"{base_url}/l/{slug}"):
        axe_page.goto(url)
        expect(axe_page.get_by_role("heading", name="Workshop", level=1)).to_be_visible()
        assert axe_violations(axe_page) == [], url


def test_a_quotes_method_pages(
    axe_page: Page, base_url: str, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """An accepted quote with nothing due now (its "Save your payment method"), the method page
    with the Payment Element in setup mode, and the same page after a declined card."""
    from datetime import date, timedelta
    from decimal import Decimal

    from app.quotes.models import PaymentMode
    from app.quotes.pricing import PartSpec
    from tests.support.accounts import post_form
    from tests.support.quotes import save_method_as_browser, setup_secret_of

    email = "a11y-quote@example.com"
    account = stripe_sandbox.create_account("DE", "eur")
    connect_through_live_server(base_url, account, email, country="DE")
    later = date.today() + timedelta(days=20)
    parts = (PartSpec(percent=Decimal(50), due_on=later), PartSpec(due_on=later + timedelta(9)))
    quote_id, token = open_quote(
        app, email, currency="EUR", payment_mode=PaymentMode.SCHEDULE, parts=parts
    )
    customer = app.test_client()
    accept = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper",
              "quantity-1": "4"}  # fmt: skip
    assert post_form(customer, f"/q/{token}", f"/q/{token}/accept", accept).status_code == 302
    axe_page.goto(f"{base_url}/q/{token}")
    expect(axe_page.get_by_role("link", name="Save your payment method")).to_be_visible()
    assert axe_violations(axe_page) == [], "the quote with nothing due"
    axe_page.get_by_role("link", name="Save your payment method").click()
    expect(axe_page.frame_locator('iframe[title="Secure payment input frame"]').first.get_by_role(
        "textbox", name="Card number")).to_be_visible()  # fmt: skip
    assert axe_violations(axe_page) == [], "the method page"
    secret = setup_secret_of(axe_page.content())
    save_method_as_browser(stripe_sandbox, account, secret, payment_method="pm_card_chargeDeclined")
    axe_page.goto(f"{base_url}/q/{token}/method/return")
    expect(axe_page.get_by_test_id("last-failure")).to_be_visible()
    assert axe_violations(axe_page) == [], "the method page after a declined card"


def test_subscription_pages_and_the_customer_portal(
    axe_page: Page, base_url: str, app: Flask
) -> None:
    """The subscriptions list, a subscription's page (and its refused pause), its billing
    address, lines (and a refused quantity), next charge and contact; the emailed portal
    link's page, the portal, a link that no longer works, and the "email me a link" page
    (refusing a bad address, then its answer)."""
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    subscription = f"/panel/subscriptions/{started_subscription(app, OWNER_EMAIL)}"
    for path in ("/panel/subscriptions/", "/panel/subscriptions/?status=paused", subscription,
                 subscription + "/billing-address", subscription + "/lines",
                 subscription + "/next-charge", subscription + "/contact"):  # fmt: skip
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path
    axe_page.goto(base_url + subscription)
    axe_page.get_by_label("Pause until").fill("2001-01-01")
    axe_page.get_by_role("button", name="Pause billing").click()
    expect(axe_page.get_by_role("alert")).to_be_visible()
    assert axe_violations(axe_page) == [], "the pause refused"
    axe_page.goto(base_url + subscription + "/lines")
    quantity = axe_page.get_by_role("region", name="Change a quantity")
    quantity.get_by_label("Quantity").fill("0")
    quantity.get_by_role("button", name="Change the quantity").click()
    expect(axe_page.get_by_text("Enter a whole number from 1 to 10000.")).to_be_visible()
    expect(
        axe_page.get_by_role("region", name="Change a quantity").get_by_label("Quantity")
    ).to_have_value("0")
    assert axe_violations(axe_page) == [], "a quantity refused"

    axe_page.goto(base_url + subscription)
    axe_page.get_by_role("button", name="Email the customer a link").click()
    expect(axe_page.get_by_text("A link to their subscriptions was sent")).to_be_visible()
    link = emailed_link("grace@example.com", path="/portal/open/")
    axe_page.goto(link)
    assert axe_violations(axe_page) == [], "the portal link's page"
    axe_page.get_by_role("button", name="Open my subscriptions").click()
    expect(axe_page.get_by_role("heading", name="Coffee club")).to_be_visible()
    assert axe_violations(axe_page) == [], "the portal"
    axe_page.goto(link)
    expect(axe_page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    assert axe_violations(axe_page) == [], "a used link"

    with app.app_context():
        seller = db.session.scalars(select(Merchant.public_id)).one()
    axe_page.goto(f"{base_url}/portal/ask/{seller}?email=grace@example.com")
    assert axe_violations(axe_page) == [], "the 'email me a link' page"
    axe_page.get_by_label("Email").fill("grace@")
    axe_page.get_by_role("button", name="Email me a link").click()
    expect(axe_page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(axe_page) == [], "a bad address refused"
    axe_page.get_by_label("Email").fill("grace@example.com")
    axe_page.get_by_role("button", name="Email me a link").click()
    expect(axe_page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert axe_violations(axe_page) == [], "the link sent"
