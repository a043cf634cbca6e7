"""Reconciliation finds every payment a lost webhook left unsettled, and disconnecting Stripe
settles what it can first. The tests' app has no server at KASSA_PUBLIC_URL, so the sandbox's
webhooks never arrive: every webhook here is lost, and only reading Stripe records anything."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.clock import aware
from app.core.money import Money
from app.extensions import db
from app.payments.models import PaymentStatus
from app.payments.service import reconcile
from app.processors.models import ProcessorConnection
from tests.integration.test_payments import connected, record
from tests.integration.test_processor_connection import PAGE, saved
from tests.support.accounts import post_form
from tests.support.mailbox import Mailbox
from tests.support.payments import event_kinds, open_checkout, pay_as_buyer, payment_row, sepa
from tests.support.stripe_sandbox import StripeSandbox

IDLE = timedelta(minutes=10)
DELAYED_IBAN = "AT321904300235473204"  # processing until the sandbox is told to settle


def reconcile_at(app: Flask, now: datetime) -> int:
    """The periodic task's work, as if it ran at ``now``."""
    with app.app_context():
        read = reconcile(db.session, now, IDLE)
        db.session.commit()
        return read


def created_at(app: Flask, payment_id: int) -> datetime:
    return aware(payment_row(app, payment_id).created_at)


def test_a_sepa_debit_settled_twelve_days_later_is_recorded_by_reconciliation(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "DE", "eur")
    checkout = open_checkout(app, merchant, Money(4990, "EUR"), ("sepa_debit",))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa(DELAYED_IBAN))
    assert record(app, merchant, checkout.intent.id).status is PaymentStatus.PROCESSING

    # Twelve days on (a slow bank), the debit clears; its webhook never comes.
    stripe_sandbox.control("POST", "/_sandbox/advance")
    later = created_at(app, checkout.payment_id) + timedelta(days=12)
    assert reconcile_at(app, later) == 1

    payment = payment_row(app, checkout.payment_id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.reconciled_at is not None and aware(payment.reconciled_at) == later
    assert "Ditt kvitto från Acme AB" in [m.subject for m in mailbox.messages("buyer@example.com")]


def test_a_payment_that_failed_then_succeeded_on_retry_is_recorded_by_reconciliation(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(5000, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_chargeDeclined")
    assert record(app, merchant, checkout.intent.id).status is PaymentStatus.FAILED

    # The buyer pays the same intent again with another card; that webhook is lost too.
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    assert reconcile_at(app, created_at(app, checkout.payment_id) + IDLE + IDLE) == 1

    payment = payment_row(app, checkout.payment_id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert event_kinds(app, payment.id) == [
        "created",
        "status_changed",
        "fee_recorded",
        "status_changed",
    ]
    assert mailbox.messages("buyer@example.com")


def test_an_abandoned_checkout_is_read_less_often_as_it_ages(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    _, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(5000, "SEK"))  # the buyer never pays
    start = created_at(app, checkout.payment_id)

    def reads(after: timedelta) -> int:
        return reconcile_at(app, start + after)

    assert reads(timedelta(minutes=5)) == 0  # not idle yet
    assert reads(timedelta(minutes=11)) == 1
    assert reads(timedelta(minutes=15)) == 0  # read 4 minutes ago: its interval is 10
    assert reads(timedelta(minutes=21)) == 1
    assert reads(timedelta(days=2)) == 1
    assert reads(timedelta(days=2, hours=3)) == 0  # 3 hours after; its interval is 5.1 hours
    assert reads(timedelta(days=2, hours=5, minutes=30)) == 1
    assert reads(timedelta(days=20)) == 1
    assert reads(timedelta(days=20, hours=5)) == 0  # the interval is at most 6 hours
    assert reads(timedelta(days=20, hours=6)) == 1
    assert reads(timedelta(days=31)) == 0  # past the longest clearing time: left alone

    payment = payment_row(app, checkout.payment_id)
    assert payment.status is PaymentStatus.PENDING
    assert aware(payment.reconciled_at) == start + timedelta(days=20, hours=6)  # type: ignore[arg-type]
    assert event_kinds(app, payment.id) == ["created"]


def test_disconnecting_records_a_settled_debit_and_lists_the_one_still_clearing(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "DE", "eur")
    settled = open_checkout(app, merchant, Money(4990, "EUR"), ("sepa_debit",), reference="chk_a")
    pay_as_buyer(stripe_sandbox, account, settled.intent, **sepa(DELAYED_IBAN))
    assert record(app, merchant, settled.intent.id).status is PaymentStatus.PROCESSING
    stripe_sandbox.control("POST", "/_sandbox/advance")  # cleared at the bank; webhook lost
    # A second debit the buyer confirmed just now: Kassa has not even seen it processing.
    clearing = open_checkout(app, merchant, Money(2500, "EUR"), ("sepa_debit",), reference="chk_b")
    pay_as_buyer(stripe_sandbox, account, clearing.intent, **sepa(DELAYED_IBAN))
    assert payment_row(app, clearing.payment_id).status is PaymentStatus.PENDING

    page = client.get(PAGE + "/disconnect").get_data(as_text=True)
    assert payment_row(app, settled.payment_id).status is PaymentStatus.SUCCEEDED
    assert payment_row(app, clearing.payment_id).status is PaymentStatus.PROCESSING
    assert "These payments are still clearing:" in page
    assert "€25.00" in page and f"/panel/payments/{clearing.payment_id}" in page
    assert "€49.90" not in page
    assert "Their outcome will be in your Stripe dashboard." in page

    done = post_form(client, PAGE + "/disconnect", PAGE + "/disconnect", {}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Stripe is disconnected." in body
    assert "These payments were still clearing: €25.00 from buyer@example.com on" in body
    assert saved(app) == []
    receipts = [m for m in mailbox.messages("buyer@example.com") if "kvitto" in m.subject]
    assert len(receipts) == 1  # the settled debit's, sent once

    # Nothing can read the clearing debit now: reconciliation passes it by without an error.
    later = created_at(app, clearing.payment_id) + timedelta(hours=1)
    assert reconcile_at(app, later) == 0
    assert payment_row(app, clearing.payment_id).status is PaymentStatus.PROCESSING


def test_a_key_that_no_longer_works_does_not_keep_the_merchant_from_leaving(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "DE", "eur")
    checkout = open_checkout(app, merchant, Money(2500, "EUR"), ("sepa_debit",))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa(DELAYED_IBAN))
    assert record(app, merchant, checkout.intent.id).status is PaymentStatus.PROCESSING
    stripe_sandbox.control("POST", "/_sandbox/advance")
    with app.app_context():
        row = db.session.scalars(select(ProcessorConnection)).one()
        row.secret_key_encrypted = "written-with-a-key-this-server-no-longer-has"
        db.session.commit()

    page = client.get(PAGE + "/disconnect").get_data(as_text=True)
    assert "Stripe could not be read with your keys just now" in page
    assert "These payments are still clearing:" in page and "€25.00" in page

    done = post_form(client, PAGE + "/disconnect", PAGE + "/disconnect", {}, follow_redirects=True)
    assert "Stripe is disconnected." in done.get_data(as_text=True)
    assert saved(app) == []
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.PROCESSING
