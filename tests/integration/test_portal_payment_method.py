"""The customer portal's "Update payment method": after a hard decline the customer saves a new
card on the subscription's SetupIntent, and the past-due period is charged to it at once and
once, whoever arrives first (two tabs, the webhook, the return page). A SetupIntent of another
subscription, or one made outside Kassa, saves nothing; an expired visit reaches nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.checkout.setup import SetupOutcome
from app.core.clock import utcnow
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.service import record_setup_intent, setup_metadata
from app.portal.models import PortalLink
from app.processors.access import connected_gateway
from app.subscriptions import method_setup
from app.subscriptions.models import PeriodStatus, Subscription, SubscriptionStatus
from tests.integration.test_customer_portal import emailed_portal_link, open_portal
from tests.integration.test_invoice_core import in_threads
from tests.integration.test_quote_saved_methods import reconcile_setups_at
from tests.integration.test_subscription_billing import to_day
from tests.support.accounts import emailed_link, post_form
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.mailbox import Mailbox
from tests.support.payments import merchant_id
from tests.support.quotes import save_method_as_browser, setup_secret_of
from tests.support.schedules import advance_clock, stripe_of
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox
from tests.support.subscriptions import (
    BUYER,
    add_link,
    add_product,
    events_of,
    method_outcome,
    periods_of,
    run_billing_task,
    subscribe,
    subscription_charges,
    subscriptions_of,
    the_subscription,
)

PAST_DUE_NOTE = "The amount past due is charged to the new method as soon as it is saved."


@pytest.fixture
def merchant(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> SandboxAccount:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    return account


def subscribed(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount
) -> Subscription:
    slug = add_link(client, app, add_product(client))
    _buyer, _page, body = subscribe(app, stripe_sandbox, merchant, slug)
    assert "Thank you, your payment went through" in body, body
    return subscriptions_of(app)[-1]


def hard_declined(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount
) -> Subscription:
    """A monthly subscription whose second month the card's bank refused for good."""
    subscription = subscribed(client, app, stripe_sandbox, merchant)
    method_outcome(
        stripe_sandbox, subscription.payment_method_id,
        code="expired_card", decline_code="expired_card",
    )  # fmt: skip
    to_day(app, subscription.period_start(1))
    assert len(run_billing_task(app).failed) == 1
    past_due = the_subscription(app)
    assert past_due.status is SubscriptionStatus.PAST_DUE and past_due.needs_new_method
    return past_due


def method_page(customer: FlaskClient, subscription: Subscription) -> str:
    page = customer.get(f"/portal/subscriptions/{subscription.id}/method")
    assert page.status_code == 200, page.get_data(as_text=True)
    return page.get_data(as_text=True)


def as_webhook(app: Flask, merchant: SandboxAccount, setup_id: str) -> bool:
    """What ``setup_intent.succeeded`` does: the SetupIntent read again, handed to its document."""
    with app.app_context():
        owner = db.session.get_one(Merchant, merchant_id(app))
        setup = connected_gateway(db.session, owner.id).retrieve_setup_intent(setup_id)
        handled = record_setup_intent(db.session, owner, setup)
        db.session.commit()
        db.session.remove()
        return handled


def test_a_new_card_in_the_portal_charges_the_past_due_period_once(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = hard_declined(client, app, stripe_sandbox, merchant)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    portal = customer.get("/portal/").get_data(as_text=True)
    assert "The last charge failed." in portal and "Update payment method" in portal

    first_tab = method_page(customer, subscription)
    assert PAST_DUE_NOTE in first_tab and "Back to your subscriptions" in first_tab
    secret = setup_secret_of(first_tab)
    assert setup_secret_of(method_page(customer, subscription)) == secret  # a second tab: the same

    declined = save_method_as_browser(
        stripe_sandbox, merchant, secret, payment_method="pm_card_chargeDeclined"
    )
    assert "declined" in declined
    back = customer.get(f"/portal/subscriptions/{subscription.id}/method/return")
    assert back.headers["Location"].endswith(f"/portal/subscriptions/{subscription.id}/method")
    assert the_subscription(app).payment_method_id == subscription.payment_method_id

    saved = save_method_as_browser(
        stripe_sandbox, merchant, secret, payment_method="pm_card_mastercard"
    )
    assert saved["status"] == "succeeded"
    assert as_webhook(app, merchant, saved["id"])  # the webhook first: it saves the method
    for _tab in range(2):  # then both tabs' return pages
        returned = customer.get(
            f"/portal/subscriptions/{subscription.id}/method/return", follow_redirects=True
        )
        assert returned.request.path == "/portal/"
    assert as_webhook(app, merchant, saved["id"])  # a late replay changes nothing

    second = periods_of(app, subscription.id)[1]
    assert second.status is PeriodStatus.PAID and second.attempts == 2
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2  # the failed one, this one
    recovered = the_subscription(app)
    assert recovered.status is SubscriptionStatus.ACTIVE and not recovered.needs_new_method
    assert recovered.payment_method_details["last4"] == "4444"
    assert [e.kind for e in events_of(app, subscription.id)].count("method_updated") == 1

    shown = returned.get_data(as_text=True)
    assert "Your new payment method is saved." in shown
    assert f'data-testid="portal-status-{subscription.id}">Active' in shown
    assert "Mastercard ending in 4444" in shown and "The last charge failed." not in shown
    merchant_page = client.get(f"/panel/subscriptions/{subscription.id}").get_data(as_text=True)
    assert "Mastercard ending in 4444" in merchant_page
    assert run_billing_task(app).charged == []  # nothing left to charge


def test_another_subscriptions_or_a_forged_setup_intent_saves_nothing(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    mine = subscribed(client, app, stripe_sandbox, merchant)
    other = subscribed(client, app, stripe_sandbox, merchant)  # the same customer's second one
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, mine))
    method_page(customer, mine)
    others_secret = setup_secret_of(method_page(customer, other))
    others = save_method_as_browser(
        stripe_sandbox, merchant, others_secret, payment_method="pm_card_mastercard"
    )
    assert others["status"] == "succeeded"

    # The return page of mine, named with the other's SetupIntent: its own is read.
    returned = customer.get(
        f"/portal/subscriptions/{mine.id}/method/return?setup_intent={others['id']}"
    )
    assert returned.headers["Location"].endswith(f"/portal/subscriptions/{mine.id}/method")
    assert subscriptions_of(app)[0].payment_method_id == mine.payment_method_id

    # One made outside Kassa's page, with metadata naming mine.
    with app.app_context():
        owner = db.session.get_one(Merchant, merchant_id(app))
        forged_metadata = setup_metadata(
            owner, document_type="subscription", document_id=str(mine.id)
        )
    forged = stripe_of(stripe_sandbox, merchant).v1.setup_intents.create(
        params={
            "customer": mine.processor_customer_id,
            "payment_method": "pm_card_mastercard",
            "confirm": True,
            "metadata": forged_metadata,
        }
    )
    assert forged.status == "succeeded"
    assert not as_webhook(app, merchant, forged.id)
    assert as_webhook(app, merchant, others["id"])  # its own webhook saves it for the other
    mine_now, other_now = subscriptions_of(app)
    assert mine_now.payment_method_id == mine.payment_method_id
    assert other_now.payment_method_details["last4"] == "4444"


def test_an_expired_visit_or_someone_elses_subscription_reaches_no_method_page(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = subscribed(client, app, stripe_sandbox, merchant)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    assert customer.get("/portal/subscriptions/999999/method").status_code == 404
    assert customer.get("/portal/subscriptions/999999/method/return").status_code == 404
    method_page(customer, subscription)
    with app.app_context():  # the hour of the visit ran out
        db.session.execute(
            update(PortalLink).values(
                visit_expires_at=PortalLink.visit_expires_at - timedelta(hours=2)
            )
        )
        db.session.commit()
    for path in ("method", "method/return"):
        assert customer.get(f"/portal/subscriptions/{subscription.id}/{path}").status_code == 410
    assert (
        app.test_client().get(f"/portal/subscriptions/{subscription.id}/method").status_code == 410
    )


def test_two_return_pages_at_once_charge_the_past_due_period_once(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """The webhook was lost; two tabs come back from Stripe together (run on PostgreSQL too)."""
    subscription = hard_declined(client, app, stripe_sandbox, merchant)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    secret = setup_secret_of(method_page(customer, subscription))
    saved = save_method_as_browser(stripe_sandbox, merchant, secret, payment_method="pm_card_amex")
    assert saved["status"] == "succeeded"

    def return_page(_n: int) -> SetupOutcome:
        with app.app_context():
            try:
                row = db.session.get_one(Subscription, subscription.id)
                return method_setup.finish_method_setup(db.session, row)
            finally:
                db.session.remove()

    assert in_threads(2, return_page) == [SetupOutcome.SAVED, SetupOutcome.SAVED]
    second = periods_of(app, subscription.id)[1]
    assert second.status is PeriodStatus.PAID and second.attempts == 2
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2
    assert [e.kind for e in events_of(app, subscription.id)].count("method_updated") == 1
    assert the_subscription(app).payment_method_details["brand"] == "amex"


def test_reconciliation_saves_the_method_when_the_webhook_is_lost_and_the_customer_never_returns(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """The customer confirms and closes the tab; no webhook reaches this app. Reconciliation
    hands the SetupIntent over and the hourly run charges what is past due to the new card."""
    subscription = hard_declined(client, app, stripe_sandbox, merchant)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    secret = setup_secret_of(method_page(customer, subscription))
    saved = save_method_as_browser(stripe_sandbox, merchant, secret, payment_method="pm_card_amex")
    assert saved["status"] == "succeeded"

    assert reconcile_setups_at(app, utcnow()) == 0  # left to the webhook for 10 minutes
    assert periods_of(app, subscription.id)[1].status is PeriodStatus.FAILED
    assert reconcile_setups_at(app, utcnow() + timedelta(minutes=11)) == 1
    assert the_subscription(app).payment_method_details["brand"] == "amex"
    second = periods_of(app, subscription.id)[1]  # charged at once, not by the next hourly run
    assert second.status is PeriodStatus.PAID and second.attempts == 2
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE
    assert reconcile_setups_at(app, utcnow() + timedelta(minutes=30)) == 0  # nothing waits now
    assert run_billing_task(app).charged == []
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2


def test_the_webhook_alone_charges_the_past_due_period_at_once_and_once(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """The customer saves a card and closes the tab: the webhook saves it and the past-due
    period is charged after its commit (a rolled-back handling charges nothing); the return
    page reached late, a replay and the hourly run charge nothing more."""
    subscription = hard_declined(client, app, stripe_sandbox, merchant)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    secret = setup_secret_of(method_page(customer, subscription))
    saved = save_method_as_browser(
        stripe_sandbox, merchant, secret, payment_method="pm_card_mastercard"
    )
    assert saved["status"] == "succeeded"

    with app.app_context():  # a handling whose transaction rolls back queues nothing
        owner = db.session.get_one(Merchant, merchant_id(app))
        setup = connected_gateway(db.session, owner.id).retrieve_setup_intent(saved["id"])
        assert record_setup_intent(db.session, owner, setup)
        db.session.rollback()
        db.session.remove()
    assert periods_of(app, subscription.id)[1].status is PeriodStatus.FAILED
    assert len(subscription_charges(stripe_sandbox, merchant)) == 1

    assert as_webhook(app, merchant, saved["id"])
    second = periods_of(app, subscription.id)[1]
    assert second.status is PeriodStatus.PAID and second.attempts == 2
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE
    assert as_webhook(app, merchant, saved["id"])  # a replay
    returned = customer.get(
        f"/portal/subscriptions/{subscription.id}/method/return", follow_redirects=True
    )
    assert "Your new payment method is saved." in returned.get_data(as_text=True)
    assert run_billing_task(app).charged == []
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2
    assert [e.kind for e in events_of(app, subscription.id)].count("method_updated") == 1


def test_the_failure_email_leads_to_a_fresh_portal_link_however_late_it_is_read(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """The hard decline's email holds no one-time link (it would have expired by the time
    many read it) but the seller's "email me a link" page with the customer's address filled
    in; asked a day later, it sends a fresh link that opens the portal, where the new card
    pays what is past due. An address that is no customer's gets the same answer, no email."""
    mailbox.clear()
    subscription = hard_declined(client, app, stripe_sandbox, merchant)
    customer_email = BUYER
    ask = urlsplit(emailed_link(customer_email, "set a new payment method", "/portal/ask/"))
    assert parse_qs(ask.query)["email"] == [customer_email]
    advance_clock(app, 1)  # read the next day

    customer = app.test_client()
    page = customer.get(f"{ask.path}?{ask.query}")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert f'value="{customer_email}"' in shown and "Email me a link" in shown
    assert customer.get("/portal/ask/mer_nobody").status_code == 404

    stranger = post_form(customer, ask.path, ask.path, {"email": "nobody@example.com"})
    answer = stranger.get_data(as_text=True)
    assert stranger.status_code == 200 and "Check your email" in answer
    bad = post_form(customer, ask.path, ask.path, {"email": "not an address"})
    assert bad.status_code == 422 and 'value="not an address"' in bad.get_data(as_text=True)

    sent = post_form(customer, ask.path, ask.path, {"email": customer_email.upper()})
    assert sent.status_code == 200 and "Check your email" in sent.get_data(as_text=True)
    link = urlsplit(emailed_link(customer_email, path="/portal/open/"))
    opened = open_portal(customer, link.path)
    assert opened.headers["Location"].endswith("/portal/")
    assert not mailbox.messages("nobody@example.com")

    secret = setup_secret_of(method_page(customer, subscription))
    saved = save_method_as_browser(stripe_sandbox, merchant, secret, payment_method="pm_card_amex")
    assert saved["status"] == "succeeded"
    customer.get(f"/portal/subscriptions/{subscription.id}/method/return")
    assert periods_of(app, subscription.id)[1].status is PeriodStatus.PAID


def test_the_webhook_and_the_return_page_at_once_charge_the_past_due_period_once(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """The webhook's task and the customer's return page save and charge together (run on
    PostgreSQL too): one method update, one charge."""
    subscription = hard_declined(client, app, stripe_sandbox, merchant)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    secret = setup_secret_of(method_page(customer, subscription))
    saved = save_method_as_browser(stripe_sandbox, merchant, secret, payment_method="pm_card_amex")
    assert saved["status"] == "succeeded"

    def arrive(n: int) -> object:
        if n == 0:
            return as_webhook(app, merchant, saved["id"])
        with app.app_context():
            try:
                row = db.session.get_one(Subscription, subscription.id)
                return method_setup.finish_method_setup(db.session, row)
            finally:
                db.session.remove()

    assert in_threads(2, arrive) == [True, SetupOutcome.SAVED]
    second = periods_of(app, subscription.id)[1]
    assert second.status is PeriodStatus.PAID and second.attempts == 2
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2
    assert [e.kind for e in events_of(app, subscription.id)].count("method_updated") == 1


def test_a_swedish_customer_is_asked_for_a_new_method_in_swedish(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = subscribed(client, app, stripe_sandbox, merchant)
    with app.app_context():
        db.session.execute(
            update(Subscription).where(Subscription.id == subscription.id).values(locale="sv")
        )
        db.session.commit()
    method_outcome(
        stripe_sandbox, subscription.payment_method_id,
        code="card_declined", decline_code="lost_card",
    )  # fmt: skip
    to_day(app, subscription.period_start(1))
    mailbox.clear()
    assert len(run_billing_task(app).failed) == 1
    asked = mailbox.wait_for(BUYER, subject="ange ett nytt betalningssätt")
    assert "följ länken nedan" in asked.text and "/portal/ask/" in asked.text
    assert "Ange ett nytt betalningssätt" in asked.html  # the button
    ask = urlsplit(emailed_link(BUYER, "betalningssätt", "/portal/ask/"))
    page = (
        app.test_client()
        .get(f"{ask.path}?{ask.query}", headers={"Accept-Language": "sv"})
        .get_data(as_text=True)
    )
    assert "Mejla mig en länk" in page
