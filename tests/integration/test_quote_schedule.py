"""A quote's later parts charge themselves (issue 15): against the Stripe sandbox as a real
HTTP server, the database and a real SMTP server, the hourly task run as the consumer runs it
while the scheduler's clock is moved forward.

A three-part schedule paid by SEPA Debit: the notice goes out once the part's date is within
the 14 days, the charge on the date (never before the notice has run), an invoice per part,
the debit processing until the sandbox settles it, the receipt with the part's invoice PDF,
the quote paid with its last part. The task run twice, or by two consumers at once, charges
once; a declined card, a card that needs its holder and a bounced debit fail the part and
email the link to update the method, and the part is charged once the method changed; a
failed part the customer pays on its invoice is never charged again; a charge Stripe did not
answer is repeated under its key.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.data.clock import advance_test_clock
from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.service import buyer_token as invoice_buyer_token
from app.payments.models import Payment, PaymentStatus
from app.processors.access import connected_gateway
from app.processors.gateway import OffSessionCharge
from app.quotes.models import PartStatus, Quote, QuoteEvent, QuoteStatus
from app.quotes.pricing import part_taxes
from app.quotes.schedule import charge_key, run_schedules
from app.quotes.service import LineInput
from app.settings.models import TaxRate
from tests.conftest import SECRET_KEY
from tests.integration.test_invoice_core import in_threads
from tests.integration.test_invoice_pdfs import pdf_text
from tests.integration.test_payments import connected, record
from tests.integration.test_refunds import refund
from tests.support.accounts import post_form
from tests.support.invoice_buyers import invoicing_merchant, pay
from tests.support.invoice_buyers import open_checkout as open_invoice_checkout
from tests.support.mailbox import Mailbox
from tests.support.payments import MANDATE_DATA, merchant_id
from tests.support.quotes import quote_row
from tests.support.schedules import (
    BACS,
    accepted_schedule,
    advance_clock,
    dated_parts,
    intents_of_part,
    part_invoice,
    parts_of,
    pay_first_part,
    run_task,
    save_method,
    stripe_of,
    three_parts,
)
from tests.support.settings import add_tax_rate
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

BUYER = "grace@example.com"
SEPA_BOUNCES = "AT861904300235473202"  # processing, then failed (insufficient_funds)


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
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
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
    second = parts_of(app, quote_id)[1]
    assert second.status is PartStatus.PROCESSING  # its invoice made, the debit clearing
    [payment] = intents_of_part(app, second)
    assert payment.status is PaymentStatus.PROCESSING and payment.method_type == "sepa_debit"
    assert second.intent_id == payment.intent_id  # kept: a later run waits for the webhook
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
    panel = client.get(f"/panel/quotes/{quote_id}").get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="schedule-part">(.*?)</tr>', panel, re.S)
    assert len(rows) == 3 and "Paid" in rows[0] and "Scheduled" in rows[2]
    assert f">{invoice.number}</a>" in rows[1] and "Paid" in rows[1]
    third_due = parts_of(app, quote_id)[2].due_on
    assert third_due is not None and "Next scheduled charge" in panel
    assert f"€3,000.00 · {third_due.strftime('%b')}" in panel

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


def charges_at_stripe(stripe_sandbox: StripeSandbox, account: SandboxAccount) -> list[str]:
    """The idempotency keys of the off-session PaymentIntents Kassa created."""
    return [
        request["idempotency_key"]
        for request in stripe_sandbox.requests(account)
        if request["method"] == "POST"
        and request["path"] == "/v1/payment_intents"
        and ":quote:" in (request["idempotency_key"] or "")
    ]


def due_for_charge(
    app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount, method: str = "card",
    locale: str = "en", **details: str,
) -> tuple[int, str]:  # fmt: skip
    """A two-part schedule, nothing at acceptance, the first part in 2 days paid by ``method``
    (card: 3 days' notice, sent at once); the clock moved to the day it may be charged."""
    buyer = app.test_client()
    quote_id, token = accepted_schedule(app, buyer, dated_parts(date.today(), 2, 30), locale=locale)
    save_method(app, stripe_sandbox, merchant, quote_id, method, **details)
    assert run_task(app).notified == [parts_of(app, quote_id)[0].id]
    advance_clock(app, 3)
    return quote_id, token


def test_the_task_run_twice_charges_once(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    quote_id, _token = due_for_charge(app, stripe_sandbox, merchant)
    first = run_task(app)
    second = run_task(app)
    part = parts_of(app, quote_id)[0]
    assert first.charged == [part.id] and second.charged == []
    assert part.status is PartStatus.PAID and part.attempts == 1
    assert len(charges_at_stripe(stripe_sandbox, merchant)) == 1
    assert len(intents_of_part(app, part)) == 1
    quote = quote_row(app, quote_id)
    assert quote.status is QuoteStatus.PARTLY_PAID and quote.amount_paid == 500000
    assert quote.amount_pending == 0


def test_two_consumers_at_once_charge_once(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    quote_id, _token = due_for_charge(app, stripe_sandbox, merchant)

    def consumer(_n: int) -> list[int]:
        with app.app_context():
            try:
                return run_schedules(db.session).charged
            finally:
                db.session.remove()

    results = in_threads(2, consumer)
    part = parts_of(app, quote_id)[0]
    assert sorted(results, key=len) == [[], [part.id]], results
    assert len(charges_at_stripe(stripe_sandbox, merchant)) == 1
    assert part.status is PartStatus.PAID and part.attempts == 1
    assert quote_row(app, quote_id).amount_paid == 500000


def test_the_same_charge_sent_twice_with_its_key_charges_once(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    quote_id, _token = due_for_charge(app, stripe_sandbox, merchant)
    with app.app_context():
        quote = db.session.get_one(Quote, quote_id)
        part = quote.parts[0]
        part.attempts = 1
        gateway = connected_gateway(db.session, quote.merchant_id)
        request = OffSessionCharge(
            amount=quote.money(part.amount),
            customer=quote.processor_customer_id,
            payment_method=quote.saved_method_id,
            method_type="card",
            metadata={"kassa_quote": quote.shown_number, "kassa_quote_part": "1"},
        )
        key = charge_key(db.session, quote, part)
        first = gateway.charge_off_session(request, key)
        again = gateway.charge_off_session(request, key)
    assert first.id == again.id and first.status == "succeeded"
    assert key.endswith(f":quote:{quote_id}:part:0")
    listed = stripe_of(stripe_sandbox, merchant).v1.payment_intents.list()
    assert [intent.id for intent in listed.data] == [first.id]


def test_a_declined_card_emails_the_link_and_the_part_is_charged_after_the_method_changes(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    quote_id, token = due_for_charge(
        app, stripe_sandbox, merchant, card="pm_card_chargeCustomerFail"
    )
    mailbox.clear()
    run = run_task(app)
    part = parts_of(app, quote_id)[0]
    assert run.failed == [part.id] and part.status is PartStatus.FAILED
    assert part.last_error == "generic_decline" and part.failed_method_id
    [failed_payment] = intents_of_part(app, part)
    assert failed_payment.status is PaymentStatus.FAILED
    email = mailbox.wait_for(BUYER, subject="Payment failed: update your payment method")
    assert f"http://localhost/q/{token}" in email.text and "€5,000.00" in email.text
    owner = mailbox.wait_for("owner@example.com", subject="A scheduled payment failed")
    assert "could not be charged to Grace Hopper" in owner.text
    quote = quote_row(app, quote_id)
    assert quote.amount_pending == 0 and quote.status is QuoteStatus.ACCEPTED

    assert run_task(app).charged == []  # the same method is not tried again
    save_method(app, stripe_sandbox, merchant, quote_id, "card", card="pm_card_visa")
    run = run_task(app)
    part = parts_of(app, quote_id)[0]
    assert run.charged == [part.id] and part.status is PartStatus.PAID and part.attempts == 2
    keys = charges_at_stripe(stripe_sandbox, merchant)
    assert len(keys) == 2 and keys[1] == f"{keys[0]}:attempt:2"
    assert part_invoice(app, part).status is InvoiceStatus.PAID
    assert quote_row(app, quote_id).amount_paid == 500000


def test_a_card_that_needs_its_holder_fails_with_the_link_in_swedish(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    quote_id, token = due_for_charge(
        app, stripe_sandbox, merchant, locale="sv", card="pm_card_authenticationRequired"
    )
    notice = mailbox.wait_for(BUYER, subject="kommer att dra")
    assert "Del 1 av 2" in notice.text
    mailbox.clear()
    run_task(app)
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.FAILED and part.last_error == "authentication_required"
    email = mailbox.wait_for(BUYER, subject="Betalningen misslyckades")
    assert f"/q/{token}" in email.text


def test_a_failed_sepa_debit_reverts_the_part(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    buyer = app.test_client()
    quote_id, token = accepted_schedule(app, buyer, dated_parts(date.today(), 1, 30))
    save_method(app, stripe_sandbox, merchant, quote_id, "sepa_debit", iban=SEPA_BOUNCES)
    assert run_task(app).notified  # 14 days' notice: sent at once, the charge in 14 days
    advance_clock(app, 13)
    assert run_task(app).charged == []
    advance_clock(app, 1)
    run_task(app)
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.PROCESSING
    assert quote_row(app, quote_id).amount_pending == 500000
    [payment] = intents_of_part(app, part)
    mailbox.clear()
    settle(app, stripe_sandbox, payment.intent_id)
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.FAILED and part.last_error == "insufficient_funds"
    quote = quote_row(app, quote_id)
    assert quote.amount_pending == 0 and quote.amount_paid == 0
    assert part_invoice(app, part).status is InvoiceStatus.OPEN
    email = mailbox.wait_for(BUYER, subject="Payment failed: update your payment method")
    assert f"/q/{token}" in email.text
    assert run_task(app).charged == []


def test_a_bacs_notice_given_on_a_friday_runs_ten_working_days(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, _merchant = connected(client, app, stripe_sandbox, "GB", "gbp")
    friday = date.today() + timedelta(days=(4 - date.today().weekday()) % 7)
    buyer = app.test_client()
    quote_id, _token = accepted_schedule(app, buyer, dated_parts(friday, 1, 40), currency="GBP")
    save_method(app, stripe_sandbox, account, quote_id, "bacs_debit", **BACS)
    advance_clock(app, (friday - date.today()).days)
    assert run_task(app).notified == [parts_of(app, quote_id)[0].id]  # on the Friday
    advance_clock(app, 13)  # Thursday: nine working days
    assert run_task(app).charged == []
    advance_clock(app, 1)  # the second Friday after: ten working days
    assert run_task(app).charged == [parts_of(app, quote_id)[0].id]
    [payment] = intents_of_part(app, parts_of(app, quote_id)[0])
    assert payment.method_type == "bacs_debit" and payment.status is PaymentStatus.PROCESSING


def test_a_charge_stripe_did_not_answer_is_repeated_under_its_key(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    quote_id, _token = due_for_charge(app, stripe_sandbox, merchant)
    stripe_sandbox.faults(error_rate=1)
    try:
        assert run_task(app).charged == [parts_of(app, quote_id)[0].id]
    finally:
        stripe_sandbox.faults(error_rate=0)
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.PROCESSING and part.intent_id == "" and part.attempts == 1
    assert run_task(app).charged == []  # not before ten minutes
    with app.app_context():
        advance_test_clock(db.session, timedelta(minutes=11))
        db.session.commit()
    assert run_task(app).charged == [part.id]
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.PAID and part.attempts == 1
    keys = charges_at_stripe(stripe_sandbox, merchant)
    assert len(set(keys)) == 1 and len(intents_of_part(app, part)) == 1


def test_a_failed_part_paid_by_the_customer_on_its_invoice_is_never_charged_again(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox
) -> None:
    quote_id, _token = due_for_charge(
        app, stripe_sandbox, merchant, card="pm_card_chargeCustomerFail"
    )
    run_task(app)
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.FAILED
    with app.app_context():
        invoice_token = invoice_buyer_token(
            db.session.get_one(Invoice, part.invoice_id), SECRET_KEY
        )
    buyer = app.test_client()
    pay(app, stripe_sandbox, merchant, buyer, open_invoice_checkout(buyer, invoice_token))
    part = parts_of(app, quote_id)[0]
    assert part.status is PartStatus.PAID
    quote = quote_row(app, quote_id)
    assert quote.amount_paid == 500000 and quote.amount_pending == 0
    save_method(app, stripe_sandbox, merchant, quote_id, "card", card="pm_card_visa")
    assert run_task(app).charged == []  # the next part is not due yet; this one is paid
    assert len(charges_at_stripe(stripe_sandbox, merchant)) == 1  # the declined one only


def test_a_later_sepa_part_is_charged_under_the_mandate_saved_with_the_deposit(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """The deposit paid by SEPA through the checkout saves the method with its mandate; the
    same account then signs another mandate (a later SetupIntent of the method), so the charge
    proves which one Kassa named: the one the customer gave this quote."""
    buyer = app.test_client()
    quote_id, token = accepted_schedule(app, buyer, three_parts(date.today()))
    pressed = post_form(buyer, f"/q/{token}", f"/q/{token}/pay", {})
    pay(app, stripe_sandbox, merchant, buyer, pressed.headers["Location"], "sepa_debit")
    saved = quote_row(app, quote_id)
    assert saved.saved_method_type == "sepa_debit" and saved.saved_mandate_id.startswith("mandate_")
    with app.app_context():
        deposit = db.session.scalars(select(Payment).where(Payment.document_type == "quote")).one()
    settle(app, stripe_sandbox, deposit.intent_id)
    client = stripe_of(stripe_sandbox, merchant)
    newer = client.v1.setup_intents.create(
        params={
            "customer": saved.processor_customer_id,
            "payment_method": saved.saved_method_id,
            "payment_method_types": ["sepa_debit"],
            "usage": "off_session",
            "confirm": True,
            "mandate_data": MANDATE_DATA,
        }
    )
    assert newer.mandate and newer.mandate != saved.saved_mandate_id

    advance_clock(app, 6)  # the notice
    run_task(app)
    advance_clock(app, 14)  # the part's date
    second = parts_of(app, quote_id)[1]
    assert run_task(app).charged == [second.id]
    second = parts_of(app, quote_id)[1]
    assert second.status is PartStatus.PROCESSING  # its invoice made, the debit clearing
    [payment] = intents_of_part(app, second)
    intent = client.v1.payment_intents.retrieve(
        payment.intent_id, params={"expand": ["latest_charge"]}
    )
    assert intent.latest_charge.payment_method_details.sepa_debit.mandate == saved.saved_mandate_id


def test_a_card_saved_with_the_deposit_names_no_mandate(
    app: Flask, merchant: SandboxAccount, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    quote_id, _token = scheduled(app, stripe_sandbox, merchant)
    saved = quote_row(app, quote_id)
    assert saved.saved_method_type == "card" and saved.saved_mandate_id == ""
    advance_clock(app, 17)  # 3 days before the second part: the card's notice
    run_task(app)
    advance_clock(app, 3)
    assert run_task(app).charged == [parts_of(app, quote_id)[1].id]


def test_each_part_invoice_shows_its_share_of_the_quote_taxes(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """A taxed line at an awkward price: the parts' invoices (page and PDF) show the rate, the
    part's base and tax, included; with the first part's share the taxes add up to the quote's
    exactly, the remainders on the last part."""
    assert add_tax_rate(client, "MwSt", "19").status_code == 302
    with app.app_context():
        rate_id = db.session.scalars(select(TaxRate.id)).one()
    taxed = (LineInput("Kitchen renovation", quantity=3, unit_amount=333333,
                       tax_rate_ids=(rate_id,)),)  # fmt: skip
    quote_id, _token = scheduled(app, stripe_sandbox, merchant, lines=taxed)
    advance_clock(app, 17)
    run_task(app)
    advance_clock(app, 3)
    assert run_task(app).charged == [parts_of(app, quote_id)[1].id]
    advance_clock(app, 17)
    run_task(app)
    advance_clock(app, 3)
    assert run_task(app).charged == [parts_of(app, quote_id)[2].id]

    quote = quote_row(app, quote_id)
    [quote_tax] = quote.tax_breakdown
    assert quote_tax["base"] == 999999 and quote_tax["amount"] == quote.tax_total == 190000
    parts = parts_of(app, quote_id)
    [first] = part_taxes(quote.tax_breakdown, [part.amount for part in parts], 0)
    invoices = [part_invoice(app, part) for part in parts[1:]]
    shares = [invoice.tax_breakdown[0] for invoice in invoices]
    assert first.amount + sum(share["amount"] for share in shares) == quote_tax["amount"]
    assert first.base + sum(share["base"] for share in shares) == quote_tax["base"]
    second, third = shares
    assert second["amount"] == quote_tax["amount"] * parts[1].amount // quote.total
    assert all(share["inclusive"] for share in shares)
    assert [invoice.tax_total for invoice in invoices] == [second["amount"], third["amount"]]
    assert [invoice.total for invoice in invoices] == [parts[1].amount, parts[2].amount]

    page = client.get(f"/panel/invoices/{invoices[0].id}").get_data(as_text=True)
    base = f"€{second['base'] / 100:,.2f}"
    assert f"MwSt 19 % (included) on {base}" in page
    assert f"€{second['amount'] / 100:,.2f}" in page
    pdf = client.get(f"/panel/invoices/{invoices[0].id}/pdf")
    text = pdf_text(pdf.data)  # the rate's cell wraps its base under it
    assert "MwSt 19% (included) on" in text and base in text
    assert f"€{second['amount'] / 100:,.2f}" in text


def paid_in_three_parts(app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount) -> int:
    """A three-part schedule, the first part paid by card at acceptance (the card saved), the
    later two charged to it on their dates: the quote paid."""
    quote_id, _token = scheduled(app, stripe_sandbox, merchant)
    for position in (1, 2):
        advance_clock(app, 17)  # the card's 3 days' notice before the part's date
        run_task(app)
        advance_clock(app, 3)
        assert run_task(app).charged == [parts_of(app, quote_id)[position].id]
    assert quote_row(app, quote_id).status is QuoteStatus.PAID
    return quote_id


def test_refunding_a_parts_payment_lowers_what_the_quote_has_been_paid(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    mailbox: Mailbox,
) -> None:
    """From the payment's page in the panel: part of the last part's payment, then the rest;
    the quote follows the invoice's balance (paid, then partly paid), once per refund."""
    quote_id = paid_in_three_parts(app, stripe_sandbox, merchant)
    third = parts_of(app, quote_id)[2]
    [payment] = intents_of_part(app, third)

    assert refund(client, payment.id, "1000").status_code == 302
    quote = quote_row(app, quote_id)
    assert (quote.status, quote.amount_paid) == (QuoteStatus.PARTLY_PAID, 900000)
    assert quote.paid_at is None
    assert part_invoice(app, third).balance == 100000
    panel = client.get(f"/panel/quotes/{quote_id}").get_data(as_text=True)
    assert 'data-testid="quote-status">Partly paid<' in panel

    assert refund(client, payment.id, "2000").status_code == 302  # the rest of it
    quote = quote_row(app, quote_id)
    assert (quote.status, quote.amount_paid, quote.amount_pending) == (
        QuoteStatus.PARTLY_PAID, 700000, 0
    )  # fmt: skip
    invoice = part_invoice(app, third)
    assert (invoice.balance, invoice.amount_refunded) == (300000, 300000)
    with app.app_context():
        events = db.session.scalars(
            select(QuoteEvent.kind).where(QuoteEvent.quote_id == quote_id)
        ).all()
    assert events.count("part_refunded") == 2

    with app.app_context():  # the customer pays the part's invoice again: the quote is paid
        invoice_token = invoice_buyer_token(db.session.get_one(Invoice, invoice.id), SECRET_KEY)
    buyer = app.test_client()
    pay(app, stripe_sandbox, merchant, buyer, open_invoice_checkout(buyer, invoice_token))
    quote = quote_row(app, quote_id)
    assert (quote.status, quote.amount_paid) == (QuoteStatus.PAID, 1000000)
    assert part_invoice(app, third).status is InvoiceStatus.PAID
