"""A merchant refunds part, then the rest, of a card payment in the browser: the page shows each
refund's status and the payment's, and the buyer's refund emails arrive."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from app.core.money import Money
from app.payments.models import PaymentStatus
from app.payments.service import BuyerDetails
from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    connect_through_live_server,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    payment_row,
    wait_until,
)
from tests.support.stripe_sandbox import StripeSandbox

OWNER = "owner@refunds.example"
BUYER = "refund-buyer@example.com"


def test_a_merchant_refunds_part_then_the_rest_and_the_buyer_is_emailed(
    page: Page, base_url: str, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek", name="Återbäring AB")
    connect_through_live_server(base_url, account, OWNER)
    merchant = merchant_id(app, OWNER)
    checkout = open_checkout(
        app, merchant, Money(20000, "SEK"), reference="chk_refunds",
        buyer=BuyerDetails(email=BUYER, name="Rut Refund", locale="en"),
    )  # fmt: skip
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    wait_until(
        lambda: payment_row(app, checkout.payment_id).status is PaymentStatus.SUCCEEDED,
        what="paid",
    )

    log_in(page, base_url, OWNER, DEFAULT_PASSWORD)
    page.goto(f"{base_url}/panel/payments")
    page.get_by_role("table", name="Payments found").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("Payment of"))).to_be_visible()
    expect(page.get_by_text("Left to refund: SEK200.00")).to_be_visible()

    page.get_by_label("Amount to refund").fill("50")
    page.get_by_label("Reason").select_option(label="The buyer asked for it")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("SEK50.00 refunded.")).to_be_visible()
    expect(page.get_by_text("Left to refund: SEK150.00")).to_be_visible()
    refunds = page.get_by_role("table", name="Refunds")
    expect(refunds.get_by_role("row")).to_have_count(2)
    expect(refunds.get_by_role("row").nth(1)).to_contain_text("Refunded")
    expect(page.get_by_role("definition").filter(has_text="Partially refunded")).to_be_visible()
    first = mailbox.wait_for(BUYER, subject="Your refund from")
    assert "SEK50.00" in first.text and "Refunded so far: SEK50.00 of SEK200.00." in first.text

    # More than is left is refused beside the field, and what was typed stays.
    page.get_by_label("Amount to refund").fill("150.01")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("At most SEK150.00 can be refunded.")).to_be_visible()
    expect(page.get_by_label("Amount to refund")).to_have_value("150.01")

    page.get_by_label("Amount to refund").fill("150")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("SEK150.00 refunded.")).to_be_visible()
    expect(page.get_by_text("This payment is refunded in full already.")).to_be_visible()
    expect(refunds.get_by_role("row")).to_have_count(3)
    expect(page.get_by_role("definition").filter(has_text=re.compile("^Refunded$"))).to_be_visible()
    wait_until(lambda: len(mailbox.messages(BUYER)) >= 3, what="second refund email")
    last = [m for m in mailbox.messages(BUYER) if m.subject.startswith("Your refund from")][-1]
    assert "Your payment of SEK200.00 is refunded in full." in last.text
