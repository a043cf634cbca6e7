"""Subscriptions billed by Kassa (issue 16): against the Stripe sandbox as a real HTTP server,
the database and a real SMTP server, the hourly billing task run as the consumer runs it while
the scheduler's clock is moved forward.

A buyer pays a monthly link by card: the subscription starts with period 0 paid and the card
saved. A month later the period is charged once with a numbered invoice and its receipt (PDF).
The task run twice, or by two consumers at once (on PostgreSQL: ``KASSA_TEST_DATABASE_URL``),
charges nothing twice. A soft decline is retried on the dunning days and then succeeds; a hard
decline is not retried and the customer is asked at once for a new method. A SEPA yearly
subscription is noticed 14 days ahead and its debit settles. Pause and resume, cancel at the
period's end, and a trial that starts as scheduled and is charged at its end.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalog.models import Price
from app.core.clock import aware
from app.data.clock import scheduler_now
from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.off_session import invoice_checkout
from app.links.models import PaymentLink, PaymentLinkLine
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus
from app.payments.service import (
    METADATA_CHECKOUT,
    METADATA_DOCUMENT_ID,
    METADATA_DOCUMENT_TYPE,
    METADATA_MERCHANT,
)
from app.processors.access import connected_gateway
from app.processors.gateway import OffSessionCharge, PaymentGateway
from app.settings.service import account_currencies
from app.subscriptions import billing, service
from app.subscriptions.billing import run_billing
from app.subscriptions.models import (
    PeriodStatus,
    Subscription,
    SubscriptionDelivery,
    SubscriptionPeriod,
    SubscriptionStatus,
)
from app.subscriptions.owner_digest import send_digests
from tests.integration.test_invoice_core import in_threads
from tests.integration.test_invoice_pdfs import pdf_text
from tests.integration.test_payments import record
from tests.integration.test_quote_payments import accepted_quote, press_pay
from tests.support.accounts import post_form
from tests.support.invoice_buyers import invoicing_merchant, pay
from tests.support.link_buyers import start_checkout
from tests.support.mailbox import Mailbox
from tests.support.payments import MANDATE_DATA, merchant_id
from tests.support.quotes import save_method_as_browser, setup_secret_of
from tests.support.schedules import advance_clock, stripe_of
from tests.support.settings import add_currency
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox
from tests.support.subscriptions import (
    BUYER,
    add_link,
    add_product,
    events_of,
    invoice_of,
    method_outcome,
    payments_of_invoice,
    periods_of,
    run_billing_task,
    subscribe,
    subscription_charges,
    subscriptions_of,
    the_subscription,
)


@pytest.fixture
def merchant(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> SandboxAccount:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    return account


def monthly_subscriber(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount,
    **product: str,
) -> Subscription:  # fmt: skip
    slug = add_link(client, app, add_product(client, **product))
    _buyer, _page, body = subscribe(app, stripe_sandbox, merchant, slug)
    assert "Thank you, your payment went through" in body, body
    return the_subscription(app)


OWNER = "owner@example.com"


def declining_subscriber(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount,
    decline_code: str,
) -> Subscription:  # fmt: skip
    """A monthly subscriber whose card declines from now on (``decline_code``), on the day
    their period 1 is due."""
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    method_outcome(
        stripe_sandbox, subscription.payment_method_id,
        code="card_declined", decline_code=decline_code,
    )  # fmt: skip
    to_day(app, subscription.period_start(1))
    return subscription


def to_day(app: Flask, day: date) -> None:
    """Move the scheduler's clock to ``day`` (from the real today)."""
    advance_clock(app, (day - date.today()).days)


def test_a_recurring_link_paid_by_card_starts_a_subscription_billed_each_month(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    today = date.today()
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.period_amount == 2000 and subscription.currency == "EUR"
    assert subscription.payment_method_type == "card" and subscription.payment_method_id
    assert subscription.processor_customer_id.startswith("cus_")
    assert subscription.payment_method_details["last4"] == "4242"
    [first] = subscription.periods
    assert first.status is PeriodStatus.PAID and first.starts_on == today
    second_start = subscription.period_start(1)
    assert subscription.next_charge_on == second_start
    assert subscription.current_period_end == second_start - timedelta(days=1)
    assert [line.description for line in subscription.lines] == ["Coffee club"]
    mailbox.clear()

    assert run_billing_task(app).charged == []  # nothing due for a month
    to_day(app, second_start - timedelta(days=1))
    assert run_billing_task(app).charged == []
    advance_clock(app, 1)
    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.charged == [second.id] and second.status is PeriodStatus.PAID
    invoice = invoice_of(app, second.invoice_id)
    assert invoice.number and invoice.total == 2000 and invoice.status is InvoiceStatus.PAID
    [payment] = payments_of_invoice(app, second.invoice_id)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.amount == 2000
    receipt = mailbox.wait_for(BUYER, subject=invoice.number or "")
    [pdf] = [p for p in receipt.message.walk() if p.get_content_type() == "application/pdf"]
    assert "Coffee club" in pdf_text(pdf.get_payload(decode=True))
    # The customer's receipt is the renewal's only email: the owners get none for each one.
    assert [m.subject for m in mailbox.messages() if BUYER not in m.to] == []
    renewed = the_subscription(app)
    assert renewed.current_period == 1 and renewed.next_charge_on == renewed.period_start(2)

    assert run_billing_task(app).charged == []  # a rerun charges nothing
    assert len(subscription_charges(stripe_sandbox, merchant)) == 1
    kinds = [event.kind for event in events_of(app, subscription.id)]
    assert kinds == ["started", "invoiced", "paid"]


def test_two_consumers_and_a_rerun_charge_a_period_once(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    to_day(app, subscription.period_start(1))

    def consumer(_n: int) -> list[int]:
        with app.app_context():
            try:
                return run_billing(db.session).charged
            finally:
                db.session.remove()

    results = in_threads(2, consumer)
    second = periods_of(app, subscription.id)[1]
    assert sorted(results, key=len) == [[], [second.id]], results  # type: ignore[arg-type]
    assert run_billing_task(app).charged == []
    assert len(subscription_charges(stripe_sandbox, merchant)) == 1
    assert second.status is PeriodStatus.PAID and second.attempts == 1
    assert len(payments_of_invoice(app, second.invoice_id)) == 1


def test_a_soft_decline_is_retried_on_the_dunning_days_and_then_succeeds(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = declining_subscriber(client, app, stripe_sandbox, merchant, "insufficient_funds")
    due = subscription.period_start(1)
    mailbox.clear()

    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.failed == [second.id] and second.status is PeriodStatus.FAILED
    assert (
        second.retry_on == due + timedelta(days=1) and second.decline_code == "insufficient_funds"
    )
    assert the_subscription(app).status is SubscriptionStatus.PAST_DUE
    failed = mailbox.wait_for(BUYER, subject="we will try again")
    assert "€20.00" in failed.text and "Visa •••• 4242" in failed.text

    assert run_billing_task(app).charged == []  # not before its day
    advance_clock(app, 1)  # day 1: retried, declined again; next on day 3
    assert run_billing_task(app).failed == [second.id]
    assert periods_of(app, subscription.id)[1].retry_on == due + timedelta(days=3)
    method_outcome(stripe_sandbox, subscription.payment_method_id, "succeed")
    advance_clock(app, 2)  # day 3: it goes through
    assert run_billing_task(app).charged == [second.id]
    paid = periods_of(app, subscription.id)[1]
    assert paid.status is PeriodStatus.PAID and paid.attempts == 3
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE
    keys = subscription_charges(stripe_sandbox, merchant)
    assert len(keys) == 3 and len(set(keys)) == 3 and keys[1].endswith(":attempt:2")
    assert keys[0].split(":")[2:] == ["subscription", str(subscription.id), "period", "1"]
    failures = [e.detail for e in events_of(app, subscription.id) if e.kind == "payment_failed"]
    assert [(f["attempt"], f["reason"]) for f in failures] == [
        (1, "soft_decline"),
        (2, "soft_decline"),
    ]
    assert len(payments_of_invoice(app, paid.invoice_id)) == 3  # one invoice, three tries


def test_a_hard_decline_asks_for_a_new_method_at_once_and_is_not_retried(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = declining_subscriber(client, app, stripe_sandbox, merchant, "stolen_card")
    mailbox.clear()

    assert len(run_billing_task(app).failed) == 1
    second = periods_of(app, subscription.id)[1]
    assert second.status is PeriodStatus.FAILED and second.retry_on is None
    asked = mailbox.wait_for(BUYER, subject="please set a new payment method")
    assert "€20.00" in asked.text and "/portal/ask/" in asked.text  # to set a new method
    past_due = the_subscription(app)
    assert past_due.status is SubscriptionStatus.PAST_DUE and past_due.needs_new_method
    [failure] = [e.detail for e in events_of(app, subscription.id) if e.kind == "payment_failed"]
    assert failure["reason"] == "hard_decline" and failure["code"] == "stolen_card"
    dashboard = client.get("/panel/").get_data(as_text=True)  # the merchant sees it there
    assert "1 past-due customer was asked for a new payment method." in dashboard
    assert "/panel/subscriptions/?status=past_due" in dashboard

    for _day in range(8):  # never retried on that card
        advance_clock(app, 1)
        run = run_billing_task(app)
        assert run.charged == [] and run.failed == []
    assert len(subscription_charges(stripe_sandbox, merchant)) == 1


def test_the_owners_get_one_email_a_day_of_the_charges_that_failed_the_day_before(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = declining_subscriber(client, app, stripe_sandbox, merchant, "insufficient_funds")
    assert len(run_billing_task(app).failed) == 1
    mailbox.clear()
    [failed] = [e for e in events_of(app, subscription.id) if e.kind == "payment_failed"]
    failed_at = aware(failed.created_at)
    tomorrow = failed_at + timedelta(days=1)
    with app.app_context():
        assert send_digests(db.session, failed_at) == 0  # the day it failed is not over
        assert send_digests(db.session, tomorrow) == 1
        assert send_digests(db.session, tomorrow) == 0  # once a day, however often it runs
        assert send_digests(db.session, tomorrow + timedelta(days=1)) == 0  # nothing failed
    digest = mailbox.wait_for(OWNER, subject="1 subscription charge failed on")
    assert "Grace Hopper, €20.00: will be tried again on" in digest.text, digest.text
    assert "/panel/subscriptions/?status=past_due" in digest.text
    assert len(mailbox.messages(OWNER)) == 1


def test_a_yearly_sepa_subscription_is_noticed_14_days_ahead_and_its_debit_settles(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    product = add_product(client, name="Annual membership", amount="120.00", interval="year")
    slug = add_link(client, app, product)
    subscribe(app, stripe_sandbox, merchant, slug, "sepa_debit")
    subscription = the_subscription(app)
    assert subscription.payment_method_type == "sepa_debit"
    assert subscription.payment_mandate_id.startswith("mandate_")  # the checkout's mandate
    assert subscription.periods[0].status is PeriodStatus.PROCESSING  # the first debit clears
    # The account signs another mandate later: the charges must still name the one given here.
    newer = stripe_of(stripe_sandbox, merchant).v1.setup_intents.create(
        params={
            "customer": subscription.processor_customer_id,
            "payment_method": subscription.payment_method_id,
            "payment_method_types": ["sepa_debit"],
            "usage": "off_session",
            "confirm": True,
            "mandate_data": MANDATE_DATA,
        }
    )
    assert newer.mandate and newer.mandate != subscription.payment_mandate_id
    stripe_sandbox.control("POST", "/_sandbox/advance")
    record(app, merchant_id(app), payments_of_checkout_intent(app, subscription))
    assert periods_of(app, subscription.id)[0].status is PeriodStatus.PAID
    due = subscription.period_start(1)
    mailbox.clear()

    to_day(app, due - timedelta(days=15))
    assert run_billing_task(app).notified == []
    advance_clock(app, 1)  # 14 days ahead: the scheme's notice (and the yearly reminder)
    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.notified == [second.id] and run.charged == []
    notice = mailbox.wait_for(BUYER, subject="will charge €120.00")
    assert "SEPA Direct Debit •••• 3000" in notice.text, notice.text
    assert run_billing_task(app).notified == []  # once

    advance_clock(app, 13)
    assert run_billing_task(app).charged == []  # the notice has not run yet
    advance_clock(app, 1)
    assert run_billing_task(app).charged == [second.id]
    charged = periods_of(app, subscription.id)[1]
    assert charged.status is PeriodStatus.PROCESSING  # the debit is clearing
    assert the_subscription(app).current_period == 0
    [payment] = payments_of_invoice(app, charged.invoice_id)
    assert payment.status is PaymentStatus.PROCESSING
    assert payment.mandate_id == subscription.payment_mandate_id

    stripe_sandbox.control("POST", "/_sandbox/advance")
    record(app, merchant_id(app), payment.intent_id)
    assert periods_of(app, subscription.id)[1].status is PeriodStatus.PAID
    settled = the_subscription(app)
    assert settled.current_period == 1 and settled.next_charge_on == settled.period_start(2)
    assert invoice_of(app, charged.invoice_id).status is InvoiceStatus.PAID


def payments_of_checkout_intent(app: Flask, subscription: Subscription) -> str:
    """The intent of the checkout payment that paid period 0."""
    with app.app_context():
        payment = db.session.get_one(Payment, subscription.periods[0].payment_id)
        return payment.intent_id


def test_pause_skips_charges_and_resume_bills_again(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    today = date.today()
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        service.pause(db.session, row, until=None, today=today)
        db.session.commit()
    to_day(app, subscription.period_start(2) + timedelta(days=3))
    assert run_billing_task(app).charged == []  # periods 1 and 2 passed while paused
    assert the_subscription(app).status is SubscriptionStatus.PAUSED

    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        service.resume(db.session, row, today=subscription.period_start(2) + timedelta(days=3))
        db.session.commit()
    resumed = the_subscription(app)
    assert resumed.status is SubscriptionStatus.ACTIVE and resumed.next_period == 3
    assert run_billing_task(app).charged == []
    to_day(app, resumed.period_start(3))
    run = run_billing_task(app)
    assert len(run.charged) == 1
    assert [
        p.number for p in periods_of(app, subscription.id) if p.status is PeriodStatus.PAID
    ] == [
        0,
        3,
    ]
    kinds = [event.kind for event in events_of(app, subscription.id)]
    assert "paused" in kinds and "resumed" in kinds


def test_a_pause_until_a_date_resumes_by_itself(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    until = subscription.period_start(1) + timedelta(days=10)
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        service.pause(db.session, row, until=until, today=date.today())
        db.session.commit()
    to_day(app, until)
    assert run_billing_task(app).charged == []
    resumed = the_subscription(app)
    assert resumed.status is SubscriptionStatus.ACTIVE and resumed.next_period == 2


def test_cancel_at_period_end_charges_nothing_more_and_ends_with_the_period(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        service.cancel_at_period_end(db.session, row, reason="Too much coffee", by="customer")
        db.session.commit()
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE  # the paid month runs on
    to_day(app, subscription.period_start(1) - timedelta(days=1))
    assert run_billing_task(app).ended == []
    advance_clock(app, 1)
    run = run_billing_task(app)
    assert run.ended == [subscription.id] and run.charged == []
    ended = the_subscription(app)
    assert ended.status is SubscriptionStatus.CANCELED and ended.canceled_by == "customer"
    assert ended.cancel_reason == "Too much coffee" and ended.next_charge_on is None
    advance_clock(app, 40)
    assert run_billing_task(app).charged == []
    assert subscription_charges(stripe_sandbox, merchant) == []


def test_a_trial_starts_as_scheduled_and_is_charged_when_it_ends(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    trial = add_product(client, name="Coffee club", trial_days="14")
    setup_fee = add_product(client, name="Welcome box", amount="5.00", interval="")
    slug = add_link(client, app, setup_fee)
    add_line(client, app, slug, trial)
    _buyer, _page, body = subscribe(app, stripe_sandbox, merchant, slug)
    assert "Thank you, your payment went through" in body, body
    subscription = the_subscription(app)
    assert subscription.status is SubscriptionStatus.SCHEDULED
    assert subscription.anchor_on == date.today() + timedelta(days=14)
    assert subscription.periods == [] and subscription.next_charge_on == subscription.anchor_on

    to_day(app, subscription.anchor_on - timedelta(days=1))
    assert run_billing_task(app).charged == []
    advance_clock(app, 1)
    run = run_billing_task(app)
    [first] = periods_of(app, subscription.id)
    assert run.charged == [first.id] and first.status is PeriodStatus.PAID
    started = the_subscription(app)
    assert started.status is SubscriptionStatus.ACTIVE and started.current_period == 0
    assert started.next_charge_on == started.period_start(1)
    assert invoice_of(app, first.invoice_id).total == 2000


def add_line(client: FlaskClient, app: Flask, slug: str, product_id: int) -> None:
    """A second line on the link (the trial product beside the setup fee)."""
    with app.app_context():
        link = db.session.scalars(db.select(PaymentLink).where(PaymentLink.slug == slug)).one()
        db.session.add(
            PaymentLinkLine(
                merchant_id=link.merchant_id, link_id=link.id, product_id=product_id,
                quantity=1, min_quantity=1, max_quantity=1,
            )
        )  # fmt: skip
        db.session.commit()


def test_the_first_subscription_is_recorded_once_whoever_records_the_payment(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    record(app, merchant_id(app), payments_of_checkout_intent(app, subscription))
    assert len(subscriptions_of(app)) == 1


def test_of_two_consumers_that_both_read_a_period_as_due_one_claims_it(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    """The race the threads above may or may not meet, made certain: both consumers read the
    period notified (due), then each claims it; the guarded UPDATE lets one through."""
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    to_day(app, subscription.period_start(1))
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        period = billing.period_row(db.session, row, 1)
        now = scheduler_now(db.session)
        notice = billing.notice_of(row, service.billing_settings(db.session, row.merchant_id))
        billing.notify(db.session, row, period, now, notice)
        db.session.commit()
        period_id = period.id
    with app.app_context(), Session(db.engine) as first, Session(db.engine) as second:
        read_first = first.get_one(SubscriptionPeriod, period_id)
        read_second = second.get_one(SubscriptionPeriod, period_id)
        assert read_first.status is read_second.status is PeriodStatus.NOTIFIED
        assert billing.claim(first, read_first, now)
        first.commit()
        assert not billing.claim(second, read_second, now)
        second.commit()
    [claimed] = [p for p in periods_of(app, subscription.id) if p.number == 1]
    assert claimed.status is PeriodStatus.PROCESSING and claimed.attempts == 1


def test_a_paid_quotes_recurring_line_becomes_a_subscription_once_and_renews(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer)
    pay(app, stripe_sandbox, merchant, buyer, press_pay(buyer, token))
    assert subscriptions_of(app) == []  # the billing task starts it

    run_billing_task(app)
    subscription = the_subscription(app)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.source_reference.startswith("quote-line:")
    assert subscription.period_amount == 10000 and subscription.payment_method_type == "card"
    assert subscription.payment_method_id and subscription.processor_customer_id
    run_billing_task(app)
    assert len(subscriptions_of(app)) == 1  # once

    to_day(app, subscription.anchor_on)
    run = run_billing_task(app)
    [first] = periods_of(app, subscription.id)
    assert run.charged == [first.id] and first.status is PeriodStatus.PAID
    assert invoice_of(app, first.invoice_id).total == 10000
    assert [event.kind for event in events_of(app, subscription.id)][:2] == [
        "scheduled",
        "from_quote",
    ]
    assert quote_id


def test_a_new_method_after_a_hard_decline_charges_the_past_due_period_at_once(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    method_outcome(
        stripe_sandbox, subscription.payment_method_id,
        code="expired_card", decline_code="expired_card",
    )  # fmt: skip
    to_day(app, subscription.period_start(1))
    assert len(run_billing_task(app).failed) == 1
    assert run_billing_task(app).charged == []  # not again on the same card

    client_stripe = stripe_of(stripe_sandbox, merchant)
    card = client_stripe.v1.payment_methods.attach(
        "pm_card_mastercard", params={"customer": subscription.processor_customer_id}
    )
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        new_method = service.MethodSpec(
            card.id, "card", {"type": "card", "brand": "mastercard", "last4": "4444"},
            subscription.processor_customer_id,
        )  # fmt: skip
        assert service.replace_payment_method(db.session, row, new_method)
        assert not service.replace_payment_method(db.session, row, new_method)  # a replay
        db.session.commit()
        run = billing.bill_subscription(db.session, subscription.id)
        db.session.remove()
    second = periods_of(app, subscription.id)[1]
    assert run.charged == [second.id] and second.status is PeriodStatus.PAID
    assert second.attempts == 2 and second.failed_method_id == subscription.payment_method_id
    recovered = the_subscription(app)
    assert recovered.status is SubscriptionStatus.ACTIVE and not recovered.needs_new_method
    assert recovered.payment_method_details["last4"] == "4444"


def test_a_trial_with_nothing_due_now_saves_the_card_by_setup_intent_and_charges_at_its_end(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    slug = add_link(client, app, add_product(client, name="Coffee club", trial_days="30"))
    buyer = app.test_client()
    page = start_checkout(buyer, slug)
    saved = post_form(buyer, page, page + "/details", {"email": BUYER, "name": "Grace Hopper"})
    assert saved.status_code == 302
    step = buyer.get(page + "/pay").get_data(as_text=True)
    assert "Nothing is charged now" in step
    secret = setup_secret_of(step)
    again = setup_secret_of(buyer.get(page + "/pay").get_data(as_text=True))
    assert again == secret  # one SetupIntent for the checkout
    assert save_method_as_browser(
        stripe_sandbox, merchant, secret, payment_method="pm_card_visa"
    )["status"] == "succeeded"  # fmt: skip

    back = buyer.get(f"{page}/setup/return?setup_intent={secret.split('_secret_')[0]}")
    body = back.get_data(as_text=True)
    assert back.status_code == 200 and "Your subscription has started" in body, body
    assert "Nothing was charged today" in body
    subscription = the_subscription(app)
    assert subscription.status is SubscriptionStatus.SCHEDULED and subscription.periods == []
    assert subscription.anchor_on == date.today() + timedelta(days=30)
    assert subscription.payment_method_id and subscription.payment_method_type == "card"
    assert subscription.processor_customer_id.startswith("cus_")
    assert buyer.get(f"{page}/setup/return").status_code == 200  # a reload starts nothing more
    assert len(subscriptions_of(app)) == 1
    with app.app_context():
        assert db.session.scalars(db.select(Payment)).all() == []  # nothing was charged

    to_day(app, subscription.anchor_on)
    run = run_billing_task(app)
    [first] = periods_of(app, subscription.id)
    assert run.charged == [first.id] and first.status is PeriodStatus.PAID
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE


def test_the_merchants_plan_decides_the_retries_and_the_last_try_cancels(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    page = "/panel/subscriptions/settings"
    assert "1, 3, 5, 7" in client.get(page).get_data(as_text=True)
    saved = post_form(client, page, page, {
        "card_retry_days": "2", "retry_bank_debits": "y", "after_last_try": "cancel",
        "reminder_week": "0", "reminder_month": "0", "reminder_quarter": "0",
        "reminder_year": "14", "customers_may_cancel": "y", "customers_may_pause": "",
    })  # fmt: skip
    assert saved.status_code == 302, saved.get_data(as_text=True)
    subscription = declining_subscriber(client, app, stripe_sandbox, merchant, "insufficient_funds")
    due = subscription.period_start(1)
    mailbox.clear()
    assert len(run_billing_task(app).failed) == 1
    assert periods_of(app, subscription.id)[1].retry_on == due + timedelta(days=2)
    advance_clock(app, 2)
    assert len(run_billing_task(app).failed) == 1  # the last try
    ended = the_subscription(app)
    assert ended.status is SubscriptionStatus.CANCELED and ended.canceled_by == "kassa"
    assert periods_of(app, subscription.id)[1].status is PeriodStatus.UNCOLLECTIBLE
    mailbox.wait_for(BUYER, subject="Your subscription was canceled")
    advance_clock(app, 40)
    assert run_billing_task(app).failed == []
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2


def test_the_revenue_report_shows_the_monthly_recurring_revenue(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    monthly_subscriber(client, app, stripe_sandbox, merchant)
    yearly = add_link(client, app, add_product(client, "Annual", "120.00", interval="year"))
    subscribe(app, stripe_sandbox, merchant, yearly)
    today = date.today()
    body = client.get(f"/panel/reports/?period=week&start={today}&end={today}").get_data(
        as_text=True
    )
    section = body.split('id="subscriptions"', 1)[1].split("</section>", 1)[0]
    cells = re.findall(r'<td class="num">(.*?)</td>', section)
    assert cells == ["€30.00", "2", "2", "0"], section  # 20 a month + 120 a year / 12


def test_the_clock_command_moves_the_schedulers_clock_and_bills(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    days = (subscription.period_start(1) - date.today()).days
    result = app.test_cli_runner().invoke(
        args=["kassa", "advance-clock", "--days", str(days), "--bill"]
    )
    assert result.exit_code == 0, result.output
    assert "charged 1" in result.output
    assert periods_of(app, subscription.id)[1].status is PeriodStatus.PAID
    backwards = app.test_cli_runner().invoke(args=["kassa", "advance-clock", "--days", "-1"])
    assert backwards.exit_code != 0


def test_a_run_that_crashed_after_asking_stripe_is_finished_under_the_same_key(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    """The claim was committed and Stripe charged, then the process died before recording:
    the period stays processing without an intent; a later run asks again under the same key,
    and Stripe answers with the charge it made: one charge, recorded once."""
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    to_day(app, subscription.period_start(1))
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        period = billing.period_row(db.session, row, 1)
        now = scheduler_now(db.session)
        notice = billing.notice_of(row, service.billing_settings(db.session, row.merchant_id))
        billing.notify(db.session, row, period, now, notice)
        assert billing.claim(db.session, period, now)
        db.session.commit()
        invoice = billing.period_invoice(db.session, row, period, now.date())
        db.session.commit()
        gateway = connected_gateway(db.session, row.merchant_id)
        crashed = charge_invoice_intent(db.session, row, period, invoice, gateway)
        db.session.rollback()  # the process died: nothing of the answer was kept
    assert run_billing_task(app).charged == []  # too soon: it may still be on its way
    advance_clock(app, 1)
    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.charged == [second.id] and second.status is PeriodStatus.PAID
    assert second.intent_id == crashed and second.attempts == 1
    keys = subscription_charges(stripe_sandbox, merchant)
    assert len(keys) == 2 and len(set(keys)) == 1  # asked twice, under one key: one charge
    [payment] = payments_of_invoice(app, second.invoice_id)
    assert payment.intent_id == crashed and payment.status is PaymentStatus.SUCCEEDED


def charge_invoice_intent(
    session: Session, subscription: Subscription, period: SubscriptionPeriod, invoice: Invoice,
    gateway: PaymentGateway,
) -> str:  # fmt: skip
    """What the run sends Stripe for the period (its checkout, amount, method and key)."""
    checkout = invoice_checkout(session, invoice, subscription.locale, "card")
    session.commit()
    intent = gateway.charge_off_session(
        OffSessionCharge(
            amount=subscription.money(invoice.payable),
            customer=subscription.processor_customer_id,
            payment_method=subscription.payment_method_id,
            method_type="card",
            metadata={
                METADATA_MERCHANT: subscription.merchant.public_id,
                METADATA_CHECKOUT: checkout.public_id,
                METADATA_DOCUMENT_TYPE: checkout.document_type,
                METADATA_DOCUMENT_ID: checkout.document_id,
                billing.METADATA_SUBSCRIPTION: str(subscription.id),
                billing.METADATA_PERIOD: str(period.number),
            },
            description=invoice.lines[0].description,
        ),
        billing.charge_key(session, subscription, period),
    )
    return intent.id


def test_a_subscribers_export_holds_the_subscription_and_erasure_leaves_no_email(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    method_outcome(stripe_sandbox, subscription.payment_method_id, decline_code="do_not_honor")
    to_day(app, subscription.period_start(1))
    run_billing_task(app)  # a failure email went to the buyer
    mailbox.wait_for(BUYER, subject="we will try again")
    page = f"/panel/customers/{subscription.customer_id}"
    exported = post_form(client, page, f"{page}/export", {}).get_data(as_text=True)
    [kept] = json.loads(exported)["subscriptions"]
    assert kept["subscription_id"] == subscription.id and kept["amount_per_period"] == 2000
    assert [email["recipient"] for email in kept["emails"]] == [BUYER]

    erased = post_form(client, f"{page}/erase", f"{page}/erase", {"confirm": "y"})
    assert erased.status_code == 302
    with app.app_context():
        recipients = db.session.scalars(db.select(SubscriptionDelivery.recipient)).all()
        assert recipients == [""]
    assert the_subscription(app).period_amount == 2000  # the accounts stay


def test_a_currency_the_merchant_stops_selling_in_still_bills_the_subscriptions_sold_in_it(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    """A buyer subscribed in USD; the merchant then prices the product in EUR only and removes
    USD from the account's currencies (new sales). The subscription was agreed in USD: its
    next period is still invoiced and charged in USD."""
    assert add_currency(client, "USD").status_code == 302
    product = add_product(client, currency="USD", amount="15.00")
    slug = add_link(client, app, product, currency="USD")
    _buyer, _page, body = subscribe(app, stripe_sandbox, merchant, slug)
    assert "Thank you, your payment went through" in body, body
    subscription = the_subscription(app)
    assert subscription.currency == "USD"
    page = f"/panel/products/{product}"
    priced = post_form(client, page, f"{page}/prices", {"currency": "EUR", "amount": "14.00"})
    assert priced.status_code in (200, 302), priced.get_data(as_text=True)
    with app.app_context():
        [usd] = db.session.scalars(
            select(Price).where(Price.product_id == product, Price.currency == "USD")
        ).all()
        usd_id = usd.id
    removed = post_form(client, page, f"{page}/prices/{usd_id}/remove", {})
    assert removed.status_code in (200, 302), removed.get_data(as_text=True)
    currencies = "/panel/settings/currencies"
    post_form(client, currencies, f"{currencies}/remove", {"currency": "USD"})
    with app.app_context():
        merchant_row = db.session.get_one(Merchant, merchant_id(app))
        assert account_currencies(db.session, merchant_row) == ["EUR"]

    to_day(app, subscription.period_start(1))
    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.charged == [second.id] and second.status is PeriodStatus.PAID
    invoice = invoice_of(app, second.invoice_id)
    assert invoice.currency == "USD" and invoice.total == 1500


def test_a_method_the_merchant_stops_accepting_still_bills_the_subscriptions_saved_with_it(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    """Checkout settings govern new sales: a card saved for a subscription is still charged
    after the merchant takes only SEPA debits at checkout."""
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    page = "/panel/settings/checkout"
    sepa_only = {"payment_methods": ["sepa_debit"], "billing_address": "off",
                 "shipping_address": "off", "phone": "off"}  # fmt: skip
    taken = post_form(client, page, page, sepa_only)
    assert taken.status_code == 302, taken.get_data(as_text=True)
    to_day(app, subscription.period_start(1))
    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.charged == [second.id] and second.status is PeriodStatus.PAID
    [payment] = payments_of_invoice(app, second.invoice_id)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.rejection is None


def test_erasing_a_subscribers_data_cancels_the_subscription_and_charges_nothing_more(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    """An erased customer is never invoiced again, so their running subscription ends with
    the erasure (left running, it failed at every billing run); the merchant reads why."""
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    page = f"/panel/customers/{subscription.customer_id}"
    warned = client.get(f"{page}/erase").get_data(as_text=True)
    assert "still running are canceled today" in warned
    erased = post_form(client, f"{page}/erase", f"{page}/erase", {"confirm": "y"})
    assert erased.status_code == 302
    ended = the_subscription(app)
    assert ended.status is SubscriptionStatus.CANCELED and ended.next_charge_on is None
    to_day(app, subscription.period_start(1))
    run = run_billing_task(app)
    assert run.charged == run.failed == [] and subscription_charges(stripe_sandbox, merchant) == []
    assert [p.number for p in periods_of(app, subscription.id)] == [0]
    detail = client.get(f"/panel/subscriptions/{subscription.id}").get_data(as_text=True)
    assert "the customer&#39;s personal data was erased" in detail


def test_a_run_that_crashed_between_its_claim_and_stripe_charges_once_on_the_rerun(
    client: FlaskClient, app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    """The claim was committed, then the process died before Stripe was asked: the period
    stays processing without an intent; a run soon after leaves it (it may be on its way), a
    later one charges it under the period's key: one charge."""
    subscription = monthly_subscriber(client, app, stripe_sandbox, merchant)
    to_day(app, subscription.period_start(1))
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        period = billing.period_row(db.session, row, 1)
        now = scheduler_now(db.session)
        notice = billing.notice_of(row, service.billing_settings(db.session, row.merchant_id))
        billing.notify(db.session, row, period, now, notice)
        assert billing.claim(db.session, period, now)
        db.session.commit()
    assert subscription_charges(stripe_sandbox, merchant) == []
    assert run_billing_task(app).charged == []
    assert subscription_charges(stripe_sandbox, merchant) == []
    advance_clock(app, 1)
    run = run_billing_task(app)
    second = periods_of(app, subscription.id)[1]
    assert run.charged == [second.id] and second.status is PeriodStatus.PAID
    assert second.attempts == 1
    assert len(subscription_charges(stripe_sandbox, merchant)) == 1
    assert len(payments_of_invoice(app, second.invoice_id)) == 1
