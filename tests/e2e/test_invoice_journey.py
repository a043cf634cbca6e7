"""Issue 13's whole journey in Chromium against gunicorn, the Stripe sandbox and a real SMTP
server: a merchant adds a customer and bills them from the panel (two lines and a tax, parts
allowed), finalizes and sends; the email arrives with the PDF; the customer follows its link in
a browser of their own, pays part by card and the rest by SEPA Direct Debit (processing, then
settled at the bank), and both of them see the invoice paid."""

from __future__ import annotations

import re
import subprocess
from datetime import date

from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_invoice_buyer import OWNER, continue_to_payment, werkstatt  # noqa: F401
from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.checkout import PAY, PAYMENT_FRAME, Shop, paid, pay_by_card, pay_by_sepa
from tests.support.invoice_buyers import SEPA_SUCCEEDS
from tests.support.mailbox import Mailbox

CUSTOMER_EMAIL = "grace@example.com"


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def add_customer_in_the_panel(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="Add customer").click()
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("Email (optional)").fill(CUSTOMER_EMAIL)
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()


def bill_them(page: Page) -> str:
    """From the customer's page: two lines with the tax, parts allowed; finalized. Returns
    the invoice's number."""
    with page.expect_navigation():  # the editor's script runs before lines are added
        page.get_by_role("link", name="New invoice").click()
    expect(page.get_by_label("Customer", exact=True)).not_to_have_value("")
    first = page.get_by_role("group", name="Line 1")
    first.get_by_label("Description").fill("Design work")
    first.get_by_label("Quantity").fill("2")
    first.get_by_label("Unit price").fill("500")
    first.get_by_label("MwSt").check()
    page.get_by_role("button", name="Add line").click()
    second = page.get_by_role("group", name="Line 2")
    second.get_by_label("Description").fill("Printing")
    second.get_by_label("Unit price").fill("125")
    second.get_by_label("MwSt").check()
    expect(page.get_by_role("region", name="Totals")).to_contain_text("1,338.75")
    page.get_by_label("The customer may pay in parts").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Finalize").click()
    expect(page.get_by_text("Invoice finalized.")).to_be_visible()
    number = f"INV-{date.today().year}-0001"
    expect(page.get_by_role("heading", name=number, level=1)).to_be_visible()
    return number


def test_a_merchant_bills_a_customer_who_pays_in_two_parts(
    page: Page,
    browser: Browser,
    werkstatt: Shop,  # noqa: F811  (the fixture imported above)
    mailbox: Mailbox,
) -> None:
    werkstatt.add_tax_rate("MwSt", "19")
    log_in(page, werkstatt.base_url, OWNER, DEFAULT_PASSWORD)
    add_customer_in_the_panel(page)
    number = bill_them(page)
    page.get_by_role("button", name="Send").click()

    # Sent by the task consumer with the PDF it renders: allow it a loaded machine's time.
    email = mailbox.wait_for(CUSTOMER_EMAIL, timeout=60, subject=number)
    [attachment] = [part for part in email.message.walk() if part.get_filename()]
    assert attachment.get_filename() == f"{number}.pdf"
    text = pdf_text(attachment.get_payload(decode=True))
    assert number in text and "Grace Hopper" in text and "1,338.75" in text
    link = re.search(r"https?://\S+/i/[\w-]+", email.text)
    assert link is not None, email.text

    context = browser.new_context()  # the customer's own browser
    customer = context.new_page()
    customer.goto(link.group(0))
    expect(customer.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(customer.get_by_test_id("balance-due")).to_have_text("€1,338.75")
    customer.get_by_label("Amount to pay").fill("400")
    customer.get_by_role("button", name="Pay", exact=True).click()
    continue_to_payment(customer)
    pay_by_card(customer, customer.frame_locator(PAYMENT_FRAME).first, "4242424242424242")
    paid(customer)

    customer.get_by_role("link", name="Back to the invoice").click()
    expect(customer.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    expect(customer.get_by_test_id("balance-due")).to_have_text("€938.75")
    customer.get_by_role("button", name="Pay", exact=True).click()
    continue_to_payment(customer)
    pay_by_sepa(customer, customer.frame_locator(PAYMENT_FRAME).first, SEPA_SUCCEEDS)
    customer.goto(link.group(0))
    expect(customer.get_by_test_id("invoice-status")).to_have_text("Payment processing")

    expect(customer.get_by_role("button", name=PAY)).to_have_count(0)  # nothing payable now

    werkstatt.settle_debits()  # the bank settles; its webhook reaches Kassa, then the receipt
    receipt = mailbox.wait_for(CUSTOMER_EMAIL, timeout=60, subject=f"Receipt: invoice {number}")
    assert any(part.get_filename() == f"{number}.pdf" for part in receipt.message.walk())
    customer.reload()
    expect(customer.get_by_test_id("invoice-status")).to_have_text("Paid")
    context.close()

    page.reload()  # the merchant's invoice page
    expect(page.get_by_text("Paid").first).to_be_visible()
