"""Issue 15's schedule journey in Chromium against gunicorn, the Stripe sandbox delivering
webhooks and a real SMTP server: a customer accepts a quote paid in three parts (30 % now,
40 % and 30 % on later dates), pays the first by SEPA Direct Debit (its mandate saved); the
bank settles it; then the scheduler's clock moves forward and the hourly task (run as the
consumer runs it, twice at each step) gives notice of each later part and charges it on its
date, once; each becomes a numbered invoice paid when the bank settles; the customer's page
and the merchant's page show every part paid."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.quotes.models import PartStatus, PaymentMode, QuoteStatus
from tests.e2e.test_invoice_buyer import OWNER, continue_to_payment, werkstatt  # noqa: F401
from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.checkout import PAYMENT_FRAME, SLOW, Shop, pay_by_sepa
from tests.support.invoice_buyers import SEPA_SUCCEEDS
from tests.support.mailbox import Mailbox
from tests.support.payments import wait_until
from tests.support.quotes import open_quote, quote_row
from tests.support.schedules import (
    LINES,
    advance_clock,
    part_invoice,
    parts_of,
    run_task,
    three_parts,
)

CUSTOMER = "grace@example.com"


def settled(app: Flask, shop: Shop, quote_id: int, position: int) -> None:
    """The bank settles the debits; its webhook reaches Kassa, which marks the part paid."""
    shop.settle_debits()
    wait_until(
        lambda: parts_of(app, quote_id)[position].status is PartStatus.PAID,
        timeout=SLOW / 1000, what=f"part {position + 1} paid",
    )  # fmt: skip


def charged_on_its_date(app: Flask, quote_id: int, position: int, days_to_notice: int) -> None:
    """The clock reaches the part's notice (sent once), then its date, 14 days later (the
    SEPA notice period): the task charges the part once, however often it runs."""
    advance_clock(app, days_to_notice)
    part = parts_of(app, quote_id)[position]
    assert run_task(app).notified == [part.id] and run_task(app).notified == []
    advance_clock(app, 13)  # the day before the date: nothing charged yet
    assert run_task(app).charged == []
    advance_clock(app, 1)
    assert run_task(app).charged == [part.id] and run_task(app).charged == []


def test_a_three_part_sepa_schedule_charges_itself_as_the_clock_moves(
    page: Page,
    browser: Browser,
    app: Flask,
    werkstatt: Shop,  # noqa: F811  (the fixture imported above)
    mailbox: Mailbox,
) -> None:
    quote_id, token = open_quote(
        app, OWNER, currency="EUR", lines=LINES, payment_mode=PaymentMode.SCHEDULE,
        parts=three_parts(date.today()),
    )  # fmt: skip
    context = browser.new_context()  # the customer's own browser
    customer = context.new_page()
    customer.goto(f"{werkstatt.base_url}/q/{token}")
    expect(customer.get_by_test_id("quote-schedule").get_by_role("listitem")).to_have_count(3)
    customer.get_by_label("I have read and agree to the terms of this quote").check()
    customer.get_by_label("Type your full name to sign").fill("Grace Hopper")
    customer.get_by_role("button", name="Accept and sign").click()
    customer.get_by_role("button", name="Pay €3,000.00").click()
    continue_to_payment(customer)
    pay_by_sepa(customer, customer.frame_locator(PAYMENT_FRAME).first, SEPA_SUCCEEDS)
    customer.goto(f"{werkstatt.base_url}/q/{token}")
    expect(customer.get_by_test_id("quote-answer")).to_contain_text("Payment processing: €3,000.00")
    expect(customer.get_by_test_id("saved-method")).to_contain_text("SEPA Direct Debit")
    settled(app, werkstatt, quote_id, 0)

    charged_on_its_date(app, quote_id, 1, days_to_notice=6)  # 20 days after acceptance
    notice = mailbox.wait_for(CUSTOMER, subject="will charge €4,000.00")
    assert "Part 2 of 3 of quote" in notice.text and f"/q/{token}" in notice.text
    settled(app, werkstatt, quote_id, 1)
    second = part_invoice(app, parts_of(app, quote_id)[1]).number or ""
    mailbox.wait_for(CUSTOMER, timeout=60, subject=second)  # the part's receipt

    charged_on_its_date(app, quote_id, 2, days_to_notice=20)  # 40 days after acceptance
    mailbox.wait_for(CUSTOMER, subject="will charge €3,000.00")
    settled(app, werkstatt, quote_id, 2)
    third = part_invoice(app, parts_of(app, quote_id)[2]).number or ""
    assert re.fullmatch(r"INV-\d{4}-\d{4}", third) and second != third  # numbered each
    assert quote_row(app, quote_id).status is QuoteStatus.PAID

    customer.reload()
    expect(customer.get_by_test_id("quote-status")).to_have_text("Paid")
    rows = customer.get_by_test_id("schedule-part")
    expect(rows).to_have_count(3)
    for position in range(3):
        expect(rows.nth(position)).to_contain_text("Paid")
    context.close()

    log_in(page, werkstatt.base_url, OWNER, DEFAULT_PASSWORD)
    page.goto(f"{werkstatt.base_url}/panel/quotes/{quote_id}")
    expect(page.get_by_test_id("quote-status")).to_have_text("Paid")
    rows = page.get_by_test_id("schedule-part")
    expect(rows).to_have_count(3)
    for position in range(3):
        expect(rows.nth(position)).to_contain_text("Paid")
    expect(rows.nth(1).get_by_role("link", name=second)).to_be_visible()
    expect(rows.nth(2).get_by_role("link", name=third)).to_be_visible()
