"""Recording payments: intents made through Kassa's gateway on a connected sandbox account,
confirmed as a buyer's browser does, then recorded by the one recording function."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.clock import utcnow
from app.core.money import Money
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus
from app.payments.service import (
    BuyerDetails,
    record_intent,
    refresh_from_stripe,
    retry_on_conflict,
)
from app.payments.tasks import reconcile_payments
from app.processors.access import connected_gateway
from app.processors.gateway import IntentRequest
from tests.integration.test_processor_connection import connect
from tests.support.accounts import sign_up
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    BILLING,
    MANDATE_DATA,
    balance_of,
    event_kinds,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    payment_row,
    refunds_of,
    sepa,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox


def connected(
    client: FlaskClient,
    app: Flask,
    sandbox: StripeSandbox,
    country: str,
    currency: str,
    **account_options: str,
) -> tuple[SandboxAccount, int]:
    """A merchant signed up and connected to a new sandbox account: (account, merchant id)."""
    sign_up(client, country=country)
    account = sandbox.create_account(country, currency, **account_options)
    assert connect(client, account).status_code == 302
    return account, merchant_id(app)


def record(app: Flask, merchant: int, intent_id: str) -> Payment:
    """What the return page, a webhook and reconciliation all do: re-read, then record; like
    them, on fresh data again when a concurrent recording (a live server's webhook) won."""
    with app.app_context():
        owner = db.session.get(Merchant, merchant)
        assert owner is not None

        def read_and_record() -> Payment:
            recorded = refresh_from_stripe(db.session, owner, intent_id)
            db.session.commit()
            return recorded

        payment = retry_on_conflict(db.session, read_and_record)
        db.session.refresh(payment)
        db.session.expunge(payment)
        return payment


def test_a_card_payment_is_recorded_with_the_sandbox_fee_and_net_once(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(12500, "SEK"))
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.PENDING

    assert (
        pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")[
            "status"
        ]
        == "succeeded"
    )
    payment = record(app, merchant, checkout.intent.id)

    balance = balance_of(stripe_sandbox, account, checkout.intent.id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert (payment.amount, payment.currency) == (12500, "SEK")
    assert (payment.fee, payment.net) == (balance["fee"], balance["net"])
    assert payment.fee and payment.fee + payment.net == 12500
    assert payment.method_type == "card"
    assert payment.method_details["brand"] == "visa" and payment.method_details["last4"] == "4242"
    kinds = event_kinds(app, payment.id)
    assert kinds == ["created", "fee_recorded", "status_changed"]

    receipt = mailbox.wait_for("buyer@example.com")
    assert receipt.subject == "Ditt kvitto från Acme AB"
    assert "125,00" in receipt.text and "Testläge" in receipt.text
    assert "125,00" in receipt.html
    notice = mailbox.wait_for("owner@example.com")
    assert notice.subject == "New payment: SEK125.00"

    again = record(app, merchant, checkout.intent.id)
    assert again.status is PaymentStatus.SUCCEEDED
    assert event_kinds(app, payment.id) == kinds
    assert len(mailbox.messages("buyer@example.com")) == 1
    assert len(mailbox.messages("owner@example.com")) == 1


def test_a_declined_card_is_recorded_as_failed_with_the_reason_and_no_email(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(5000, "SEK"))
    outcome = pay_as_buyer(
        stripe_sandbox, account, checkout.intent, payment_method="pm_card_chargeDeclined"
    )
    assert outcome == {"declined": "card_declined"}

    payment = record(app, merchant, checkout.intent.id)
    assert payment.status is PaymentStatus.FAILED
    assert payment.failure_code == "generic_decline"
    assert payment.fee is None and payment.net is None
    assert event_kinds(app, payment.id) == ["created", "status_changed"]

    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    assert record(app, merchant, checkout.intent.id).status is PaymentStatus.SUCCEEDED
    assert mailbox.messages("buyer@example.com")


def test_a_late_processing_state_never_moves_a_payment_back(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(5000, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    record(app, merchant, checkout.intent.id)
    kinds = event_kinds(app, checkout.payment_id)

    with app.app_context():
        owner = db.session.get(Merchant, merchant)
        assert owner is not None
        current = connected_gateway(db.session, merchant).retrieve_payment_intent(
            checkout.intent.id
        )
        for stale in ("processing", "requires_payment_method", "requires_action"):
            late = dataclasses.replace(current, status=stale, amount_refunded=None)
            assert record_intent(db.session, owner, late).status is PaymentStatus.SUCCEEDED
        db.session.commit()
    assert event_kinds(app, checkout.payment_id) == kinds


def test_sepa_is_processing_then_succeeds_with_two_emails(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "DE", "eur")
    checkout = open_checkout(app, merchant, Money(4990, "EUR"), ("card", "sepa_debit"))
    # The "succeed after a delay" IBAN: still processing when Kassa first reads it.
    confirmed = pay_as_buyer(
        stripe_sandbox, account, checkout.intent, **sepa("AT321904300235473204")
    )
    assert confirmed["status"] == "processing"

    payment = record(app, merchant, checkout.intent.id)
    assert payment.status is PaymentStatus.PROCESSING
    assert payment.method_type == "sepa_debit" and payment.mandate_id
    processing = mailbox.wait_for("buyer@example.com")
    assert processing.subject == "Din betalning till Acme AB behandlas"

    stripe_sandbox.control("POST", "/_sandbox/advance")
    payment = record(app, merchant, checkout.intent.id)
    balance = balance_of(stripe_sandbox, account, checkout.intent.id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert (payment.fee, payment.net) == (balance["fee"], balance["net"]) == (35, 4955)
    subjects = [m.subject for m in mailbox.messages("buyer@example.com")]
    assert subjects == ["Din betalning till Acme AB behandlas", "Ditt kvitto från Acme AB"]
    assert len(mailbox.messages("owner@example.com")) == 1
    assert event_kinds(app, payment.id) == [
        "created",
        "status_changed",
        "fee_recorded",
        "status_changed",
    ]


@pytest.mark.parametrize(
    ("country", "currency", "method", "params"),
    [
        ("US", "usd", "us_bank_account", {"payment_method": "pm_usBankAccount_success"}),
        (
            "GB",
            "gbp",
            "bacs_debit",
            {
                "payment_method_data": {
                    "type": "bacs_debit",
                    "bacs_debit": {"sort_code": "108800", "account_number": "00012345"},
                    "billing_details": BILLING,
                },
                "mandate_data": MANDATE_DATA,
            },
        ),
    ],
    ids=["ach", "bacs"],
)
def test_other_bank_debits_settle_with_the_sandbox_fee(
    client: FlaskClient,
    app: Flask,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
    country: str,
    currency: str,
    method: str,
    params: dict,
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, country, currency)
    checkout = open_checkout(app, merchant, Money(10000, currency.upper()), (method,))
    if method == "us_bank_account":
        params = {**params, "mandate_data": MANDATE_DATA}
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **params)
    stripe_sandbox.control("POST", "/_sandbox/advance")
    payment = record(app, merchant, checkout.intent.id)
    balance = balance_of(stripe_sandbox, account, checkout.intent.id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.method_type == method
    assert (payment.fee, payment.net) == (balance["fee"], balance["net"])


def test_a_second_paid_intent_of_one_checkout_is_flagged_and_refunded(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    first = open_checkout(app, merchant, Money(9900, "SEK"), reference="chk_twice", version=1)
    second = open_checkout(app, merchant, Money(9900, "SEK"), reference="chk_twice", version=2)
    for checkout in (first, second):
        pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
        record(app, merchant, checkout.intent.id)

    original, duplicate = payment_row(app, first.payment_id), payment_row(app, second.payment_id)
    assert original.status is PaymentStatus.SUCCEEDED and not original.flagged_duplicate
    assert duplicate.duplicate_of_id == original.id
    assert duplicate.status is PaymentStatus.REFUNDED and duplicate.amount_refunded == 9900
    assert "duplicate_refunded" in event_kinds(app, duplicate.id)
    receipt, refunded = mailbox.messages("buyer@example.com")  # the buyer locale is sv
    assert "kvitto" in receipt.subject.lower(), receipt.subject
    assert "återbetalas" in refunded.subject, refunded.subject
    assert "redan betald" in refunded.text, refunded.text

    refunds = refunds_of(stripe_sandbox, account, second.intent.id)
    assert [(r.amount, r.reason, r.status) for r in refunds] == [(9900, "duplicate", "succeeded")]

    # Recording the refunded duplicate again (a webhook of the refund) changes nothing.
    kinds = event_kinds(app, duplicate.id)
    assert record(app, merchant, second.intent.id).status is PaymentStatus.REFUNDED
    assert event_kinds(app, duplicate.id) == kinds


def test_the_reconcile_task_records_payments_whose_webhooks_never_came(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    paid = open_checkout(app, merchant, Money(5000, "SEK"), reference="chk_paid")
    fresh = open_checkout(app, merchant, Money(5000, "SEK"), reference="chk_fresh")
    for checkout in (paid, fresh):
        pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    with app.app_context():
        stale = db.session.get(Payment, paid.payment_id)
        assert stale is not None
        stale.updated_at = utcnow() - timedelta(minutes=30)
        db.session.commit()
        # The periodic task itself (KASSA_RECONCILE_AFTER_MINUTES: the default 10).
        assert reconcile_payments.call_local() == 1
    assert payment_row(app, paid.payment_id).status is PaymentStatus.SUCCEEDED
    assert payment_row(app, fresh.payment_id).status is PaymentStatus.PENDING


def test_the_checkout_may_change_an_unpaid_intent_or_cancel_it(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    _account, merchant = connected(client, app, stripe_sandbox, "DE", "eur")
    checkout = open_checkout(app, merchant, Money(2000, "EUR"), ("card",))
    with app.app_context():
        owner = db.session.get(Merchant, merchant)
        assert owner is not None
        gateway = connected_gateway(db.session, merchant)
        request = IntentRequest(
            Money(2600, "EUR"), ("card", "sepa_debit"), checkout.intent.metadata
        )
        changed = gateway.update_payment_intent(
            checkout.intent.id, request, f"checkout:{checkout.reference}:intent:1:update:1"
        )
        replayed = gateway.update_payment_intent(
            checkout.intent.id, request, f"checkout:{checkout.reference}:intent:1:update:1"
        )
        assert (changed.amount, replayed.amount) == (Money(2600, "EUR"), Money(2600, "EUR"))
        record_intent(db.session, owner, changed)
        canceled = gateway.cancel_payment_intent(
            checkout.intent.id, f"checkout:{checkout.reference}:intent:1:cancel"
        )
        assert canceled.status == "canceled"
        record_intent(db.session, owner, canceled)
        db.session.commit()
    payment = payment_row(app, checkout.payment_id)
    assert (payment.amount, payment.status) == (2600, PaymentStatus.CANCELED)
    assert event_kinds(app, payment.id) == ["created", "amount_changed", "status_changed"]


def test_the_panel_lists_payments_newest_first_in_the_viewers_locale(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    older = open_checkout(app, merchant, Money(12500, "SEK"), reference="chk_older")
    pay_as_buyer(stripe_sandbox, account, older.intent, payment_method="pm_card_visa")
    paid = record(app, merchant, older.intent.id)
    newer = open_checkout(
        app,
        merchant,
        Money(30000, "SEK"),
        reference="chk_newer",
        buyer=BuyerDetails(email="second@example.com", locale="en"),
    )

    # The newer checkout's buyer has not tried to pay yet: not a payment of the index.
    page = client.get("/panel/payments", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "second@example.com" not in page and "300,00" not in page
    declined = pay_as_buyer(
        stripe_sandbox, account, newer.intent, payment_method="pm_card_chargeDeclined"
    )
    assert declined == {"declined": "card_declined"}
    record(app, merchant, newer.intent.id)

    page = client.get("/panel/payments", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert page.index("second@example.com") < page.index("buyer@example.com")
    assert "125,00" in page and "300,00" in page
    assert f"{paid.fee / 100:.2f}".replace(".", ",") in page
    assert "Genomförd" in page and "Misslyckad" in page and "Kort Visa •••• 4242" in page
    assert 'href="/panel/payments"' in page

    detail = client.get(f"/panel/payments/{paid.id}").get_data(as_text=True)
    assert "Payment of SEK" in detail and "Stripe fee recorded: fee SEK" in detail
    assert older.intent.id in detail and newer.intent.id not in detail


def test_a_bank_debit_that_bounces_moves_from_processing_to_failed_and_tells_the_buyer(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "DE", "eur")
    checkout = open_checkout(app, merchant, Money(4990, "EUR"), ("sepa_debit",))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa("AT051904300235473205"))
    assert record(app, merchant, checkout.intent.id).status is PaymentStatus.PROCESSING
    stripe_sandbox.control("POST", "/_sandbox/advance")
    failed = record(app, merchant, checkout.intent.id)
    assert failed.status is PaymentStatus.FAILED and failed.failure_code == "insufficient_funds"
    subjects = [m.subject for m in mailbox.messages("buyer@example.com")]
    assert subjects == [
        "Din betalning till Acme AB behandlas",
        "Din betalning till Acme AB gick inte igenom",
    ]
    bounced = mailbox.messages("buyer@example.com")[1]
    assert "49,90\xa0€" in bounced.text and "Det fanns inte tillräckligt med pengar" in bounced.text
    # The pay-again link opens the payment's checkout by its token; this payment names no
    # checkout of Kassa's (test_checkout_tokens follows a real one), so there is none.
    assert "/pay" not in bounced.text and "chk_test_reference" not in bounced.text
    owner = [m.subject for m in mailbox.messages("owner@example.com")]
    assert owner == ["New payment: €49.90", "A bank debit did not clear: €49.90"]
    notice = mailbox.messages("owner@example.com")[1].text
    assert "from buyer@example.com did not clear: There were not enough funds." in notice
    assert record(app, merchant, checkout.intent.id).status is PaymentStatus.FAILED
    assert len(mailbox.messages("buyer@example.com")) == 2  # recorded again: no second email
    assert len(mailbox.messages("owner@example.com")) == 2


def test_partial_then_full_refunds_are_recorded_from_the_charge(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(10000, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    payment = record(app, merchant, checkout.intent.id)
    with app.app_context():
        gateway = connected_gateway(db.session, merchant)
        refund = gateway.create_refund(
            checkout.intent.id,
            f"payment:{payment.id}:refund:1",
            amount=Money(2500, "SEK"),
            reason="requested_by_customer",
        )
    assert (refund.amount, refund.status) == (Money(2500, "SEK"), "succeeded")
    partial = record(app, merchant, checkout.intent.id)
    assert (partial.status, partial.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 2500)
    with app.app_context():
        connected_gateway(db.session, merchant).create_refund(
            checkout.intent.id, f"payment:{payment.id}:refund:2"
        )
    full = record(app, merchant, checkout.intent.id)
    assert (full.status, full.amount_refunded) == (PaymentStatus.REFUNDED, 10000)
    assert event_kinds(app, payment.id).count("refund_recorded") == 2
