"""A quote's acceptance saves the buyer's method for the schedule's later parts (issue 15), as a
buyer does it against the Stripe sandbox: the part due now paid through the checkout with the
method saved (card, SEPA, Bacs, ACH), nothing due now saved by a SetupIntent on the quote's
method page, a declined card, two tabs saving at once, a failed part's "Update your payment
method", reconciliation beside SetupIntents, and what erasing the customer does at Stripe."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import pricing
from app.core.clock import utcnow
from app.customers.models import Customer
from app.extensions import db
from app.payments.models import Payment
from app.payments.service import reconcile, reconcile_setups
from app.processors.models import ProcessorCustomer
from app.quotes.models import PartStatus, PaymentMode, Quote, QuoteEvent, QuotePaymentPart
from app.quotes.pricing import PartSpec
from app.quotes.service import LineInput
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.invoice_buyers import at_pay_step
from tests.support.payments import (
    BILLING,
    MANDATE_DATA,
    confirm_as_browser,
    connect_through_live_server,
    sepa,
    wait_until,
)
from tests.support.quotes import (
    open_quote,
    quote_row,
    save_method_as_browser,
    setup_secret_of,
)
from tests.support.servers import LiveServer
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

TODAY = date.today()
LINES = (
    LineInput("Kitchen design", quantity=1, unit_amount=400000),
    LineInput("Cabinets", quantity=4, unit_amount=50000),
)
DEPOSIT_THEN_LATER = (
    PartSpec(percent=Decimal(30)),
    PartSpec(due_on=TODAY + timedelta(days=30)),
)
ALL_LATER = (
    PartSpec(percent=Decimal(50), due_on=TODAY + timedelta(days=20)),
    PartSpec(due_on=TODAY + timedelta(days=50)),
)
BACS = {
    "payment_method_data": {
        "type": "bacs_debit",
        "bacs_debit": {"sort_code": "108800", "account_number": "00012345"},
        "billing_details": BILLING,
    },
    "mandate_data": MANDATE_DATA,
}
# method -> (account country, currency, what Stripe.js confirms with)
METHODS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "card": ("DE", "eur", {"payment_method": "pm_card_visa"}),
    "sepa_debit": ("DE", "eur", sepa("DE89370400440532013000")),
    "bacs_debit": ("GB", "gbp", BACS),
    "us_bank_account": (
        "US", "usd", {"payment_method": "pm_usBankAccount_success", "mandate_data": MANDATE_DATA},
    ),
}  # fmt: skip


def merchant_taking(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox, method: str
) -> SandboxAccount:
    """A merchant connected in the method's country, taking cards and ``method``."""
    country, currency, _ = METHODS[method]
    account, _merchant = connected(client, app, sandbox, country, currency)
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": sorted({"card", method}),
              "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    return account


def accepted_quote(
    app: Flask, buyer: FlaskClient, currency: str = "EUR", **fields: Any
) -> tuple[int, str]:
    quote_id, token = open_quote(app, currency=currency, lines=LINES, **fields)
    page = f"/q/{token}"
    data = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper"}
    assert post_form(buyer, page, f"{page}/accept", data).status_code == 302
    return quote_id, token


def merchant_stripe(sandbox: StripeSandbox, account: SandboxAccount) -> stripe.StripeClient:
    return stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})


def processor_customers(app: Flask) -> list[ProcessorCustomer]:
    with app.app_context():
        rows = list(db.session.scalars(select(ProcessorCustomer)))
        for row in rows:
            db.session.expunge(row)
        return rows


def events_of(app: Flask, quote_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(QuoteEvent.kind)
                .where(QuoteEvent.quote_id == quote_id)
                .order_by(QuoteEvent.id)
            )
        )


def pay_due_now(
    app: Flask, sandbox: StripeSandbox, account: SandboxAccount, buyer: FlaskClient, token: str,
    method: str,
) -> dict[str, Any]:  # fmt: skip
    """Press Pay on the quote, confirm in the checkout with ``method``, come back: the intent."""
    pressed = post_form(buyer, f"/q/{token}", f"/q/{token}/pay", {})
    assert pressed.status_code == 302, pressed.get_data(as_text=True)
    checkout = pressed.headers["Location"]
    intent = at_pay_step(app, sandbox, account, buyer, checkout, method)
    confirm_as_browser(
        sandbox, account, intent["id"], intent["client_secret"], **METHODS[method][2]
    )
    buyer.get(f"{checkout}/return?payment_intent={intent['id']}")
    return intent


@pytest.mark.parametrize("method", list(METHODS))
def test_the_deposit_saves_the_method_for_the_later_part(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox, method: str
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, method)
    buyer = app.test_client()
    currency = METHODS[method][1].upper()
    quote_id, token = accepted_quote(
        app, buyer, currency, payment_mode=PaymentMode.SCHEDULE, parts=DEPOSIT_THEN_LATER
    )
    intent = pay_due_now(app, stripe_sandbox, account, buyer, token, method)

    (customer,) = processor_customers(app)
    assert intent["setup_future_usage"] == "off_session"
    assert intent["customer"] == customer.processor_customer_id
    quote = quote_row(app, quote_id)
    assert quote.amount_paid + quote.amount_pending == 180000  # 30 % of 6,000.00
    assert quote.saved_method_type == method
    saved = merchant_stripe(stripe_sandbox, account).v1.payment_methods.retrieve(
        quote.saved_method_id
    )
    assert saved.customer == customer.processor_customer_id  # reusable off-session
    assert quote.processor_customer_id == customer.processor_customer_id
    assert quote.saved_method_details["last4"] and "number" not in quote.saved_method_details
    page = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert 'data-testid="saved-method"' in page and quote.saved_method_details["last4"] in page
    assert "Next payment:" in page and 'data-testid="quote-method"' not in page
    assert events_of(app, quote_id).count("method_saved") == 1
    panel = client.get(f"/panel/quotes/{quote_id}").get_data(as_text=True)
    assert "Saved payment method" in panel and quote.saved_method_details["last4"] in panel
    assert "Payment method saved for the later payments" in panel


def test_a_quote_charged_once_saves_nothing(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    buyer = app.test_client()
    quote_id, token = accepted_quote(
        app, buyer, payment_mode=PaymentMode.DEPOSIT, deposit_percent=Decimal(30)
    )
    intent = pay_due_now(app, stripe_sandbox, account, buyer, token, "card")
    assert intent["setup_future_usage"] is None and intent["customer"] is None
    assert processor_customers(app) == []
    assert quote_row(app, quote_id).saved_method_id == ""


def test_a_recurring_line_saves_the_method_when_paid_in_full(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    buyer = app.test_client()
    monthly = LineInput(
        "Maintenance", quantity=1, unit_amount=10000, interval=pricing.Interval.MONTH
    )
    quote_id, token = open_quote(app, currency="EUR", lines=(*LINES, monthly))
    page = f"/q/{token}"
    data = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper"}
    post_form(buyer, page, f"{page}/accept", data)
    intent = pay_due_now(app, stripe_sandbox, account, buyer, token, "card")
    assert intent["setup_future_usage"] == "off_session"
    assert quote_row(app, quote_id).saved_method_type == "card"


def open_method_page(buyer: FlaskClient, token: str) -> str:
    response = buyer.get(f"/q/{token}/method")
    assert response.status_code == 200, response.headers.get("Location")
    return response.get_data(as_text=True)


def test_nothing_due_now_saves_a_sepa_mandate_by_setup_intent(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "sepa_debit")
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    quote_page = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert 'data-testid="quote-pay"' not in quote_page
    assert "Save your payment method" in quote_page

    secret = setup_secret_of(open_method_page(buyer, token))
    setup = merchant_stripe(stripe_sandbox, account).v1.setup_intents.retrieve(
        secret.split("_secret_")[0]
    )
    (customer,) = processor_customers(app)
    assert setup.customer == customer.processor_customer_id and setup.usage == "off_session"
    assert setup.metadata["kassa_document_type"] == "quote"
    assert setup.metadata["kassa_document_id"] == str(quote_id)
    assert set(setup.payment_method_types) == {"card", "sepa_debit"}
    saved = save_method_as_browser(
        stripe_sandbox, account, secret, **sepa("DE89370400440532013000")
    )
    assert saved["status"] == "succeeded"

    back = buyer.get(f"/q/{token}/method/return?setup_intent={setup.id}&redirect_status=succeeded")
    assert back.status_code == 302 and back.headers["Location"] == f"/q/{token}"
    quote = quote_row(app, quote_id)
    assert quote.setup_intent_id == setup.id and quote.saved_method_type == "sepa_debit"
    assert quote.processor_customer_id == customer.processor_customer_id
    assert quote.saved_method_details["mandate_reference"]
    shown = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert "Your payment method is saved." in shown
    assert quote.saved_method_details["mandate_reference"] in shown
    assert "Next payment:" in shown and "Save your payment method" not in shown
    with app.app_context():
        assert db.session.scalars(select(Payment)).all() == []  # nothing was charged
    assert buyer.get(f"/q/{token}/method").status_code == 302  # nothing more to save


def test_a_declined_card_is_said_and_another_one_saves(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    secret = setup_secret_of(open_method_page(buyer, token))
    declined = save_method_as_browser(
        stripe_sandbox, account, secret, payment_method="pm_card_chargeDeclined"
    )
    assert declined == {"declined": "card_declined"}
    back = buyer.get(f"/q/{token}/method/return?redirect_status=failed")
    assert back.headers["Location"] == f"/q/{token}/method"
    again = open_method_page(buyer, token)
    assert 'data-testid="last-failure"' in again and setup_secret_of(again) == secret
    assert quote_row(app, quote_id).saved_method_id == ""

    save_method_as_browser(stripe_sandbox, account, secret, payment_method="pm_card_mastercard")
    buyer.get(f"/q/{token}/method/return")
    quote = quote_row(app, quote_id)
    assert quote.saved_method_details["brand"] == "mastercard"
    assert (
        "mastercard card ending in 4444" in buyer.get(f"/q/{token}").get_data(as_text=True).lower()
    )


def test_two_tabs_saving_at_once_save_one_method(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    first, second = app.test_client(), app.test_client()
    quote_id, token = accepted_quote(app, first, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    first_secret = setup_secret_of(open_method_page(first, token))
    second_secret = setup_secret_of(open_method_page(second, token))
    assert first_secret == second_secret  # one SetupIntent for the quote
    save_method_as_browser(stripe_sandbox, account, first_secret, payment_method="pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        save_method_as_browser(
            stripe_sandbox, account, second_secret, payment_method="pm_card_mastercard"
        )
    assert refused.value.code == "setup_intent_unexpected_state"  # setup.js: to the return page
    for tab in (first, second):
        assert tab.get(f"/q/{token}/method/return").headers["Location"] == f"/q/{token}"
    assert quote_row(app, quote_id).saved_method_details["brand"] == "visa"
    assert events_of(app, quote_id).count("method_saved") == 1
    assert len(processor_customers(app)) == 1


def test_tabs_opening_the_method_page_at_the_same_moment_get_one_setup_intent(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    """Four tabs open the method page at once: one Stripe customer (one idempotency key, one
    row), one SetupIntent (one key), and every tab mounts it."""
    merchant_taking(client, app, stripe_sandbox, "card")
    quote_id, token = accepted_quote(
        app, app.test_client(), payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER
    )
    tabs = 4
    start = threading.Barrier(tabs)
    secrets: list[str] = []

    def open_page() -> None:
        tab = app.test_client()
        start.wait()
        secrets.append(setup_secret_of(open_method_page(tab, token)))

    threads = [threading.Thread(target=open_page) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(secrets) == tabs and len(set(secrets)) == 1
    assert quote_row(app, quote_id).setup_intent_id == secrets[0].split("_secret_")[0]
    assert len(processor_customers(app)) == 1


def test_a_failed_part_asks_for_another_method_which_replaces_it(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    buyer = app.test_client()
    quote_id, token = accepted_quote(
        app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=DEPOSIT_THEN_LATER
    )
    pay_due_now(app, stripe_sandbox, account, buyer, token, "card")
    first_method = quote_row(app, quote_id).saved_method_id
    assert buyer.get(f"/q/{token}/method").status_code == 302  # nothing failed: nothing to do
    with app.app_context():  # the schedule's engine failed to charge the later part
        later = db.session.scalars(
            select(QuotePaymentPart).where(
                QuotePaymentPart.quote_id == quote_id, QuotePaymentPart.due_on.is_not(None)
            )
        ).one()
        later.status = PartStatus.FAILED
        db.session.commit()
    assert "Update your payment method" in buyer.get(f"/q/{token}").get_data(as_text=True)

    page = open_method_page(buyer, token)
    assert "Update your payment method" in page
    save_method_as_browser(
        stripe_sandbox, account, setup_secret_of(page), payment_method="pm_card_mastercard"
    )
    buyer.get(f"/q/{token}/method/return")
    quote = quote_row(app, quote_id)
    assert quote.saved_method_id not in ("", first_method)
    assert quote.saved_method_details["brand"] == "mastercard"
    assert events_of(app, quote_id)[-1] == "method_updated"
    assert len(processor_customers(app)) == 1  # the same Stripe customer


def test_reconciliation_reads_payments_beside_setup_intents(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "sepa_debit")
    buyer = app.test_client()
    paying_id, paying_token = accepted_quote(
        app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=DEPOSIT_THEN_LATER
    )
    pay_due_now(app, stripe_sandbox, account, buyer, paying_token, "sepa_debit")
    saving_id, saving_token = accepted_quote(
        app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER
    )
    secret = setup_secret_of(open_method_page(buyer, saving_token))
    save_method_as_browser(stripe_sandbox, account, secret, payment_method="pm_card_visa")
    stripe_sandbox.control("POST", "/_sandbox/advance")
    with app.app_context():
        read = reconcile(db.session, utcnow() + timedelta(hours=1), timedelta(0))
        db.session.commit()
        (payment,) = db.session.scalars(select(Payment)).all()
    assert read == 1 and payment.status.value == "succeeded"
    assert quote_row(app, paying_id).amount_paid == 180000
    assert quote_row(app, saving_id).setup_intent_id  # no payment was made of the SetupIntent


def reconcile_setups_at(app: Flask, now: datetime) -> int:
    """Reconciliation's SetupIntent pass at ``now``, leaving 10 minutes to the webhook."""
    with app.app_context():
        handed = reconcile_setups(db.session, now, timedelta(minutes=10))
        db.session.commit()
        return handed


def test_reconciliation_saves_the_method_when_the_webhook_is_lost_and_the_buyer_never_returns(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    """No webhook reaches this app (it has no endpoint at the sandbox): the buyer confirms the
    mandate and closes the tab before the return page."""
    account = merchant_taking(client, app, stripe_sandbox, "sepa_debit")
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    secret = setup_secret_of(open_method_page(buyer, token))
    saved = save_method_as_browser(
        stripe_sandbox, account, secret, **sepa("DE89370400440532013000")
    )
    assert saved["status"] == "succeeded" and quote_row(app, quote_id).saved_method_id == ""

    assert reconcile_setups_at(app, utcnow()) == 0  # left to the webhook for 10 minutes
    assert quote_row(app, quote_id).saved_method_id == ""
    later = utcnow() + timedelta(minutes=11)
    assert reconcile_setups_at(app, later) == 1
    quote = quote_row(app, quote_id)
    assert quote.saved_method_id == saved["payment_method"]
    assert quote.saved_method_type == "sepa_debit"
    assert quote.processor_customer_id == saved["customer"]
    assert quote.saved_method_details["mandate_reference"]

    assert reconcile_setups_at(app, later + timedelta(minutes=5)) == 0  # nothing waits now
    buyer.get(f"/q/{token}/method/return")  # the buyer comes back after all
    after = quote_row(app, quote_id)
    assert (after.saved_method_id, after.updated_at) == (quote.saved_method_id, quote.updated_at)
    assert events_of(app, quote_id).count("method_saved") == 1
    shown = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert "Save your payment method" not in shown and "Next payment:" in shown


def test_reconciliation_leaves_a_declined_setup_to_the_buyer(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    secret = setup_secret_of(open_method_page(buyer, token))
    declined = save_method_as_browser(
        stripe_sandbox, account, secret, payment_method="pm_card_chargeDeclined"
    )
    assert declined == {"declined": "card_declined"}
    assert reconcile_setups_at(app, utcnow() + timedelta(hours=1)) == 0
    assert quote_row(app, quote_id).saved_method_id == ""
    assert "method_setup_failed" not in events_of(app, quote_id)


def test_erasing_the_customer_empties_their_name_and_email_at_stripe(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    account = merchant_taking(client, app, stripe_sandbox, "card")
    buyer = app.test_client()
    quote_id, token = accepted_quote(app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    open_method_page(buyer, token)
    (row,) = processor_customers(app)
    stripe_customer = merchant_stripe(stripe_sandbox, account).v1.customers.retrieve
    assert stripe_customer(row.processor_customer_id).email == "grace@example.com"
    with app.app_context():
        customer_id = db.session.get_one(Quote, quote_id).customer_id
    page = f"/panel/customers/{customer_id}"
    erased = post_form(client, f"{page}/erase", f"{page}/erase", {"confirm": "y"})
    assert erased.status_code == 302, erased.get_data(as_text=True)
    after = stripe_customer(row.processor_customer_id)
    assert not after.name and not after.email
    with app.app_context():
        assert db.session.get_one(Customer, customer_id).erased_at is not None


def test_webhooks_save_the_method_when_the_buyer_never_comes_back(
    app: Flask, live_server: LiveServer, stripe_sandbox: StripeSandbox
) -> None:
    """``setup_intent.succeeded`` and ``setup_intent.setup_failed``, delivered by the sandbox to
    Kassa under gunicorn: the buyer's tab closed after confirming, before the return page."""
    owner = "live-owner@example.com"
    account = stripe_sandbox.create_account("DE", "eur", name="Live Shop")
    connect_through_live_server(live_server.url, account, owner, country="DE")
    buyer = app.test_client()
    quote_id, token = open_quote(
        app, owner, currency="EUR", lines=LINES, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER
    )
    page = f"/q/{token}"
    data = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper"}
    assert post_form(buyer, page, f"{page}/accept", data).status_code == 302
    secret = setup_secret_of(open_method_page(buyer, token))

    save_method_as_browser(stripe_sandbox, account, secret, payment_method="pm_card_chargeDeclined")
    wait_until(lambda: "method_setup_failed" in events_of(app, quote_id), what="setup_failed")
    save_method_as_browser(stripe_sandbox, account, secret, payment_method="pm_card_visa")
    saved = wait_until(lambda: quote_row(app, quote_id).saved_method_id, what="succeeded")
    assert saved.startswith("pm_")
    assert quote_row(app, quote_id).saved_method_details["brand"] == "visa"
    buyer.get(f"{page}/method/return")  # a late return page changes nothing
    assert events_of(app, quote_id).count("method_saved") == 1


CANNOT_BE_PAID = "This quote can no longer be paid here. Please contact the seller."


def test_a_quote_whose_customer_was_erased_is_paid_and_saves_nothing_more(
    app: Flask, client: FlaskClient, stripe_sandbox: StripeSandbox
) -> None:
    """Erased after accepting: neither the method page, nor Pay, nor a checkout opened before
    the erasure makes a Stripe customer under the erasure's placeholder; the customer is told
    the quote can no longer be paid here."""
    account = merchant_taking(client, app, stripe_sandbox, "sepa_debit")
    buyer = app.test_client()
    saving_id, saving = accepted_quote(
        app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER
    )
    _paying_id, paying = accepted_quote(
        app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=DEPOSIT_THEN_LATER
    )
    opened = post_form(buyer, f"/q/{paying}", f"/q/{paying}/pay", {})
    assert opened.status_code == 302
    checkout = opened.headers["Location"]  # left open in another tab
    with app.app_context():
        customer_id = db.session.get_one(Quote, saving_id).customer_id
    page = f"/panel/customers/{customer_id}"
    assert post_form(client, f"{page}/erase", f"{page}/erase", {"confirm": "y"}).status_code == 302

    shown = buyer.get(f"/q/{saving}").get_data(as_text=True)
    assert CANNOT_BE_PAID in shown and "Save your payment method" not in shown
    method = buyer.get(f"/q/{saving}/method", follow_redirects=True)
    assert method.request.path == f"/q/{saving}" and CANNOT_BE_PAID in method.get_data(as_text=True)
    shown = buyer.get(f"/q/{paying}").get_data(as_text=True)
    assert CANNOT_BE_PAID in shown and 'data-testid="quote-pay"' not in shown
    pressed = post_form(buyer, f"/q/{paying}", f"/q/{paying}/pay", {})
    assert pressed.status_code == 422 and CANNOT_BE_PAID in pressed.get_data(as_text=True)
    assert CANNOT_BE_PAID in buyer.get(checkout, follow_redirects=True).get_data(as_text=True)

    assert processor_customers(app) == []
    assert merchant_stripe(stripe_sandbox, account).v1.customers.list().data == []
    assert quote_row(app, saving_id).setup_intent_id == ""
