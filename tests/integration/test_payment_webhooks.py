"""Webhooks end to end: the sandbox delivers signed events over HTTP to Kassa under gunicorn,
with the webhook endpoint registered by connecting Stripe through that same live server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
import stripe
from flask import Flask
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.money import Money
from app.extensions import db
from app.payments.models import Payment, PaymentStatus, WebhookEvent, WebhookOutcome
from app.payments.service import reconcile
from app.payments.webhooks import HANDLERS
from app.processors.connection import WEBHOOK_EVENTS
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    BILLING,
    MANDATE_DATA,
    balance_of,
    connect_through_live_server,
    event_kinds,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    payment_row,
    payments_of,
    refunds_of,
    sepa,
    wait_until,
)
from tests.support.servers import LiveServer
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

OWNER = "live-owner@example.com"


@pytest.fixture
def faults(stripe_sandbox: StripeSandbox) -> Iterator[StripeSandbox]:
    """Faults set by a test are cleared after it, so no other test meets them."""
    yield stripe_sandbox
    stripe_sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"drop_webhooks": False, "duplicate_webhooks": False, "shuffle_webhooks": False},
    )


@pytest.fixture
def live_account(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox
) -> tuple[SandboxAccount, int]:
    account = stripe_sandbox.create_account("DE", "eur", name="Live Shop")
    connect_through_live_server(live_server.url, account, OWNER)
    return account, merchant_id(app, OWNER)


def deliveries(sandbox: StripeSandbox, account: SandboxAccount) -> list[dict]:
    return sandbox.control("GET", f"/_sandbox/webhook_deliveries?account={account.id}")["data"]


def settled_deliveries(sandbox: StripeSandbox, account: SandboxAccount) -> list[dict] | None:
    """Every delivery of the account has its final outcome (none queued or retrying)."""
    listing = sandbox.control("GET", f"/_sandbox/webhook_deliveries?account={account.id}")
    final = [d for d in listing["data"] if d["outcome"] != "retrying"]
    return final if not listing.get("pending") and len(final) == len(listing["data"]) else None


def status_is(app: Flask, payment_id: int, status: PaymentStatus) -> Payment | None:
    payment = payment_row(app, payment_id)
    return payment if payment.status is status else None


def test_a_card_payment_is_recorded_from_the_delivered_webhook(
    app: Flask,
    live_account: tuple[SandboxAccount, int],
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    account, merchant = live_account
    checkout = open_checkout(app, merchant, Money(2500, "EUR"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")

    payment = wait_until(
        lambda: status_is(app, checkout.payment_id, PaymentStatus.SUCCEEDED), what="succeeded"
    )
    balance = balance_of(stripe_sandbox, account, checkout.intent.id)
    assert (payment.fee, payment.net) == (balance["fee"], balance["net"])
    assert mailbox.wait_for("buyer@example.com").subject == "Ditt kvitto från Live Shop AB"
    mailbox.wait_for(OWNER)

    final = wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")
    assert {d["outcome"] for d in final} == {"succeeded"}
    with app.app_context():
        stored = db.session.scalars(select(WebhookEvent)).all()
        assert {e.type for e in stored} >= {"payment_intent.succeeded", "charge.succeeded"}
        assert all(e.processed_at is not None for e in stored)
        outcomes = {e.type: e.outcome for e in stored}
    assert outcomes["payment_intent.succeeded"] is WebhookOutcome.APPLIED
    assert outcomes["charge.succeeded"] is WebhookOutcome.APPLIED  # re-read: nothing new


def test_a_bad_signature_is_refused_and_nothing_is_stored(
    app: Flask, live_account: tuple[SandboxAccount, int], live_server: LiveServer
) -> None:
    _account, merchant = live_account
    with app.app_context():
        from app.merchants.models import Merchant

        public_id = db.session.get(Merchant, merchant).public_id  # type: ignore[union-attr]
    body = json.dumps({"id": "evt_forged", "type": "payment_intent.succeeded", "data": {}})
    url = f"{live_server.url}/webhooks/stripe/{public_id}"
    forged = requests.post(
        url, data=body, headers={"Stripe-Signature": f"t={int(time.time())},v1=00ff"}, timeout=10
    )
    unsigned = requests.post(url, data=body, timeout=10)
    unknown = requests.post(f"{live_server.url}/webhooks/stripe/mer_nobody", data=body, timeout=10)
    assert (forged.status_code, unsigned.status_code, unknown.status_code) == (400, 400, 404)
    with app.app_context():
        assert db.session.scalars(select(WebhookEvent)).all() == []


def test_duplicated_and_shuffled_deliveries_leave_one_correct_payment(
    app: Flask,
    live_account: tuple[SandboxAccount, int],
    faults: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    account, merchant = live_account
    faults.control(
        "POST", "/_sandbox/faults", {"duplicate_webhooks": True, "shuffle_webhooks": True}
    )
    checkout = open_checkout(app, merchant, Money(4990, "EUR"), ("sepa_debit",))
    pay_as_buyer(faults, account, checkout.intent, **sepa("AT611904300234573201"))
    faults.control("POST", "/_sandbox/advance")

    wait_until(lambda: status_is(app, checkout.payment_id, PaymentStatus.SUCCEEDED), what="paid")
    final = wait_until(lambda: settled_deliveries(faults, account), what="deliveries")
    assert any(d["duplicate"] for d in final)

    (payment,) = payments_of(app)
    balance = balance_of(faults, account, checkout.intent.id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert (payment.fee, payment.net) == (balance["fee"], balance["net"])
    kinds = event_kinds(app, payment.id)
    assert kinds.count("fee_recorded") == 1
    assert kinds.count("status_changed") in (1, 2)  # processing may be skipped if read late
    receipts = [m for m in mailbox.messages("buyer@example.com") if "kvitto" in m.subject]
    assert len(receipts) == 1


def test_a_dropped_webhook_is_recovered_by_reconciliation(
    app: Flask,
    live_account: tuple[SandboxAccount, int],
    faults: StripeSandbox,
) -> None:
    account, merchant = live_account
    faults.control("POST", "/_sandbox/faults", {"drop_webhooks": True})
    checkout = open_checkout(app, merchant, Money(3000, "EUR"))
    pay_as_buyer(faults, account, checkout.intent, payment_method="pm_card_visa")
    final = wait_until(lambda: settled_deliveries(faults, account), what="deliveries")
    assert final and {d["outcome"] for d in final} == {"dropped"}
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.PENDING

    with app.app_context():
        later = utcnow() + timedelta(minutes=11)
        assert reconcile(db.session, later, timedelta(minutes=10)) == 1
        db.session.commit()
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.SUCCEEDED


def test_a_second_paid_intent_for_one_checkout_is_refunded_and_the_refund_recorded(
    app: Flask,
    live_account: tuple[SandboxAccount, int],
    stripe_sandbox: StripeSandbox,
) -> None:
    account, merchant = live_account
    first = open_checkout(app, merchant, Money(1500, "EUR"), reference="chk_double", version=1)
    second = open_checkout(app, merchant, Money(1500, "EUR"), reference="chk_double", version=2)
    pay_as_buyer(stripe_sandbox, account, first.intent, payment_method="pm_card_visa")
    wait_until(lambda: status_is(app, first.payment_id, PaymentStatus.SUCCEEDED), what="first")
    pay_as_buyer(stripe_sandbox, account, second.intent, payment_method="pm_card_visa")

    duplicate = wait_until(
        lambda: status_is(app, second.payment_id, PaymentStatus.REFUNDED), what="refunded"
    )
    assert duplicate.duplicate_of_id == first.payment_id
    assert duplicate.amount_refunded == 1500
    refunds = refunds_of(stripe_sandbox, account, second.intent.id)
    assert [(r.amount, r.reason) for r in refunds] == [(1500, "duplicate")]
    wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")
    assert event_kinds(app, duplicate.id).count("duplicate_refunded") == 1
    assert payment_row(app, first.payment_id).status is PaymentStatus.SUCCEEDED


def test_a_dispute_marks_the_payment_disputed(
    app: Flask,
    live_account: tuple[SandboxAccount, int],
    stripe_sandbox: StripeSandbox,
) -> None:
    account, merchant = live_account
    checkout = open_checkout(app, merchant, Money(2000, "EUR"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_createDispute")
    wait_until(lambda: status_is(app, checkout.payment_id, PaymentStatus.DISPUTED), what="dispute")
    wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")
    with app.app_context():
        types = set(db.session.scalars(select(WebhookEvent.type)))
    assert "charge.dispute.created" in types


def test_a_bacs_mandate_update_is_an_event_on_its_payment(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = stripe_sandbox.create_account("GB", "gbp", name="Live Shop")
    connect_through_live_server(live_server.url, account, OWNER)
    merchant = merchant_id(app, OWNER)
    checkout = open_checkout(app, merchant, Money(4000, "GBP"), ("bacs_debit",))
    bacs = {
        "type": "bacs_debit",
        "bacs_debit": {"sort_code": "108800", "account_number": "00012345"},
        "billing_details": BILLING,
    }
    pay_as_buyer(
        stripe_sandbox,
        account,
        checkout.intent,
        payment_method_data=bacs,
        mandate_data=MANDATE_DATA,
    )
    wait_until(lambda: status_is(app, checkout.payment_id, PaymentStatus.PROCESSING), what="debit")
    assert mailbox.wait_for("buyer@example.com").subject.startswith("Din betalning till")
    stripe_sandbox.control("POST", "/_sandbox/advance")

    wait_until(lambda: status_is(app, checkout.payment_id, PaymentStatus.SUCCEEDED), what="settled")
    wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")
    assert "mandate_updated" in event_kinds(app, checkout.payment_id)
    subjects = [m.subject for m in mailbox.messages("buyer@example.com")]
    assert subjects[-1] == "Ditt kvitto från Live Shop AB" and len(subjects) == 2


def test_every_subscribed_event_type_has_a_handler() -> None:
    assert set(WEBHOOK_EVENTS) <= set(HANDLERS)
    # A quote saving a method with nothing due (a SetupIntent) learns of it by these two; the
    # connect check's SetupIntent (canceled at once) sends neither.
    setups = {kind for kind in WEBHOOK_EVENTS if kind.startswith("setup_intent.")}
    assert setups == {"setup_intent.succeeded", "setup_intent.setup_failed"}


def only_deliver(sandbox: StripeSandbox, account: SandboxAccount, event_type: str) -> None:
    """The merchant's endpoint at Stripe now receives this one type of event, as if every
    other delivery were lost."""
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": sandbox.api_base}
    )
    (endpoint,) = merchant_stripe.v1.webhook_endpoints.list().data
    merchant_stripe.v1.webhook_endpoints.update(
        endpoint.id, params={"enabled_events": [event_type]}
    )


def stored_outcome(app: Flask, event_type: str) -> WebhookOutcome | None:
    with app.app_context():
        event = db.session.scalars(
            select(WebhookEvent).where(WebhookEvent.type == event_type)
        ).first()
        return event.outcome if event is not None and event.processed_at else None


@pytest.mark.parametrize(
    ("event_type", "method", "status"),
    [
        ("charge.succeeded", "pm_card_visa", PaymentStatus.SUCCEEDED),
        ("charge.failed", "pm_card_chargeDeclined", PaymentStatus.FAILED),
        ("payment_intent.requires_action", "pm_card_threeDSecure2Required", PaymentStatus.PENDING),
    ],
)
def test_one_delivered_charge_or_intent_event_alone_records_the_payment(
    app: Flask,
    live_account: tuple[SandboxAccount, int],
    stripe_sandbox: StripeSandbox,
    event_type: str,
    method: str,
    status: PaymentStatus,
) -> None:
    account, merchant = live_account
    only_deliver(stripe_sandbox, account, event_type)
    checkout = open_checkout(app, merchant, Money(2500, "EUR"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method=method)
    assert wait_until(lambda: stored_outcome(app, event_type), what=event_type) is (
        WebhookOutcome.APPLIED
    )
    payment = payment_row(app, checkout.payment_id)
    assert payment.status is status
    assert payment.method_type == "card"  # read from Stripe: the pending payment had no method


@pytest.fixture
def merchant_browser(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox
) -> tuple[SandboxAccount, int, requests.Session]:
    """A German account connected by its owner, who stays signed in on the live server."""
    account = stripe_sandbox.create_account("DE", "eur", name="Live Shop")
    browser = connect_through_live_server(live_server.url, account, OWNER)
    return account, merchant_id(app, OWNER), browser


def test_a_sepa_refund_that_fails_later_is_shown_and_undone(
    app: Flask,
    live_server: LiveServer,
    merchant_browser: tuple[SandboxAccount, int, requests.Session],
    stripe_sandbox: StripeSandbox,
) -> None:
    account, merchant, browser = merchant_browser
    checkout = open_checkout(app, merchant, Money(4990, "EUR"), ("sepa_debit",))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa("AT611904300234573201"))
    stripe_sandbox.control("POST", "/_sandbox/advance")
    wait_until(lambda: status_is(app, checkout.payment_id, PaymentStatus.SUCCEEDED), what="paid")

    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )  # the merchant refunds in Stripe's dashboard
    refund = merchant_stripe.v1.refunds.create(params={"payment_intent": checkout.intent.id})
    assert refund.status == "pending"
    refunded = wait_until(
        lambda: status_is(app, checkout.payment_id, PaymentStatus.REFUNDED), what="refunded"
    )
    assert refunded.amount_refunded == 4990

    failed = stripe_sandbox.control("POST", f"/_sandbox/refunds/{refund.id}/fail", {})
    assert (failed["status"], failed["failure_reason"]) == ("failed", "declined")
    payment = wait_until(
        lambda: status_is(app, checkout.payment_id, PaymentStatus.SUCCEEDED), what="undone"
    )
    assert payment.amount_refunded == 0
    wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")
    for event_type in ("refund.updated", "charge.refund.updated", "refund.failed"):
        assert stored_outcome(app, event_type) is WebhookOutcome.APPLIED
    kinds = event_kinds(app, payment.id)
    assert kinds.count("refund_failed") == 1
    assert kinds[-2:] == ["refund_failed", "status_changed"]

    page = browser.get(f"{live_server.url}/panel/payments/{payment.id}", timeout=10).text
    assert "Refund failed: the buyer did not get this money back" in page
    assert "returned to your Stripe balance" in page
    assert 'class="badge badge-succeeded"' in page
