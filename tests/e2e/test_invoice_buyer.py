"""A customer pays an invoice in Chromium against gunicorn, the Stripe sandbox delivering
webhooks and a real SMTP server: part of it by card, the rest by SEPA Direct Debit (processing
until the bank settles it), and the invoice shows Paid; a void invoice cannot be paid.

The invoices are issued by the invoices service on the live server's database (the panel's own
pages are another part of the work); everything the customer does is in the browser, by role
and label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.service import void_invoice
from app.invoices.tasks import send_reminders
from tests.support.accessibility import VIEWPORTS, axe_violations
from tests.support.checkout import (
    PAY,
    PAYMENT_FRAME,
    SLOW,
    MerchantPanel,
    Shop,
    open_shop,
    paid,
    pay_button,
    pay_by_card,
    pay_by_sepa,
)
from tests.support.invoice_buyers import SEPA_SUCCEEDS, invoice_of
from tests.support.invoices import open_invoice
from tests.support.mailbox import Mailbox
from tests.support.payments import wait_until
from tests.support.stripe_sandbox import StripeSandbox

OWNER = "owner@werkstatt.example"


@pytest.fixture
def werkstatt(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    """A German merchant (EUR) taking cards and SEPA Direct Debit."""
    shop = open_shop(base_url, stripe_sandbox, "DE", "eur", name="Werkstatt GmbH",
                     owner_email=OWNER)  # fmt: skip
    shop.accept(["card", "sepa_debit"])
    return shop


def status_of(page: Page) -> str:
    return page.get_by_test_id("invoice-status").inner_text()


def continue_to_payment(page: Page) -> None:
    """The checkout knows the customer from the invoice: their details are filled in."""
    expect(page.get_by_label("Email")).to_have_value("grace@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()


def test_a_customer_pays_part_by_card_then_the_rest_by_sepa(
    page: Page, app: Flask, werkstatt: Shop, mailbox: Mailbox
) -> None:
    invoice_id, token = open_invoice(app, OWNER, currency="EUR", allow_partial=True,
                                     minimum_part=10000)  # fmt: skip
    number = invoice_of(app, invoice_id).number
    page.goto(f"{werkstatt.base_url}/i/{token}")
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    assert status_of(page) == "Open"
    expect(page.get_by_test_id("balance-due")).to_have_text("€1,125.00")

    amount = page.get_by_label("Amount to pay")
    expect(amount).to_have_value("1,125")
    amount.fill("2000")  # more than is due: refused, what was typed stays
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_text("Enter at most €1,125.00, the amount still due.")).to_be_visible()
    expect(page.get_by_label("Amount to pay")).to_have_value("2000")
    page.get_by_label("Amount to pay").fill("400")
    page.get_by_label("Amount to pay").press("Enter")  # the keyboard pays too

    expect(page.get_by_role("heading", name=f"Payment towards invoice {number}")).to_be_visible()
    expect(page.get_by_test_id("due-now")).to_have_text("€400.00")
    expect(page.get_by_label("Discount code")).to_have_count(0)
    continue_to_payment(page)
    pay_by_card(page, page.frame_locator(PAYMENT_FRAME).first, "4242424242424242")
    paid(page)
    mailbox.wait_for(OWNER, subject=f"Part payment of invoice {number}: €400.00")

    page.get_by_role("link", name="Back to the invoice").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    expect(page.get_by_test_id("balance-due")).to_have_text("€725.00")
    expect(page.get_by_label("Amount to pay")).to_have_value("725")
    page.get_by_role("button", name="Pay", exact=True).click()
    continue_to_payment(page)
    expect(pay_button(page)).to_have_text(re.compile("€725.00"))
    pay_by_sepa(page, page.frame_locator(PAYMENT_FRAME).first, SEPA_SUCCEEDS)

    page.goto(f"{werkstatt.base_url}/i/{token}")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Payment processing")
    expect(page.get_by_test_id("amount-processing")).to_have_text("€725.00")
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)  # nothing more to pay now

    werkstatt.settle_debits()  # the bank settles; its webhook reaches Kassa
    wait_until(lambda: invoice_of(app, invoice_id).status is InvoiceStatus.PAID,
               timeout=SLOW / 1000, what="the invoice paid")  # fmt: skip
    page.reload()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("balance-due")).to_have_text("€0.00")
    expect(page.get_by_role("heading", name="Receipts")).to_be_visible()
    expect(page.get_by_test_id("invoice-payments").get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)
    mailbox.wait_for(OWNER, subject=f"Invoice {number} is paid")


def test_a_void_invoice_cannot_be_paid(page: Page, app: Flask, werkstatt: Shop) -> None:
    invoice_id, token = open_invoice(app, OWNER, currency="EUR")
    page.goto(f"{werkstatt.base_url}/i/{token}")
    page.get_by_role("button", name=PAY).click()  # a checkout opened, then left
    expect(page).to_have_url(re.compile(r"/c/[^/]+$"))
    checkout = page.url
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        void_invoice(db.session, invoice, date.today(), reason="Issued twice")
        db.session.commit()

    page.goto(f"{werkstatt.base_url}/i/{token}")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Void")
    expect(page.get_by_text("This invoice was cancelled, so it cannot be paid.")).to_be_visible()
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)
    page.goto(checkout)  # the old checkout's address
    expect(page.get_by_text("This invoice was cancelled, so it cannot be paid.")).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_have_count(0)


def test_an_overdue_invoice_says_so_and_its_reminder_arrives_once(
    page: Page,
    app: Flask,
    werkstatt: Shop,
    panel_of: Callable[[Shop], MerchantPanel],
    mailbox: Mailbox,
) -> None:
    """Finalized 30 days ago on the default net 14 terms: 16 days past due. The hourly task
    (run here twice, as a retry or a second consumer would) sends one reminder, whose link
    brings the customer to the invoice, still payable."""
    issued = date.today() - timedelta(days=30)
    invoice_id, token = open_invoice(app, OWNER, currency="EUR", today=issued)
    invoice = invoice_of(app, invoice_id)
    assert invoice.due_date is not None and invoice.due_date < date.today()

    merchant = panel_of(werkstatt).page
    merchant.goto(f"{werkstatt.base_url}/panel/invoices/{invoice_id}")
    expect(merchant.get_by_role("heading", name=str(invoice.number))).to_be_visible()
    expect(merchant.get_by_text("Overdue", exact=True)).to_be_visible()

    with app.app_context():
        assert send_reminders.call_local() == 1
        assert send_reminders.call_local() == 0
    email = mailbox.wait_for("grace@example.com", subject=f"Overdue: invoice {invoice.number}")
    assert len(mailbox.messages("grace@example.com")) == 1
    link = re.search(r"https?://\S+(/i/\S+)", email.text)
    assert link is not None, email.text

    # The task ran in the test's app, whose public address is not the live server's: the path.
    page.goto(werkstatt.base_url + link.group(1))
    expect(page.get_by_test_id("invoice-status")).to_have_text("Overdue")
    expect(page.get_by_text(re.compile(r"^This invoice was due on "))).to_be_visible()
    expect(page.get_by_role("button", name=PAY)).to_be_visible()
    assert page.url.endswith(f"/i/{token}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_invoice_page_works_on_a_phone_and_with_a_keyboard(
    browser: Browser, app: Flask, werkstatt: Shop, viewport: str
) -> None:
    """No serious accessibility problem (axe-core), nothing wider than a phone's screen, and
    "Amount to pay" reached and sent with the keyboard alone."""
    size = VIEWPORTS[viewport]
    _id, token = open_invoice(app, OWNER, currency="EUR", allow_partial=True, minimum_part=10000)
    context = browser.new_context(bypass_csp=True, viewport=size)
    page = context.new_page()
    page.goto(f"{werkstatt.base_url}/i/{token}")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    amount = page.get_by_label("Amount to pay")
    for _ in range(30):  # Tab through the page as a keyboard user does
        if amount.evaluate("field => field === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(amount).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("150")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("due-now")).to_have_text("€150.00")
    context.close()
