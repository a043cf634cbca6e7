"""A quote's later parts charge themselves (issue 15): against the Stripe sandbox as a real
HTTP server, the database and a real SMTP server, the hourly task run as the consumer runs it
while the scheduler's clock is moved forward.

A three-part schedule paid by SEPA Debit: the notice goes out once the part's date is within
the 14 days, the charge on the date (never before the notice has run), an invoice per part,
the debit processing until the sandbox settles it, the receipt with the part's invoice PDF,
the quote paid with its last part. The task run twice, or by two consumers at once, charges
once; a declined card, a card that needs its holder and a bounced debit fail the part and
email the link to update the method, and the part is charged once the method changed.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.invoices.models import InvoiceStatus
from app.payments.models import Payment, PaymentStatus
from app.quotes.models import PartStatus, QuoteStatus
from tests.integration.test_invoice_pdfs import pdf_text
from tests.integration.test_payments import record
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.mailbox import Mailbox
from tests.support.payments import merchant_id
from tests.support.quotes import quote_row
from tests.support.schedules import (
    accepted_schedule,
    advance_clock,
    intents_of_part,
    part_invoice,
    parts_of,
    pay_first_part,
    run_task,
    save_method,
    three_parts,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

BUYER = "grace@example.com"


@pytest.fixture
def merchant(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> SandboxAccount:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    return account


def scheduled(
    app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount, **fields: object
) -> tuple[int, str]:
    """A three-part schedule (30 % now, 40 % in 20 days, 30 % in 40), accepted, its first
    part paid by card, a SEPA method saved; the mailbox still holds the emails so far."""
    buyer = app.test_client()
    quote_id, token = accepted_schedule(app, buyer, three_parts(date.today()), **fields)  # type: ignore[arg-type]
    pay_first_part(app, stripe_sandbox, merchant, buyer, token)
    assert quote_row(app, quote_id).status is QuoteStatus.PARTLY_PAID
    return quote_id, token


def settle(app: Flask, stripe_sandbox: StripeSandbox, intent_id: str) -> Payment:
    """The sandbox settles the debit; what the webhook does is record it."""
    stripe_sandbox.control("POST", "/_sandbox/advance")
    return record(app, merchant_id(app), intent_id)


def test_a_three_part_sepa_schedule_charges_itself_as_the_clock_moves(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    quote_id, token = scheduled(app, stripe_sandbox, merchant)
    save_method(app, stripe_sandbox, merchant, quote_id)
    mailbox.clear()

    assert run_task(app).notified == []  # 20 days ahead: more than SEPA's 14 days' notice
    advance_clock(app, 6)  # 14 days before the second part
    run = run_task(app)
    second = parts_of(app, quote_id)[1]
    assert run.notified == [second.id] and second.status is PartStatus.NOTIFIED
    notice = mailbox.wait_for(BUYER, subject="will charge €4,000.00")
    assert "Part 2 of 3 of quote" in notice.text and "SEPA Direct Debit •••• 3000" in notice.text
    assert f"/q/{token}" in notice.text
    assert run_task(app).notified == []  # the notice went once

    advance_clock(app, 13)  # the day before the date
    assert run_task(app).charged == []
    advance_clock(app, 1)  # the part's date: the 14 days have run
    run = run_task(app)
    second = parts_of(app, quote_id)[1]
    assert run.charged == [second.id] and second.status is PartStatus.PROCESSING
    invoice = part_invoice(app, second)
    assert invoice.number and invoice.total == 400000 and invoice.status is InvoiceStatus.OPEN
    [payment] = intents_of_part(app, second)
    assert payment.status is PaymentStatus.PROCESSING and payment.method_type == "sepa_debit"
    clearing = quote_row(app, quote_id)
    assert clearing.amount_paid == 300000 and clearing.amount_pending == 400000

    settle(app, stripe_sandbox, payment.intent_id)
    second = parts_of(app, quote_id)[1]
    assert second.status is PartStatus.PAID
    assert part_invoice(app, second).status is InvoiceStatus.PAID
    receipt = mailbox.wait_for(BUYER, subject=invoice.number or "")
    [pdf] = [p for p in receipt.message.walk() if p.get_content_type() == "application/pdf"]
    assert "Part 2 of 3 of quote Q-" in pdf_text(pdf.get_payload(decode=True))
    assert quote_row(app, quote_id).status is QuoteStatus.PARTLY_PAID

    advance_clock(app, 20)  # the third part's date: notice now, charge 14 days later
    run = run_task(app)
    third = parts_of(app, quote_id)[2]
    assert run.notified == [third.id] and run.charged == []
    advance_clock(app, 14)
    assert run_task(app).charged == [third.id]
    [last] = intents_of_part(app, parts_of(app, quote_id)[2])
    settle(app, stripe_sandbox, last.intent_id)
    paid = quote_row(app, quote_id)
    assert paid.status is QuoteStatus.PAID and paid.amount_paid == paid.total == 1000000
    assert [part.status for part in parts_of(app, quote_id)] == [PartStatus.PAID] * 3
    numbers = {part_invoice(app, part).number for part in parts_of(app, quote_id)[1:]}
    assert len(numbers) == 2  # an invoice (numbered) per later part
