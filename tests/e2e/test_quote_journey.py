"""Issue 15's journey in Chromium against gunicorn, the Stripe sandbox and a real SMTP server:
a merchant adds a customer and makes a quote from the panel (a line whose quantity the
customer may change, a 30 % deposit), sends it; the email arrives with the PDF; the customer
follows its link in a browser of their own, changes the quantity, ticks the terms, types their
name, accepts, and pays the deposit by card with 3-D Secure; both see it partly paid. A UK
merchant's customer pays the deposit with 3-D Secure, the merchant converts the balance into
an invoice and the customer pays it by Bacs Direct Debit, which settles."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_invoice_buyer import OWNER, continue_to_payment, werkstatt  # noqa: F401
from tests.e2e.test_invoice_journey import CUSTOMER_EMAIL, add_customer_in_the_panel, pdf_text
from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.checkout import (
    CHALLENGE_FRAME,
    PAYMENT_FRAME,
    Shop,
    open_shop,
    paid,
    pay_by_bacs,
    pay_by_card,
)
from tests.support.mailbox import Mailbox
from tests.support.stripe_sandbox import StripeSandbox


def make_and_send_a_quote(page: Page) -> str:
    """From the customer's page: one adjustable line, a 30 % deposit; sent. Its number."""
    with page.expect_navigation():
        page.get_by_role("link", name="New quote").click()
    expect(page.get_by_label("Customer", exact=True)).not_to_have_value("")
    line = page.get_by_role("group", name="Line 1")
    line.get_by_label("Description").fill("Cabinets")
    line.get_by_label("Quantity", exact=True).fill("4")
    line.get_by_label("Unit price").fill("500")
    line.get_by_label("The customer may change the quantity").check()
    line.get_by_label("Smallest quantity").fill("2")
    line.get_by_label("Largest quantity").fill("8")
    expect(page.get_by_role("region", name="Totals")).to_contain_text("2,000.00")
    page.get_by_label("Terms (English)").fill("Delivery within six weeks.")
    page.get_by_label("Payment at acceptance").select_option("deposit")
    page.get_by_label("Deposit %").fill("30")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Send to the customer").click()
    expect(page.get_by_text("Quote sent.")).to_be_visible()
    number = f"Q-{date.today().year}-0001"
    expect(page.get_by_role("heading", name=number, level=1)).to_be_visible()
    return number


def test_a_customer_signs_a_quote_and_pays_the_deposit_by_card(
    page: Page,
    browser: Browser,
    werkstatt: Shop,  # noqa: F811  (the fixture imported above)
    mailbox: Mailbox,
) -> None:
    log_in(page, werkstatt.base_url, OWNER, DEFAULT_PASSWORD)
    add_customer_in_the_panel(page)
    number = make_and_send_a_quote(page)

    email = mailbox.wait_for(CUSTOMER_EMAIL, subject=number)
    [attachment] = [part for part in email.message.walk() if part.get_filename()]
    text = pdf_text(attachment.get_payload(decode=True))
    assert number in text and "Cabinets" in text
    link = re.search(r"https?://\S+/q/[\w-]+", email.text)
    assert link is not None, email.text

    context = browser.new_context()  # the customer's own browser
    customer = context.new_page()
    customer.goto(link.group(0))
    expect(customer.get_by_role("heading", name=f"Quote {number}")).to_be_visible()
    expect(customer.get_by_test_id("quote-total")).to_have_text("€2,000.00")
    customer.get_by_label("Quantity of Cabinets").fill("6")
    customer.get_by_role("button", name="Update totals").click()
    expect(customer.get_by_test_id("quote-total")).to_have_text("€3,000.00")
    expect(customer.get_by_test_id("quote-schedule")).to_contain_text("€900.00")

    customer.get_by_role("button", name="Accept and sign").click()  # nothing ticked yet
    expect(customer.get_by_text("Tick the box to agree to the terms.")).to_be_visible()
    expect(customer.get_by_label("Quantity of Cabinets")).to_have_value("6")  # kept
    customer.get_by_label("I have read and agree to the terms of this quote").check()
    customer.get_by_label("Type your full name to sign").fill("Grace Hopper")
    customer.get_by_role("button", name="Accept and sign").click()
    expect(customer.get_by_test_id("quote-answer")).to_contain_text(
        "Accepted and signed by Grace Hopper"
    )

    customer.get_by_role("button", name="Pay €900.00").click()
    continue_to_payment(customer)
    pay_by_card(customer, customer.frame_locator(PAYMENT_FRAME).first, "4000000000003220")
    challenge = customer.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Complete").click()
    paid(customer)
    customer.get_by_role("link", name="Back to the quote").click()
    expect(customer.get_by_test_id("quote-status")).to_have_text("Partly paid")
    expect(customer.get_by_test_id("quote-answer")).to_contain_text("Paid so far: €900.00")
    context.close()

    confirmation = mailbox.wait_for(OWNER, subject="accepted")
    [signed] = [part for part in confirmation.message.walk() if part.get_filename()]
    assert "Grace Hopper" in pdf_text(signed.get_payload(decode=True))
    page.reload()
    expect(page.get_by_test_id("quote-status")).to_have_text("Partly paid")
    expect(page.get_by_test_id("acceptance-evidence")).to_contain_text("Grace Hopper")


GB_OWNER = "owner@joinery.example"


@pytest.fixture
def joinery(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    """A UK merchant (GBP) taking cards and Bacs Direct Debit."""
    shop = open_shop(base_url, stripe_sandbox, "GB", "gbp", name="Joinery Ltd",
                     owner_email=GB_OWNER)  # fmt: skip
    shop.accept(["card", "bacs_debit"])
    return shop


def test_a_deposit_paid_with_3d_secure_then_the_balance_invoiced_and_paid_by_bacs(
    page: Page, browser: Browser, joinery: Shop, mailbox: Mailbox
) -> None:
    log_in(page, joinery.base_url, GB_OWNER, DEFAULT_PASSWORD)
    add_customer_in_the_panel(page)
    number = make_and_send_a_quote(page)
    link = re.search(
        r"https?://\S+/q/[\w-]+", mailbox.wait_for(CUSTOMER_EMAIL, subject=number).text
    )
    assert link is not None

    context = browser.new_context()  # the customer's own browser
    customer = context.new_page()
    customer.goto(link.group(0))
    expect(customer.get_by_test_id("quote-total")).to_have_text("£2,000.00")
    customer.get_by_label("I have read and agree to the terms of this quote").check()
    customer.get_by_label("Type your full name to sign").fill("Grace Hopper")
    customer.get_by_role("button", name="Accept and sign").click()
    customer.get_by_role("button", name="Pay £600.00").click()
    continue_to_payment(customer)
    pay_by_card(customer, customer.frame_locator(PAYMENT_FRAME).first, "4000000000003220")
    challenge = customer.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Complete").click()
    paid(customer)
    customer.get_by_role("link", name="Back to the quote").click()
    expect(customer.get_by_test_id("quote-status")).to_have_text("Partly paid")

    page.reload()  # the merchant converts the balance into an invoice and sends it
    expect(page.get_by_test_id("quote-status")).to_have_text("Partly paid")
    page.get_by_role("button", name="Convert into an invoice").click()
    expect(page.get_by_text("Invoice made from the quote.")).to_be_visible()
    invoice_number = f"INV-{date.today().year}-0001"
    expect(page.get_by_role("heading", name=invoice_number, level=1)).to_be_visible()
    page.get_by_role("button", name="Send").click()
    email = mailbox.wait_for(CUSTOMER_EMAIL, timeout=60, subject=invoice_number)
    invoice_link = re.search(r"https?://\S+/i/[\w-]+", email.text)
    assert invoice_link is not None, email.text

    customer.goto(invoice_link.group(0))
    expect(customer.get_by_test_id("balance-due")).to_have_text("£1,400.00")  # deposit carried
    customer.get_by_role("button", name="Pay £1,400.00").click()
    continue_to_payment(customer)
    pay_by_bacs(customer, customer.frame_locator(PAYMENT_FRAME).first, "00012345")
    customer.goto(invoice_link.group(0))
    expect(customer.get_by_test_id("invoice-status")).to_have_text("Payment processing")

    joinery.settle_debits()  # the bank settles; its webhook reaches Kassa, then the receipt
    mailbox.wait_for(CUSTOMER_EMAIL, timeout=60, subject=f"Receipt: invoice {invoice_number}")
    customer.reload()
    expect(customer.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(customer.get_by_test_id("balance-due")).to_have_text("£0.00")
    context.close()
    page.reload()  # the merchant's invoice page
    expect(page.get_by_text("Paid").first).to_be_visible()
