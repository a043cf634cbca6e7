"""The customer portal's "Update payment method" in Chromium against gunicorn, the Stripe
sandbox delivering webhooks and a real SMTP server: a subscription's card was refused for good,
the merchant emails the customer a portal link, the customer opens it, saves a new card in the
Payment Element (keyboard first), and the past-due period is charged to it at once: the portal
and the merchant's subscription page show it paid. The method page is checked with axe on a
desktop and on a phone."""

from __future__ import annotations

from datetime import date

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.customers.models import Customer
from app.extensions import db
from app.merchants.models import Merchant
from app.processors.customers import processor_customer_id
from app.subscriptions.models import PeriodStatus, SubscriptionSource
from app.subscriptions.service import LineSpec, MethodSpec, NewSubscription, start_subscription
from tests.conftest import csrf_token_from
from tests.e2e.test_invoice_buyer import OWNER, werkstatt  # noqa: F401
from tests.support.accessibility import VIEWPORTS, axe_violations
from tests.support.accounts import emailed_link
from tests.support.checkout import PAYMENT_FRAME, SLOW, Shop, fill_card
from tests.support.invoices import add_customer
from tests.support.mailbox import Mailbox
from tests.support.schedules import stripe_of
from tests.support.subscriptions import method_outcome, periods_of, run_billing_task

CUSTOMER = "grace@example.com"


def past_due_subscription(app: Flask, shop: Shop) -> int:
    """A monthly €20 subscription whose card the bank refused for good at its first charge
    (today): past due, waiting on a new method. Its id."""
    customer_id = add_customer(app, OWNER, email=CUSTOMER)
    with app.app_context():
        customer = db.session.get_one(Customer, customer_id)
        stripe_customer = processor_customer_id(db.session, customer)
        db.session.commit()
    card = stripe_of(shop.sandbox, shop.account).v1.payment_methods.attach(
        "pm_card_visa", params={"customer": stripe_customer}
    )
    method_outcome(shop.sandbox, card.id, code="expired_card", decline_code="expired_card")
    with app.app_context():
        customer = db.session.get_one(Customer, customer_id)
        spec = NewSubscription(
            customer=customer, source=SubscriptionSource.CHECKOUT,
            source_reference=f"chk_{customer_id}", currency="EUR", interval="month",
            interval_count=1, anchor_on=date.today(), lines=(LineSpec("Coffee club", 1, 2000),),
            period_amount=2000,
            method=MethodSpec(card.id, "card", {"type": "card", "brand": "visa", "last4": "4242"},
                              stripe_customer),
        )  # fmt: skip
        merchant = db.session.get_one(Merchant, customer.merchant_id)
        started = start_subscription(db.session, merchant, spec)
        assert started is not None
        db.session.commit()
        subscription_id = started.id
    assert len(run_billing_task(app).failed) == 1
    return subscription_id


def email_portal_link(shop: Shop, subscription_id: int) -> str:
    """The merchant presses "Email the customer a link" on the subscription's page."""
    page = f"{shop.base_url}/panel/subscriptions/{subscription_id}"
    token = csrf_token_from(shop.merchant.get(page, timeout=10).text)
    sent = shop.merchant.post(f"{page}/portal-link", data={"csrf_token": token}, timeout=10)
    assert sent.ok, sent.text
    return emailed_link(CUSTOMER, path="/portal/open/")


def test_the_customer_saves_a_new_card_in_the_portal_and_the_past_due_month_is_paid(
    browser: Browser,
    app: Flask,
    werkstatt: Shop,  # noqa: F811  (the fixture imported above)
    mailbox: Mailbox,
) -> None:
    subscription_id = past_due_subscription(app, werkstatt)
    for viewport in VIEWPORTS.values():  # the method page on a desktop and on a phone
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        page.goto(email_portal_link(werkstatt, subscription_id))
        page.get_by_role("button", name="Open my subscriptions").click()
        expect(page.get_by_text("The last charge failed.")).to_be_visible()
        assert axe_violations(page) == [], "the portal asking for a new method"
        page.get_by_role("link", name="Update payment method").click()
        expect(page.get_by_role("heading", name="Update your payment method")).to_be_visible()
        element = page.frame_locator(PAYMENT_FRAME).first
        expect(element.get_by_role("button", name="Card")).to_be_visible()
        assert axe_violations(page) == [], "the method page"
        context.close()

    context = browser.new_context()  # the pages' own CSP holds
    page: Page = context.new_page()
    page.goto(email_portal_link(werkstatt, subscription_id))
    page.get_by_role("button", name="Open my subscriptions").press("Enter")
    page.get_by_role("link", name="Update payment method").press("Enter")
    expect(page.get_by_text("The amount past due is charged to the new method")).to_be_visible()
    element = page.frame_locator(PAYMENT_FRAME).first
    element.get_by_role("button", name="Card").click()
    fill_card(element, "5555555555554444")
    page.get_by_role("button", name="Save payment method").click()

    expect(page.get_by_text("Your new payment method is saved.")).to_be_visible(timeout=SLOW)
    expect(page.get_by_test_id(f"portal-status-{subscription_id}")).to_have_text("Active")
    expect(page.get_by_test_id(f"portal-method-{subscription_id}")).to_contain_text(
        "Mastercard ending in 4444"
    )
    invoices = page.get_by_role("table", name="Invoices and receipts")
    expect(invoices.get_by_role("cell", name="Paid", exact=True)).to_be_visible()
    context.close()

    [first] = periods_of(app, subscription_id)
    assert first.status is PeriodStatus.PAID and first.attempts == 2
    merchant_page = werkstatt.merchant.get(
        f"{werkstatt.base_url}/panel/subscriptions/{subscription_id}", timeout=10
    ).text
    assert "Mastercard ending in 4444" in merchant_page
    periods = merchant_page.split('id="periods-heading"')[1]
    assert "<td>Paid</td>" in periods
    assert run_billing_task(app).charged == []  # nothing left to charge
