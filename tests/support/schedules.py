"""Quote schedules for tests: a quote accepted and its first part paid the buyer's way, a
method saved onto it as Stripe would have one, the scheduler's clock moved forward, and the
hourly task run.

The buyer's path that saves the method at acceptance (``setup_future_usage=off_session``, a
Stripe customer, a SetupIntent when nothing is due now) fills the quote's
``saved_method_id``, ``saved_method_type`` and ``processor_customer_id`` (built beside this
engine, on another branch). Until then ``save_method`` makes the same objects through the
sandbox's API (a customer, the method set up under a mandate for debits, as a SetupIntent
does) and writes those three columns.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.data.clock import advance_test_clock
from app.extensions import db
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.quotes.models import PaymentMode, Quote, QuotePaymentPart
from app.quotes.pricing import PartSpec
from app.quotes.schedule import ScheduleRun
from app.quotes.service import LineInput
from app.quotes.tasks import charge_schedules
from tests.support.accounts import post_form
from tests.support.invoice_buyers import pay
from tests.support.payments import MANDATE_DATA
from tests.support.quotes import open_quote
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

LINES = (LineInput("Kitchen renovation", quantity=1, unit_amount=1000000),)
SEPA_IBAN = "DE89370400440532013000"
SEPA_FAILS_IBAN = "AT861904300235473202"
BACS = {"sort_code": "108800", "account_number": "00012345"}


def three_parts(today: date, second: int = 20, third: int = 40) -> tuple[PartSpec, ...]:
    """30 % at acceptance, 40 % ``second`` days later, the rest ``third`` days later."""
    return (
        PartSpec(percent=Decimal(30)),
        PartSpec(percent=Decimal(40), due_on=today + timedelta(days=second)),
        PartSpec(due_on=today + timedelta(days=third)),
    )


def dated_parts(today: date, first: int, second: int) -> tuple[PartSpec, ...]:
    """Nothing at acceptance: half ``first`` days later, the rest ``second`` days later."""
    return (
        PartSpec(percent=Decimal(50), due_on=today + timedelta(days=first)),
        PartSpec(due_on=today + timedelta(days=second)),
    )


def accepted_schedule(
    app: Flask, buyer: FlaskClient, parts: tuple[PartSpec, ...], **fields: Any
) -> tuple[int, str]:
    """A quote paid on ``parts``, sent and accepted by the buyer with a typed name."""
    fields.setdefault("currency", "EUR")
    fields.setdefault("lines", LINES)
    quote_id, token = open_quote(app, payment_mode=PaymentMode.SCHEDULE, parts=parts, **fields)
    page = f"/q/{token}"
    data = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper"}
    assert post_form(buyer, page, f"{page}/accept", data).status_code == 302
    return quote_id, token


def pay_first_part(
    app: Flask, sandbox: StripeSandbox, account: SandboxAccount, buyer: FlaskClient, token: str
) -> None:
    """The buyer pays what is due at acceptance by card through the checkout."""
    response = post_form(buyer, f"/q/{token}", f"/q/{token}/pay", {})
    assert response.status_code == 302, response.get_data(as_text=True)
    pay(app, sandbox, account, buyer, response.headers["Location"])


def stripe_of(sandbox: StripeSandbox, account: SandboxAccount) -> stripe.StripeClient:
    return stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})


def saved_method(
    sandbox: StripeSandbox, account: SandboxAccount, method: str, **details: str
) -> tuple[str, str]:
    """A Stripe customer with a method saved for off-session use: a card attached (``card``:
    a test method id), a bank debit set up by a SetupIntent under a mandate (``iban``, or Bacs
    ``sort_code`` and ``account_number``). (customer id, payment method id)."""
    client = stripe_of(sandbox, account)
    customer = client.v1.customers.create(params={"email": "grace@example.com", "name": "Grace"})
    if method == "card":
        card = details.get("card", "pm_card_visa")
        attached = client.v1.payment_methods.attach(card, params={"customer": customer.id})
        return customer.id, attached.id
    billing = {"name": "Grace Hopper", "email": "grace@example.com"}
    data: dict[str, Any] = {"type": method, "billing_details": billing}
    data[method] = {"iban": details["iban"]} if method == "sepa_debit" else details
    setup = client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "usage": "off_session",
            "payment_method_types": [method],
            "confirm": True,
            "payment_method_data": data,
            "mandate_data": MANDATE_DATA,
        }
    )
    assert setup.status == "succeeded", setup
    return customer.id, str(setup.payment_method)


def save_method(
    app: Flask,
    sandbox: StripeSandbox,
    account: SandboxAccount,
    quote_id: int,
    method: str = "sepa_debit",
    **details: str,
) -> str:
    """Give the quote a saved method (see the module's docstring); its id."""
    if method == "sepa_debit":
        details.setdefault("iban", SEPA_IBAN)
    customer_id, method_id = saved_method(sandbox, account, method, **details)
    with app.app_context():
        quote = db.session.get_one(Quote, quote_id)
        quote.saved_method_id = method_id
        quote.saved_method_type = method
        quote.processor_customer_id = customer_id
        db.session.commit()
    return method_id


def advance_clock(app: Flask, days: int) -> date:
    """Move the scheduler's clock ``days`` forward (every process reads the row); the new
    today."""
    with app.app_context():
        now = advance_test_clock(db.session, timedelta(days=days))
        db.session.commit()
        return now.date()


def run_task(app: Flask) -> ScheduleRun:
    """The hourly task, as the consumer runs it (inside the app's context)."""
    with app.app_context():
        result: ScheduleRun = charge_schedules.call_local()
        db.session.remove()
        return result


def parts_of(app: Flask, quote_id: int) -> list[QuotePaymentPart]:
    with app.app_context():
        parts = list(
            db.session.scalars(
                select(QuotePaymentPart)
                .where(QuotePaymentPart.quote_id == quote_id)
                .order_by(QuotePaymentPart.position)
            )
        )
        for part in parts:
            db.session.expunge(part)
        return parts


def part_invoice(app: Flask, part: QuotePaymentPart) -> Invoice:
    with app.app_context():
        invoice = db.session.get_one(Invoice, part.invoice_id)
        db.session.expunge(invoice)
        return invoice


def intents_of_part(app: Flask, part: QuotePaymentPart) -> list[Payment]:
    """The payments recorded for the part's invoice."""
    with app.app_context():
        payments = list(
            db.session.scalars(
                select(Payment)
                .where(
                    Payment.document_type == "invoice", Payment.document_id == str(part.invoice_id)
                )
                .order_by(Payment.id)
            )
        )
        for payment in payments:
            db.session.expunge(payment)
        return payments
