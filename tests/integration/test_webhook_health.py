"""Webhook health (issue 17): the events page lists what Stripe sent with its outcome and the
time it took, shows a failed event with its error and replays it (applied once: a replay of a
handled event changes nothing), counts deliveries refused for their signature, says what
reconciliation last did, and the panel warns when events stop while payments are processing.

The tests' app has no server at its public address, so the sandbox's deliveries never arrive:
each event here is posted as Stripe sends it, signed with the merchant's own secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.core.clock import utcnow
from app.core.money import Money
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import PaymentStatus, WebhookEvent
from app.payments.service import reconcile, refresh_from_stripe
from tests.integration.test_processor_connection import connect
from tests.integration.test_webhook_probes import endpoint_and_secret, paid_event, post_signed
from tests.support.accounts import post_form, sign_up
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    event_kinds,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    payment_row,
    sepa,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

EVENTS = "/panel/settings/payments/events"
Owner = tuple[FlaskClient, SandboxAccount, int]
DELAYED_IBAN = "AT321904300235473204"  # processing until the sandbox is told to settle


@pytest.fixture
def owner(
    app: Flask, stripe_sandbox: StripeSandbox
) -> Iterator[tuple[FlaskClient, SandboxAccount, int]]:
    """A merchant signed in and connected to its sandbox account; faults cleared after."""
    browser = app.test_client()
    sign_up(browser, email="owner@health.example", business_name="Health AB")
    account = stripe_sandbox.create_account("SE", "sek", name="Health AB")
    assert connect(browser, account).status_code == 302
    yield browser, account, merchant_id(app, "owner@health.example")
    stripe_sandbox.control("POST", "/_sandbox/faults", {"error_rate": 0})


def page_text(browser: FlaskClient, path: str = EVENTS) -> str:
    response = browser.get(path)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def replay(browser: FlaskClient, event_id: int) -> int:
    return post_form(browser, EVENTS, f"{EVENTS}/{event_id}/replay", {}).status_code


def read_from_stripe(app: Flask, merchant: int, intent_id: str) -> None:
    """What the return page does when the buyer comes back: the payment as Stripe has it."""
    with app.app_context():
        refresh_from_stripe(db.session, db.session.get_one(Merchant, merchant), intent_id)
        db.session.commit()


def stored_event(app: Flask) -> WebhookEvent:
    with app.app_context():
        event = db.session.scalars(select(WebhookEvent)).one()
        db.session.expunge(event)
        return event


def test_a_failed_event_is_shown_with_its_error_and_a_replay_applies_it_once(
    app: Flask, owner: Owner, stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:  # fmt: skip
    browser, account, merchant = owner
    checkout = open_checkout(app, merchant, Money(4200, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    url, secret = endpoint_and_secret(app, merchant)
    body = paid_event(stripe_sandbox, account, checkout.intent.id)

    stripe_sandbox.control("POST", "/_sandbox/faults", {"error_rate": 1})  # Stripe is failing
    assert post_signed(app.test_client(), url, body, secret)[0] == 503
    stripe_sandbox.control("POST", "/_sandbox/faults", {"error_rate": 0})
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.PENDING
    failed = stored_event(app)
    assert failed.error and failed.processed_at is None
    shown = page_text(browser)
    assert "payment_intent.succeeded" in shown and "Not applied yet" in shown
    assert "Failed: " in shown and "Failed (1)" in shown
    assert "payment_intent.succeeded" in page_text(browser, EVENTS + "?show=failures")

    assert replay(browser, failed.id) == 302
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.SUCCEEDED
    applied = stored_event(app)
    assert (applied.error, applied.outcome.value) == ("", "applied")
    assert applied.replayed_at is not None and applied.handling_ms is not None
    shown = page_text(browser)
    assert "Applied" in shown and "Replayed on" in shown and "Failed (0)" in shown
    assert "The event was read from Stripe again and applied." in shown

    history = event_kinds(app, checkout.payment_id)
    receipts = len(mailbox.messages("buyer@example.com"))
    assert replay(browser, failed.id) == 302  # again: nothing changes
    assert event_kinds(app, checkout.payment_id) == history
    assert len(mailbox.messages("buyer@example.com")) == receipts


def test_a_replay_while_stripe_fails_says_so_and_changes_nothing(
    app: Flask, owner: Owner, stripe_sandbox: StripeSandbox
) -> None:
    browser, account, merchant = owner
    checkout = open_checkout(app, merchant, Money(4200, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    url, secret = endpoint_and_secret(app, merchant)
    body = paid_event(stripe_sandbox, account, checkout.intent.id)
    stripe_sandbox.control("POST", "/_sandbox/faults", {"error_rate": 1})
    assert post_signed(app.test_client(), url, body, secret)[0] == 503

    refused = post_form(browser, EVENTS, f"{EVENTS}/{stored_event(app).id}/replay", {})
    assert refused.status_code == 422
    assert "Stripe could not be asked for this event now" in refused.get_data(as_text=True)
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.PENDING
    assert stored_event(app).processed_at is None


def test_deliveries_with_a_bad_signature_are_counted(app: Flask, owner: Owner) -> None:
    browser, _account, merchant = owner
    assert "0 deliveries were refused" in page_text(browser)
    url, _secret = endpoint_and_secret(app, merchant)
    for _ in range(3):
        assert post_signed(app.test_client(), url, b'{"id": "evt_x"}', "whsec_wrong")[0] == 400
    shown = page_text(browser)
    assert "3 deliveries were refused because their signature did not verify." in shown
    assert "Last on " in shown


def test_reconciliation_says_what_it_read_and_recovered(
    app: Flask, owner: Owner, stripe_sandbox: StripeSandbox
) -> None:
    browser, account, merchant = owner
    assert "It has had none of yours to read yet." in page_text(browser)
    checkout = open_checkout(app, merchant, Money(4200, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    with app.app_context():  # its webhook never came
        assert reconcile(db.session, utcnow() + timedelta(minutes=11), timedelta(minutes=10)) == 1
        db.session.commit()
    shown = page_text(browser)
    assert re.search(r"Last read your unsettled payments on .+: 1 read, 1 recovered\.", shown)
    assert "In all, 1 payment was recovered" in shown


def test_the_panel_warns_when_no_event_came_for_a_day_while_a_debit_is_processing(
    app: Flask, owner: Owner, stripe_sandbox: StripeSandbox
) -> None:
    browser, account, merchant = owner
    warning = "No event has arrived from Stripe for a day, while payments are processing."
    assert warning not in page_text(browser, "/panel/")  # nothing processing: no warning
    checkout = open_checkout(app, merchant, Money(4200, "EUR"), ("sepa_debit",))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa(DELAYED_IBAN))
    read_from_stripe(app, merchant, checkout.intent.id)
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.PROCESSING
    for path in ("/panel/", "/panel/payments", EVENTS):
        assert warning in page_text(browser, path), path

    url, secret = endpoint_and_secret(app, merchant)
    stripe_sandbox.control("POST", "/_sandbox/advance")
    settled = paid_event(stripe_sandbox, account, checkout.intent.id)
    assert post_signed(app.test_client(), url, settled, secret)[0] == 200
    assert warning not in page_text(browser, "/panel/")  # an event came: it is gone

    checkout = open_checkout(app, merchant, Money(1000, "EUR"), ("sepa_debit",), reference="chk_2")
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa(DELAYED_IBAN))
    read_from_stripe(app, merchant, checkout.intent.id)
    with app.app_context():
        db.session.execute(update(WebhookEvent).values(received_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    assert warning in page_text(browser, "/panel/")  # processing, and the last event 2 days old
