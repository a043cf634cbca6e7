"""The customer pays an invoice at ``/i/<token>`` through the shared checkout, against the
Stripe sandbox: in full or in parts, by card, SEPA, ACH or Bacs Direct Debit, never more than
is due (also when two people pay at once), never once it is paid or void, and the owners hear
of it.

Every step is what a person does: the invoice page's form with its CSRF token, the checkout's
pages, Stripe.js's confirm with the page's client secret, the return page, the sandbox
settling the bank's debits.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.extensions import db
from app.invoices.models import Invoice, InvoiceEvent, InvoiceStatus
from app.invoices.service import void_invoice
from app.payments.models import Payment, PaymentStatus
from tests.integration.test_payments import connected, record
from tests.support.accounts import post_form
from tests.support.invoice_buyers import (
    HTMX,
    SEPA_FAILS,
    at_pay_step,
    checkout_row,
    choose_to_pay,
    confirm,
    invoice_of,
    invoicing_merchant,
    open_checkout,
    pay,
)
from tests.support.invoices import open_invoice
from tests.support.mailbox import Mailbox
from tests.support.payments import MANDATE_DATA, confirm_as_browser, refunds_of
from tests.support.settings import add_discount, add_fee
from tests.support.stripe_sandbox import StripeSandbox

TOTAL = 112500  # the default lines: 2 x EUR 500 and EUR 125
PAID_THANKS = "Thank you, your payment went through"


def due_now(body: str) -> str:
    match = re.search(r'data-testid="due-now">([^<]+)<', body)
    assert match, body
    return match.group(1)


def shown(body: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]+)<', body)
    assert match, body
    return match.group(1).strip()


def stripe_payments(app: Flask) -> list[Payment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Payment).order_by(Payment.id)))
        db.session.expunge_all()
        return rows


def event_kinds(app: Flask, invoice_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(InvoiceEvent.kind)
                .where(InvoiceEvent.invoice_id == invoice_id)
                .order_by(InvoiceEvent.id)
            )
        )


def test_an_invoice_is_paid_in_full_by_card_without_fees_or_codes(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    add_fee(client, "Card fee", fixed_currency="EUR", percent="2")  # links pay it; invoices not
    add_discount(client, "SPRING25", percent="25", currency="EUR")
    invoice_id, token = open_invoice(app, currency="EUR")
    number = invoice_of(app, invoice_id).number
    customer = app.test_client()

    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert f'<h1 id="invoice-heading">Invoice {number}</h1>' in page
    assert "Grace Hopper" in page and "Design work" in page and "Printing" in page
    assert shown(page, "invoice-total") == "€1,125.00" and shown(page, "balance-due") == "€1,125.00"
    assert shown(page, "invoice-status") == "Open"
    assert "Pay €1,125.00" in page

    checkout = open_checkout(customer, token)
    body = customer.get(checkout).get_data(as_text=True)
    assert f"<h1>Invoice {number}</h1>" in body
    assert due_now(body) == "€1,125.00"  # no card fee on an invoice
    assert "Apply code" not in body and 'name="code"' not in body
    assert 'value="grace@example.com"' in body  # the customer is known
    refused = post_form(customer, checkout, checkout + "/discount", {"code": "SPRING25"})
    assert refused.status_code == 422 and "This code does not work here." in refused.text

    receipt = pay(app, stripe_sandbox, account, customer, checkout)
    assert PAID_THANKS in receipt and "€1,125.00" in receipt
    assert f'href="/i/{token}"' in receipt  # back to the invoice

    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_pending) == (
        InvoiceStatus.PAID, TOTAL, 0
    )  # fmt: skip
    assert invoice.paid_at is not None
    [payment] = stripe_payments(app)
    assert (payment.status, payment.amount, payment.document_type) == (
        PaymentStatus.SUCCEEDED, TOTAL, "invoice"
    )  # fmt: skip

    paid_page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(paid_page, "invoice-status") == "Paid"
    assert shown(paid_page, "balance-due") == "€0.00"
    assert "Receipts" in paid_page and payment.intent_id in paid_page
    assert "/pay" not in paid_page and "Pay €" not in paid_page
    assert mailbox.take("owner@example.com", f"Invoice {number} is paid")
    # One email to the owners about the payment: the invoice's, not a "New payment" too.
    assert not [m for m in mailbox.messages("owner@example.com") if "payment" in m.subject]
    # One receipt: the paid invoice's with its PDF (sent by a task), not the payment's too.
    paid_receipt = mailbox.wait_for("grace@example.com", subject=f"Receipt: invoice {number}")
    assert any(part.get_filename() == f"{number}.pdf" for part in paid_receipt.message.walk())
    assert len(mailbox.messages("grace@example.com")) == 1


def test_a_part_then_the_rest(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR", allow_partial=True, minimum_part=10000)
    number = invoice_of(app, invoice_id).number
    customer = app.test_client()

    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert 'value="1,125"' in page or 'value="1,125.00"' in page  # the whole balance to start
    assert "or a part of at least €100.00" in page

    checkout = open_checkout(customer, token, "400")
    body = customer.get(checkout).get_data(as_text=True)
    assert f"<h1>Payment towards invoice {number}</h1>" in body and due_now(body) == "€400.00"
    assert PAID_THANKS in pay(app, stripe_sandbox, account, customer, checkout)

    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        InvoiceStatus.OPEN, 40000, 72500
    )  # fmt: skip
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "invoice-status") == "Partially paid"
    assert shown(page, "amount-paid") == "€400.00" and shown(page, "balance-due") == "€725.00"
    assert "Payments so far" in page and 'value="725"' in page
    assert mailbox.take("owner@example.com", f"Part payment of invoice {number}: €400.00")

    rest = open_checkout(customer, token, "725")
    assert rest != checkout  # the first checkout is paid: a new one
    assert due_now(customer.get(rest).get_data(as_text=True)) == "€725.00"
    assert PAID_THANKS in pay(app, stripe_sandbox, account, customer, rest)
    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, TOTAL)
    assert mailbox.take("owner@example.com", f"Invoice {number} is paid")
    assert event_kinds(app, invoice_id).count("paid_in_part") == 1
    assert event_kinds(app, invoice_id).count("paid") == 1
    # The part's receipt, then for the rest only the paid invoice's: one receipt a payment.
    mailbox.wait_for("grace@example.com", subject=f"Receipt: invoice {number}")
    subjects = sorted(m.subject for m in mailbox.messages("grace@example.com"))
    assert len(subjects) == 2, subjects
    assert subjects[0].startswith(f"Receipt: invoice {number}")
    assert subjects[1].startswith("Your receipt from")


def test_a_payer_other_than_the_customer_gets_the_payments_receipt(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    number = invoice_of(app, invoice_id).number
    accountant = app.test_client()
    checkout = open_checkout(accountant, token)
    details = {"email": "books@example.com", "name": "Ada Books"}
    assert post_form(accountant, checkout, checkout + "/details", details).status_code == 302
    assert PAID_THANKS in pay(app, stripe_sandbox, account, accountant, checkout)

    assert invoice_of(app, invoice_id).status is InvoiceStatus.PAID
    payer = mailbox.wait_for("books@example.com")
    assert payer.subject.startswith("Your receipt from")
    customer = mailbox.wait_for("grace@example.com", subject=f"Receipt: invoice {number}")
    assert any(part.get_filename() == f"{number}.pdf" for part in customer.message.walk())
    assert len(mailbox.messages("books@example.com")) == 1
    assert len(mailbox.messages("grace@example.com")) == 1


def test_a_part_above_the_balance_or_below_the_minimum_is_refused_and_kept(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(app, currency="EUR", allow_partial=True, minimum_part=10000)
    customer = app.test_client()
    refusals = {
        "2000": "Enter at most €1,125.00, the amount still due.",
        "1125.01": "Enter at most €1,125.00, the amount still due.",
        "99.99": "Enter at least €100.00, or the whole amount due.",
        "0": "Enter an amount above zero.",
        "12.345": "EUR amounts have at most 2 decimals.",
        "ten euros": "Enter an amount like 12.50.",
        "": "Enter the amount to pay.",
    }
    for typed, message in refusals.items():
        refused = choose_to_pay(customer, token, typed)
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422, typed
        assert message in body, (typed, body)
        assert f'value="{typed}"' in body or typed == "", typed  # what was typed stays
        assert 'id="amount-error"' in body
    partial = choose_to_pay(customer, token, "5", headers=HTMX)
    assert partial.status_code == 422
    assert '<section id="invoice-pay"' in partial.text and "<html" not in partial.text
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).all() == []


def test_an_invoice_without_parts_ignores_a_typed_amount(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(app, currency="EUR")
    customer = app.test_client()
    assert 'name="amount"' not in customer.get(f"/i/{token}").get_data(as_text=True)
    checkout = open_checkout(customer, token, "5")  # a script posting an amount anyway
    assert due_now(customer.get(checkout).get_data(as_text=True)) == "€1,125.00"


def test_a_swedish_customer_reads_and_types_in_swedish(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(
        app, currency="EUR", allow_partial=True, minimum_part=10000, locale="sv"
    )
    customer = app.test_client()
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Belopp att betala" in page
    refused = choose_to_pay(customer, token, "2000,50")
    assert refused.status_code == 422 and "Ange högst 1\u00a0125,00\u00a0€" in refused.text
    checkout = open_checkout(customer, token, "400,50")
    body = customer.get(checkout).get_data(as_text=True)
    assert '<html lang="sv">' in body and due_now(body) == "400,50\u00a0€"
    customer.set_cookie("kassa_locale", "en")  # what the language switcher sets
    english = customer.get(f"/i/{token}")
    assert '<html lang="en">' in english.get_data(as_text=True)  # the switcher's choice wins


def test_two_customers_paying_the_same_balance_at_once_never_overcollect(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """Two people (the customer and their accountant, two browsers) each pay the whole
    balance; both confirm at Stripe before either comes back. One payment counts; the other
    is refused, refunded in full and flagged to both."""
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    browsers = [app.test_client(), app.test_client()]
    pages = [open_checkout(browser, token) for browser in browsers]
    intents = [
        at_pay_step(app, stripe_sandbox, account, browser, page)
        for browser, page in zip(browsers, pages, strict=True)
    ]
    for intent in intents:
        confirm(stripe_sandbox, account, intent)

    outcomes: list[str] = []

    def come_back(browser: FlaskClient, page: str) -> None:
        outcomes.append(browser.get(page + "/return").get_data(as_text=True))

    pairs = zip(browsers, pages, strict=True)
    threads = [threading.Thread(target=come_back, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(PAID_THANKS in body for body in outcomes) == 1
    assert (
        sum("This invoice was paid or cancelled while you were paying" in b for b in outcomes) == 1
    )
    rows = stripe_payments(app)
    assert sorted((p.status, p.rejection or "") for p in rows) == [
        (PaymentStatus.REFUNDED, "balance_paid"),
        (PaymentStatus.SUCCEEDED, ""),
    ]
    refused = next(p for p in rows if p.rejection)
    assert [r.amount for r in refunds_of(stripe_sandbox, account, refused.intent_id)] == [TOTAL]
    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_pending) == (
        InvoiceStatus.PAID, TOTAL, 0
    )  # fmt: skip
    page = app.test_client().get(f"/i/{token}").get_data(as_text=True)
    assert page.count('<li class="list-row">') == 1  # the refunded payment is not a receipt
    assert mailbox.wait_for("owner@example.com", subject="refused and refunded")


def test_two_parts_confirmed_at_once_never_pay_more_than_the_balance(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Each part fits the balance alone, not both: the second to come back is refunded (the
    invoice is still open, so only the payable amount stops it)."""
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR", allow_partial=True)
    browsers = [app.test_client(), app.test_client()]
    pages = [open_checkout(browser, token, "700") for browser in browsers]
    for browser, page in zip(browsers, pages, strict=True):
        confirm(stripe_sandbox, account, at_pay_step(app, stripe_sandbox, account, browser, page))
    for browser, page in zip(browsers, pages, strict=True):
        browser.get(page + "/return")

    rows = stripe_payments(app)
    assert sorted((p.status, p.rejection or "") for p in rows) == [
        (PaymentStatus.REFUNDED, "balance_paid"),
        (PaymentStatus.SUCCEEDED, ""),
    ]
    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_pending) == (
        InvoiceStatus.OPEN, 70000, 0
    )  # fmt: skip


def test_a_sepa_part_is_processing_until_it_settles(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR", allow_partial=True, minimum_part=10000)
    customer = app.test_client()
    checkout = open_checkout(customer, token, "400")
    processing = pay(app, stripe_sandbox, account, customer, checkout, method="sepa_debit")
    assert "being processed" in processing or "processing" in processing.lower()

    invoice = invoice_of(app, invoice_id)
    assert (invoice.amount_paid, invoice.amount_pending) == (0, 40000)
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "invoice-status") == "Payment processing"
    assert shown(page, "amount-processing") == "€400.00"
    assert shown(page, "balance-due") == "€1,125.00"  # nothing settled yet
    assert 'value="725"' in page  # what may still be paid meanwhile
    assert "Processing" in page  # the debit among the payments so far
    assert choose_to_pay(customer, token, "800").status_code == 422  # above 725 payable

    stripe_sandbox.control("POST", "/_sandbox/advance")
    intent_id = checkout_row(app, checkout).payment_intent_id
    assert intent_id
    record(app, merchant, intent_id)  # what the webhook does
    record(app, merchant, intent_id)  # and a replay changes nothing
    invoice = invoice_of(app, invoice_id)
    assert (invoice.amount_paid, invoice.amount_pending, invoice.status) == (
        40000, 0, InvoiceStatus.OPEN
    )  # fmt: skip
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "invoice-status") == "Partially paid"
    assert shown(page, "balance-due") == "€725.00"
    assert event_kinds(app, invoice_id).count("paid_in_part") == 1
    assert checkout_row(app, checkout).status == "paid"


BANK_DEBITS = {
    "us_bank_account": {"payment_method": "pm_usBankAccount_success"},
    "bacs_debit": {
        "payment_method_data": {
            "type": "bacs_debit",
            "bacs_debit": {"sort_code": "108800", "account_number": "00012345"},
            "billing_details": {"name": "Grace Hopper", "email": "grace@example.com"},
        },
    },
}


@pytest.mark.parametrize(
    ("country", "currency", "method"),
    [("US", "usd", "us_bank_account"), ("GB", "gbp", "bacs_debit")],
    ids=["ach", "bacs"],
)
def test_an_invoice_paid_by_ach_or_bacs_is_paid_once_the_debit_settles(
    client: FlaskClient,
    app: Flask,
    stripe_sandbox: StripeSandbox,
    country: str,
    currency: str,
    method: str,
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, country, currency)
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": ["card", method], "billing_address": "off",
              "shipping_address": "off", "phone": "off"})  # fmt: skip
    invoice_id, token = open_invoice(app, currency=currency.upper())
    customer = app.test_client()
    checkout = open_checkout(customer, token)
    intent = at_pay_step(app, stripe_sandbox, account, customer, checkout, method)
    assert intent["amount"] == TOTAL and method in intent["payment_method_types"]
    confirm_as_browser(stripe_sandbox, account, intent["id"], intent["client_secret"],
                       mandate_data=MANDATE_DATA, **BANK_DEBITS[method])  # fmt: skip
    customer.get(f"{checkout}/return?payment_intent={intent['id']}")
    invoice = invoice_of(app, invoice_id)
    assert (invoice.amount_paid, invoice.amount_pending) == (0, TOTAL)
    assert shown(customer.get(f"/i/{token}").get_data(as_text=True), "invoice-status") == (
        "Payment processing"
    )

    stripe_sandbox.control("POST", "/_sandbox/advance")
    record(app, merchant, intent["id"])  # what the webhook does
    invoice = invoice_of(app, invoice_id)
    assert (invoice.amount_paid, invoice.amount_pending, invoice.status) == (
        TOTAL, 0, InvoiceStatus.PAID
    )  # fmt: skip
    assert shown(customer.get(f"/i/{token}").get_data(as_text=True), "invoice-status") == "Paid"


def test_a_failed_debit_restores_the_balance(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    customer = app.test_client()
    checkout = open_checkout(customer, token)
    pay(app, stripe_sandbox, account, customer, checkout, method="sepa_debit", iban=SEPA_FAILS)
    assert invoice_of(app, invoice_id).amount_pending == TOTAL
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert "A payment of this invoice is being processed" in page and "Pay €" not in page

    stripe_sandbox.control("POST", "/_sandbox/advance")
    intent_id = checkout_row(app, checkout).payment_intent_id
    assert intent_id
    assert record(app, merchant, intent_id).status is PaymentStatus.FAILED
    record(app, merchant, intent_id)
    invoice = invoice_of(app, invoice_id)
    assert (invoice.amount_paid, invoice.amount_pending, invoice.status) == (
        0, 0, InvoiceStatus.OPEN
    )  # fmt: skip
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "invoice-status") == "Open" and "Pay €1,125.00" in page
    assert event_kinds(app, invoice_id).count("payment_failed") == 1
    # The bounce email's "pay again" reaches the same checkout, open again, for the balance.
    assert due_now(customer.get(checkout).get_data(as_text=True)) == "€1,125.00"


def test_a_void_invoice_cannot_be_paid_not_even_through_an_old_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    customer = app.test_client()
    old = open_checkout(customer, token)
    intent = at_pay_step(app, stripe_sandbox, account, customer, old)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        void_invoice(db.session, invoice, date.today(), reason="Wrong customer")
        db.session.commit()

    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "invoice-status") == "Void"
    assert "This invoice was cancelled, so it cannot be paid." in page and "Pay €" not in page
    refused = choose_to_pay(customer, token)
    assert refused.status_code == 422 and "This invoice was cancelled" in refused.text
    for closed in (customer.get(old), customer.get(old + "/pay")):
        body = closed.get_data(as_text=True)
        assert closed.status_code == 200 and "This invoice was cancelled" in body
        assert 'data-testid="due-now"' not in body

    # A tab left on Stripe's form pays anyway: the claim refuses it, and it is refunded.
    confirm(stripe_sandbox, account, intent)
    returned = customer.get(f"{old}/return?payment_intent={intent['id']}").get_data(as_text=True)
    assert "This invoice was paid or cancelled while you were paying" in returned
    [payment] = stripe_payments(app)
    assert (payment.status, payment.rejection) == (PaymentStatus.REFUNDED, "balance_paid")
    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_pending) == (
        InvoiceStatus.VOID, 0, 0
    )  # fmt: skip


def test_a_paid_invoice_cannot_be_paid_again_not_even_through_an_old_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(app, currency="EUR")
    first, second = app.test_client(), app.test_client()
    old = open_checkout(second, token)  # opened, then left
    assert PAID_THANKS in pay(app, stripe_sandbox, account, first, open_checkout(first, token))

    refused = choose_to_pay(second, token)
    assert refused.status_code == 422
    body = second.get(old).get_data(as_text=True)
    assert "This invoice is paid. Nothing more is due." in body
    assert second.get(old + "/pay").status_code == 200  # the closed page, never a pay step
    assert 'data-testid="due-now"' not in second.get(old + "/pay").get_data(as_text=True)


def test_an_overdue_invoice_says_so_and_can_still_be_paid(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(app, currency="EUR", today=date.today() - timedelta(days=30))
    page = app.test_client().get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "invoice-status") == "Overdue"
    assert "This invoice was due on" in page and "Pay €1,125.00" in page


def test_the_first_view_by_the_customer_is_noted_once_and_told_to_the_owners(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    number = invoice_of(app, invoice_id).number

    assert client.get(f"/i/{token}").status_code == 200  # the merchant looks at it: not a view
    assert invoice_of(app, invoice_id).first_viewed_at is None

    tabs = [app.test_client() for _ in range(4)]
    threads = [threading.Thread(target=tab.get, args=(f"/i/{token}",)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first = invoice_of(app, invoice_id).first_viewed_at
    assert first is not None
    tabs[0].get(f"/i/{token}")
    assert invoice_of(app, invoice_id).first_viewed_at == first
    mailbox.wait_for("owner@example.com", subject="opened invoice")
    subjects = [m.subject for m in mailbox.messages("owner@example.com")]
    assert subjects.count(f"Grace Hopper opened invoice {number}") == 1
    assert event_kinds(app, invoice_id).count("viewed") == 1


def test_an_unknown_or_draft_address_is_a_plain_not_found(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    invoicing_merchant(client, app, stripe_sandbox)
    _id, token = open_invoice(app, currency="EUR")
    stranger = app.test_client()
    for path in ("/i/" + "x" * 43, f"/i/{token[:-1]}", "/i/%00", f"/i/{token}x"):
        response = stranger.get(path)
        assert response.status_code == 404
        assert "Invoice" not in response.get_data(as_text=True)
    posted = stranger.post("/i/" + "x" * 43 + "/pay", data={"csrf_token": "x"})
    assert posted.status_code in (400, 404)


def test_a_refund_from_the_stripe_dashboard_makes_the_amount_due_again(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """The merchant refunds part of a payment in Stripe's dashboard: once recorded (the
    webhook re-reads the intent), that much is due again and the paid invoice is open."""
    account, merchant = invoicing_merchant(client, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    customer = app.test_client()
    checkout = open_checkout(customer, token)
    assert PAID_THANKS in pay(app, stripe_sandbox, account, customer, checkout)
    intent_id = checkout_row(app, checkout).payment_intent_id
    assert intent_id and invoice_of(app, invoice_id).status is InvoiceStatus.PAID

    dashboard = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    dashboard.v1.refunds.create(params={"payment_intent": intent_id, "amount": 12500})
    record(app, merchant, intent_id)
    record(app, merchant, intent_id)  # a second delivery of the event changes nothing
    invoice = invoice_of(app, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        InvoiceStatus.OPEN, TOTAL - 12500, 12500
    )  # fmt: skip
    page = customer.get(f"/i/{token}").get_data(as_text=True)
    assert shown(page, "balance-due") == "€125.00" and "Pay €125.00" in page
    assert "€1,000.00" in page  # the payment, less its refund
    assert event_kinds(app, invoice_id).count("payment_refunded") == 1
