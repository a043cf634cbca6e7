"""A dispute from the sandbox reaches the merchant: the disputes list and the payment show it
with its evidence deadline, the owner's email arrives, and winning it shows and is emailed."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.money import Money
from app.extensions import db
from app.payments.models import Dispute
from app.payments.service import BuyerDetails
from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    connect_through_live_server,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    wait_until,
)
from tests.support.stripe_sandbox import StripeSandbox

OWNER = "owner@disputes.example"


def stripe_dispute_id(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Dispute.stripe_dispute_id))


def test_a_dispute_appears_with_its_deadline_and_the_email(
    page: Page, base_url: str, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek", name="Tvist AB")
    connect_through_live_server(base_url, account, OWNER)
    checkout = open_checkout(
        app, merchant_id(app, OWNER), Money(45000, "SEK"), reference="chk_dispute",
        buyer=BuyerDetails(email="dana@example.com", name="Dana Disputer", locale="en"),
    )  # fmt: skip
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_createDispute")
    email = mailbox.wait_for(OWNER, subject="is disputed", timeout=20)
    assert email.subject == "A payment of SEK450.00 is disputed"
    deadline = re.search(r"Stripe's dashboard by (.+)\.", email.text)
    assert deadline, email.text

    log_in(page, base_url, OWNER, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments").click()
    page.get_by_role("link", name="Disputes").click()
    disputes = page.get_by_role("table", name="Disputes")
    row = disputes.get_by_role("row", name=re.compile("Dana Disputer"))
    expect(row).to_contain_text("SEK450.00")
    expect(row).to_contain_text("Needs your response")
    expect(row).to_contain_text("The cardholder says they did not make the payment")
    expect(row).to_contain_text(deadline.group(1))

    row.get_by_role("link", name="Dana Disputer").click()
    panel = page.get_by_test_id("dispute")
    expect(panel.get_by_role("heading", name="Dispute")).to_be_visible()
    expect(page.get_by_test_id("evidence-due")).to_have_text(deadline.group(1))
    expect(panel.get_by_role("link", name="Respond in Stripe's dashboard")).to_have_attribute(
        "href", re.compile(rf"https://dashboard\.stripe\.com/{account.id}/test/payments/pi_")
    )
    expect(
        page.get_by_text("A disputed payment cannot be refunded: the dispute decides.")
    ).to_be_visible()

    dispute_id = wait_until(lambda: stripe_dispute_id(app), what="dispute row")
    stripe_sandbox.control("POST", f"/_sandbox/disputes/{dispute_id}/win")
    assert mailbox.wait_for(OWNER, subject="Dispute won").subject == "Dispute won: SEK450.00"
    page.reload()
    expect(panel).to_contain_text("Won")
    expect(page.get_by_test_id("evidence-due")).to_have_count(0)
