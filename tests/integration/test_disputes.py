"""Disputes end to end: the sandbox opens one for Stripe's test card 4000 0000 0000 0259 and the
bank debit that disputes, delivers charge.dispute.* events to Kassa under gunicorn, and decides
it won or lost; Kassa records it, lists it, shows it on the payment and its invoice, and emails
the owners when it opens, is won or is lost (once each, whatever Stripe delivers twice)."""

from __future__ import annotations

from urllib.error import HTTPError

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.money import Money
from app.extensions import db
from app.payments.models import Dispute, PaymentStatus
from tests.integration.test_payment_webhooks import OWNER, settled_deliveries, status_is
from tests.integration.test_payments import record
from tests.support.invoice_buyers import checkout_row, invoicing_merchant, pay
from tests.support.invoice_buyers import open_checkout as open_invoice_checkout
from tests.support.invoices import open_invoice
from tests.support.mailbox import Mailbox
from tests.support.payments import (
    connect_through_live_server,
    event_kinds,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    sepa,
    wait_until,
)
from tests.support.servers import LiveServer
from tests.support.stripe_sandbox import StripeSandbox


def dispute_of(app: Flask, payment_id: int, status: str | None = None) -> Dispute | None:
    with app.app_context():
        found = db.session.scalar(select(Dispute).where(Dispute.payment_id == payment_id))
        if found is None or (status is not None and found.status != status):
            return None
        db.session.expunge(found)
        return found


def test_a_card_dispute_is_listed_with_its_deadline_emailed_and_won(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = stripe_sandbox.create_account("DE", "eur", name="Live Shop")
    panel = connect_through_live_server(live_server.url, account, OWNER)
    merchant = merchant_id(app, OWNER)
    checkout = open_checkout(app, merchant, Money(2000, "EUR"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_createDispute")

    wait_until(lambda: status_is(app, checkout.payment_id, PaymentStatus.DISPUTED), what="disputed")
    dispute = wait_until(lambda: dispute_of(app, checkout.payment_id), what="dispute")
    assert (dispute.amount, dispute.currency, dispute.reason) == (2000, "EUR", "fraudulent")
    assert dispute.status == "needs_response" and dispute.evidence_due_by is not None
    opened = mailbox.wait_for(OWNER, subject="is disputed")
    assert opened.subject == "A payment of €20.00 is disputed"
    assert "Send your evidence in Stripe's dashboard by" in opened.text
    assert f"/panel/payments/{checkout.payment_id}" in opened.text

    listing = panel.get(f"{live_server.url}/panel/payments/disputes", timeout=10).text
    assert "Needs your response" in listing and "€20.00" in listing
    assert "The cardholder says they did not make the payment" in listing
    page = panel.get(f"{live_server.url}/panel/payments/{checkout.payment_id}", timeout=10).text
    assert 'data-testid="evidence-due"' in page, page[page.find("Dispute") :][:2000]
    assert "Respond in Stripe" in page, page[page.find("Respond") - 300 :][:600]
    assert "A disputed payment cannot be refunded: the dispute decides." in page

    stripe_sandbox.control("POST", f"/_sandbox/disputes/{dispute.stripe_dispute_id}/win")
    wait_until(lambda: dispute_of(app, checkout.payment_id, "won"), what="won")
    won = mailbox.wait_for(OWNER, subject="Dispute won")
    assert won.subject == "Dispute won: €20.00"
    wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")
    subjects = [m.subject for m in mailbox.messages(OWNER)]
    assert subjects.count("A payment of €20.00 is disputed") == 1
    assert subjects.count("Dispute won: €20.00") == 1
    kinds = event_kinds(app, checkout.payment_id)
    assert kinds.count("dispute_opened") == 1 and kinds.count("dispute_updated") == 1
    page = panel.get(f"{live_server.url}/panel/payments/{checkout.payment_id}", timeout=10).text
    assert "Won" in page and 'data-testid="evidence-due"' not in page


def test_a_disputed_bank_debit_is_lost_at_once_and_said_so(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = stripe_sandbox.create_account("DE", "eur", name="Live Shop")
    connect_through_live_server(live_server.url, account, OWNER)
    merchant = merchant_id(app, OWNER)
    checkout = open_checkout(app, merchant, Money(3000, "EUR"), ("sepa_debit",))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, **sepa("AT591904300235473203"))
    stripe_sandbox.control("POST", "/_sandbox/advance")

    dispute = wait_until(lambda: dispute_of(app, checkout.payment_id, "lost"), what="lost")
    assert dispute.reason == "debit_not_authorized"
    lost = mailbox.wait_for(OWNER, subject="Dispute lost")
    assert lost.subject == "Dispute lost: €30.00" and "stays with them" in lost.text
    with pytest.raises(HTTPError) as refused:  # a lost dispute is decided: it cannot be won
        stripe_sandbox.control("POST", f"/_sandbox/disputes/{dispute.stripe_dispute_id}/win")
    assert refused.value.code == 400
    wait_until(lambda: settled_deliveries(stripe_sandbox, account), what="deliveries")


def test_a_disputed_invoice_payment_is_flagged_on_the_invoice(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """An invoice paid by the SEPA test number that is disputed once it clears: the invoice's
    page says a payment of it is disputed, and links to the payment."""
    account, merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    customer = app.test_client()
    checkout = open_invoice_checkout(customer, token)
    pay(app, stripe_sandbox, account, customer, checkout, "sepa_debit", "AT591904300235473203")
    assert 'data-testid="disputed-payment"' not in client.get(
        f"/panel/invoices/{invoice_id}"
    ).get_data(as_text=True)
    stripe_sandbox.control("POST", "/_sandbox/advance")
    intent_id = checkout_row(app, checkout).payment_intent_id
    assert intent_id is not None
    payment = record(app, merchant, intent_id)
    assert payment.status is PaymentStatus.DISPUTED

    page = client.get(f"/panel/invoices/{invoice_id}").get_data(as_text=True)
    assert 'data-testid="disputed-payment"' in page
    assert f'href="/panel/payments/{payment.id}"' in page
