"""Refunds from a payment's page: in full or in parts up to the captured amount, each once
however often its form is sent, refused over what is left (also when two are asked at the same
moment), a refund Stripe refuses shown as failed, and the buyer emailed."""

from __future__ import annotations

import re
import threading

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.money import Money
from app.extensions import db
from app.invoices.models import InvoiceStatus
from app.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.conftest import csrf_token_from
from tests.integration.test_invoice_payments import PAID_THANKS, TOTAL, shown
from tests.integration.test_payments import connected, record
from tests.support.invoice_buyers import checkout_row, invoice_of, invoicing_merchant, pay
from tests.support.invoice_buyers import open_checkout as open_invoice_checkout
from tests.support.invoices import open_invoice
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    event_kinds,
    open_checkout,
    pay_as_buyer,
    payment_row,
    refunds_of,
    wait_until,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

REQUEST = re.compile(r'name="request" type="hidden" value="([^"]+)"')


def paid_by_card(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox, amount: int = 12500
) -> tuple[SandboxAccount, int, str]:
    """A Swedish merchant's card payment that succeeded: (account, payment id, intent id)."""
    account, merchant = connected(client, app, sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(amount, "SEK"))
    pay_as_buyer(sandbox, account, checkout.intent, payment_method="pm_card_visa")
    record(app, merchant, checkout.intent.id)
    return account, checkout.payment_id, checkout.intent.id


def refund_form(client: FlaskClient, payment_id: int) -> dict[str, str]:
    """What the payment's page gives the refund form: its CSRF token and request id."""
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    request = REQUEST.search(page)
    assert request, "the page has no refund form"
    return {"csrf_token": csrf_token_from(page), "request": request.group(1)}


def refund(client: FlaskClient, payment_id: int, amount: str, **extra: str):  # type: ignore[no-untyped-def]
    form = {**refund_form(client, payment_id), "amount": amount, "reason": "", **extra}
    return client.post(f"/panel/payments/{payment_id}/refund", data=form)


def refunds_in_kassa(app: Flask, payment_id: int) -> list[tuple[int, RefundStatus]]:
    with app.app_context():
        return [
            (r.amount, r.status)
            for r in db.session.scalars(
                select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.id)
            )
        ]


def test_a_part_then_the_rest_is_refunded_and_the_buyer_is_emailed_each_time(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, payment_id, intent_id = paid_by_card(client, app, stripe_sandbox)
    mailbox.wait_for("buyer@example.com")  # the receipt

    first = refund(client, payment_id, "25", reason="requested_by_customer")
    assert first.status_code == 302
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert "SEK25.00 refunded." in page
    assert "Left to refund: SEK100.00" in page
    payment = payment_row(app, payment_id)
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 2500)
    emailed = mailbox.wait_for("buyer@example.com", subject="återbetalning")
    assert "25,00" in emailed.text and "100,00" not in emailed.subject

    assert refund(client, payment_id, "100").status_code == 302
    payment = payment_row(app, payment_id)
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, 12500)
    assert [(r.amount, r.reason) for r in refunds_of(stripe_sandbox, account, intent_id)] == [
        (10000, None),
        (2500, "requested_by_customer"),
    ]
    assert refunds_in_kassa(app, payment_id) == [
        (2500, RefundStatus.SUCCEEDED),
        (10000, RefundStatus.SUCCEEDED),
    ]
    refund_emails = [
        m for m in mailbox.messages("buyer@example.com") if "återbetalning" in m.subject
    ]
    assert len(refund_emails) == 2 and "återbetald i sin helhet" in refund_emails[1].text
    kinds = event_kinds(app, payment_id)
    assert kinds.count("refund_requested") == 2 and kinds.count("refund_recorded") == 2

    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert "This payment is refunded in full already." in page
    assert 'name="request"' not in page


def test_a_refund_over_what_is_left_is_refused_and_nothing_reaches_stripe(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, payment_id, intent_id = paid_by_card(client, app, stripe_sandbox)
    for amount, message in (
        ("125.01", "At most SEK125.00 can be refunded."),
        ("0", "Enter an amount above zero."),
        ("12.345", "SEK amounts have at most 2 decimals."),
    ):
        refused = refund(client, payment_id, amount)
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422, amount
        assert message in body and f'value="{amount}"' in body
    assert refund(client, payment_id, "100").status_code == 302
    refused = refund(client, payment_id, "25.01")
    assert refused.status_code == 422
    assert "At most SEK25.00 can be refunded." in refused.get_data(as_text=True)
    assert [r.amount for r in refunds_of(stripe_sandbox, account, intent_id)] == [10000]
    assert payment_row(app, payment_id).refund_reserved == 10000


def test_the_same_form_sent_twice_is_one_refund(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, payment_id, intent_id = paid_by_card(client, app, stripe_sandbox)
    form = {**refund_form(client, payment_id), "amount": "10", "reason": ""}
    for _ in range(3):
        assert client.post(f"/panel/payments/{payment_id}/refund", data=form).status_code == 302
    assert [r.amount for r in refunds_of(stripe_sandbox, account, intent_id)] == [1000]
    assert refunds_in_kassa(app, payment_id) == [(1000, RefundStatus.SUCCEEDED)]
    assert payment_row(app, payment_id).amount_refunded == 1000


def test_two_refunds_at_once_that_together_pass_the_amount_only_one_is_made(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """Two staff members (two sessions) each refund SEK 70 of SEK 125 at the same moment."""
    account, payment_id, intent_id = paid_by_card(client, app, stripe_sandbox)
    second = app.test_client()
    with client.session_transaction() as session:
        cookie = dict(session)
    with second.session_transaction() as session:
        session.update(cookie)
    forms = [
        {**refund_form(browser, payment_id), "amount": "70", "reason": ""}
        for browser in (client, second)
    ]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(browser: FlaskClient, form: dict[str, str]) -> None:
        start.wait()
        statuses.append(browser.post(f"/panel/payments/{payment_id}/refund", data=form).status_code)

    threads = [
        threading.Thread(target=send, args=pair)
        for pair in zip((client, second), forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [302, 422]
    assert [r.amount for r in refunds_of(stripe_sandbox, account, intent_id)] == [7000]
    assert refunds_in_kassa(app, payment_id) == [(7000, RefundStatus.SUCCEEDED)]
    payment = payment_row(app, payment_id)
    assert (payment.amount_refunded, payment.refund_reserved) == (7000, 7000)


def test_a_refund_stripe_refuses_is_shown_failed_and_gives_its_amount_back(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """The payment was refunded in Stripe's dashboard meanwhile, and Kassa has not heard yet."""
    account, payment_id, intent_id = paid_by_card(client, app, stripe_sandbox)
    dashboard = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    dashboard.v1.refunds.create(params={"payment_intent": intent_id, "amount": 12000})

    assert refund(client, payment_id, "50").status_code == 302
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert "Stripe refused the refund of SEK50.00" in page and "Nothing was refunded." in page
    assert refunds_in_kassa(app, payment_id) == [(5000, RefundStatus.FAILED)]
    assert payment_row(app, payment_id).refund_reserved == 0
    assert "refund_refused" in event_kinds(app, payment_id)

    # Once Kassa has read the dashboard's refund, it offers what is really left.
    record(app, payment_row(app, payment_id).merchant_id, intent_id)
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert "Left to refund: SEK5.00" in page


def test_only_a_payment_that_went_through_can_be_refunded(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(5000, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_chargeDeclined")
    record(app, merchant, checkout.intent.id)
    assert payment_row(app, checkout.payment_id).status is PaymentStatus.FAILED
    page = client.get(f"/panel/payments/{checkout.payment_id}").get_data(as_text=True)
    assert "Only a payment that went through can be refunded." in page
    token = csrf_token_from(page)
    refused = client.post(
        f"/panel/payments/{checkout.payment_id}/refund",
        data={"csrf_token": token, "request": "rfd_by_hand", "amount": "10", "reason": ""},
    )
    assert refused.status_code == 422
    assert "Only a payment that went through can be refunded." in refused.get_data(as_text=True)
    assert refunds_of(stripe_sandbox, account, checkout.intent.id) == []
    with app.app_context():
        assert db.session.scalars(select(Payment.refund_reserved)).all() == [0]


def test_an_invoice_refunded_in_full_from_its_payments_page_says_so_and_stays_open(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """The whole invoice paid by card, refunded from the payment's page: the invoice shows it
    refunded (its list, its page, the customer's page), and nothing was voided or cancelled."""
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    customer = app.test_client()
    checkout = open_invoice_checkout(customer, token)
    assert PAID_THANKS in pay(app, stripe_sandbox, account, customer, checkout)
    intent_id = checkout_row(app, checkout).payment_intent_id
    with app.app_context():
        payment_id = db.session.scalars(
            select(Payment.id).where(Payment.intent_id == intent_id)
        ).one()

    payment_page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert f'href="/panel/invoices/{invoice_id}"' in payment_page
    assert refund(client, payment_id, "1125").status_code == 302

    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_refunded) == (
        InvoiceStatus.OPEN, 0, TOTAL
    )  # fmt: skip
    merchant_page = client.get(f"/panel/invoices/{invoice_id}").get_data(as_text=True)
    assert "Refunded" in merchant_page and shown(merchant_page, "amount-refunded") == "€1,125.00"
    listed = client.get("/panel/invoices/?status=refunded").get_data(as_text=True)
    assert f"/panel/invoices/{invoice_id}" in listed
    assert f'/panel/invoices/{invoice_id}"' not in client.get(
        "/panel/invoices/?status=open"
    ).get_data(as_text=True)
    buyer_page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(buyer_page, "amount-refunded") == "€1,125.00"


def test_the_receipt_is_sent_again_only_for_a_payment_that_went_through(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, payment_id, _intent = paid_by_card(client, app, stripe_sandbox)
    mailbox.wait_for("buyer@example.com")
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    assert "Send the buyer their receipt again, to buyer@example.com." in page
    sent = client.post(
        f"/panel/payments/{payment_id}/receipt", data={"csrf_token": csrf_token_from(page)}
    )
    assert sent.status_code == 302
    assert "The receipt was sent again to buyer@example.com." in client.get(
        f"/panel/payments/{payment_id}"
    ).get_data(as_text=True)
    wait_until(lambda: len(mailbox.messages("buyer@example.com")) == 2, what="second receipt")
    receipts = [m.subject for m in mailbox.messages("buyer@example.com")]
    assert receipts == ["Ditt kvitto från Acme AB"] * 2
    assert event_kinds(app, payment_id).count("receipt_resent") == 1

    merchant = payment_row(app, payment_id).merchant_id
    declined = open_checkout(app, merchant, Money(5000, "SEK"), reference="chk_declined")
    pay_as_buyer(stripe_sandbox, account, declined.intent, payment_method="pm_card_chargeDeclined")
    record(app, merchant, declined.intent.id)
    page = client.get(f"/panel/payments/{declined.payment_id}").get_data(as_text=True)
    assert "Resend the receipt" not in page
    refused = client.post(
        f"/panel/payments/{declined.payment_id}/receipt",
        data={"csrf_token": csrf_token_from(page)},
    )
    assert refused.status_code == 422
    assert "Only a payment that went through has a receipt." in refused.get_data(as_text=True)
    assert len(mailbox.messages("buyer@example.com")) == 2
