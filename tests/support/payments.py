"""Payments the way they happen: a connected merchant, an intent made through Kassa's gateway,
then confirmed as a buyer's browser would (Stripe.js: the publishable key and client secret)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import stripe
from flask import Flask
from sqlalchemy import select

from app.core.money import Money
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentEvent
from app.payments.service import BuyerDetails, intent_metadata, start_payment
from app.processors.access import connected_gateway
from app.processors.gateway import IntentRequest, IntentState
from tests.conftest import csrf_token_from
from tests.integration.test_processor_connection import SEALED
from tests.support.accounts import DEFAULT_PASSWORD, sign_up_link_path
from tests.support.servers import browser_like_session
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

T = TypeVar("T")
MANDATE_DATA = {
    "customer_acceptance": {
        "type": "online",
        "online": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (Kassa tests)"},
    }
}
BILLING = {"name": "Jenny Rosen", "email": "jenny@example.com"}


def merchant_id(app: Flask, email: str = "owner@example.com") -> int:
    from app.merchants.models import User

    with app.app_context():
        return db.session.scalars(select(User.merchant_id).where(User.email == email)).one()


@dataclass(frozen=True)
class Checkout:
    """An intent Kassa created for one checkout, and the payment started for it."""

    intent: IntentState
    payment_id: int
    reference: str


def open_checkout(
    app: Flask,
    merchant: int,
    amount: Money,
    methods: tuple[str, ...] = ("card",),
    *,
    reference: str = "chk_test_reference",
    buyer: BuyerDetails | None = None,
    version: int = 1,
    document_type: str = "payment_link",
) -> Checkout:
    """What the checkout's pay step does: create the intent, start the pending payment."""
    with app.app_context():
        owner = db.session.get(Merchant, merchant)
        assert owner is not None
        gateway = connected_gateway(db.session, merchant)
        intent = gateway.create_payment_intent(
            IntentRequest(
                amount,
                methods,
                metadata=intent_metadata(
                    owner,
                    document_type=document_type,
                    document_id="7",
                    checkout_reference=reference,
                ),
            ),
            idempotency_key=f"checkout:{reference}:intent:{version}",
        )
        payment = start_payment(
            db.session,
            owner,
            intent=intent,
            document_type=document_type,
            document_id="7",
            checkout_reference=reference,
            buyer=buyer or BuyerDetails(email="buyer@example.com", name="Ada Buyer", locale="sv"),
        )
        db.session.commit()
        return Checkout(intent, payment.id, reference)


def pay_as_buyer(
    sandbox: StripeSandbox, account: SandboxAccount, intent: IntentState, **params: Any
) -> dict[str, Any]:
    """``stripe.confirmPayment`` from the browser: publishable key and client secret only."""
    return confirm_as_browser(sandbox, account, intent.id, intent.client_secret, **params)


def confirm_as_browser(
    sandbox: StripeSandbox, account: SandboxAccount, intent_id: str, client_secret: str,
    **params: Any,
) -> dict[str, Any]:  # fmt: skip
    """The confirm Stripe.js sends for the pay page: the intent as Stripe answers it, or
    ``{"declined": code}`` for a card Stripe declined."""
    browser = stripe.StripeClient(account.publishable_key, base_addresses={"api": sandbox.api_base})
    try:
        confirmed = browser.v1.payment_intents.confirm(
            intent_id,
            params={
                "client_secret": client_secret,
                "return_url": "https://shop.example/return",
                **params,
            },  # type: ignore[arg-type]
        )
        return confirmed.to_dict()
    except stripe.CardError as declined:
        return {"declined": declined.code}


def sepa(iban: str) -> dict[str, Any]:
    return {
        "payment_method_data": {
            "type": "sepa_debit",
            "sepa_debit": {"iban": iban},
            "billing_details": BILLING,
        },
        "mandate_data": MANDATE_DATA,
    }


def payment_row(app: Flask, payment_id: int) -> Payment:
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment is not None
        db.session.expunge(payment)
        return payment


def payments_of(app: Flask) -> list[Payment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Payment).order_by(Payment.id)))
        db.session.expunge_all()
        return rows


def event_kinds(app: Flask, payment_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(PaymentEvent.kind)
                .where(PaymentEvent.payment_id == payment_id)
                .order_by(PaymentEvent.id)
            )
        )


def _merchant_client(sandbox: StripeSandbox, account: SandboxAccount) -> stripe.StripeClient:
    return stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})


def refunds_of(sandbox: StripeSandbox, account: SandboxAccount, intent_id: str) -> list[Any]:
    """The refunds the sandbox holds for this intent, as Stripe lists them."""
    listing = _merchant_client(sandbox, account).v1.refunds.list(
        params={"payment_intent": intent_id}
    )
    return list(listing.data)


def balance_of(sandbox: StripeSandbox, account: SandboxAccount, intent_id: str) -> dict[str, Any]:
    """The sandbox's own balance transaction for the intent's charge: what Kassa must match."""
    intent = _merchant_client(sandbox, account).v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge.balance_transaction"]}
    )
    return intent.to_dict()["latest_charge"]["balance_transaction"]


def wait_until(check: Callable[[], T | None], timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.05)


def connect_through_live_server(
    base_url: str, account: SandboxAccount, email: str, country: str = "SE"
) -> requests.Session:
    """Sign up (in ``country``, so its currency is the account's) and connect Stripe on the
    live server, so the webhook URL is the live server's."""
    browser = browser_like_session()
    page = browser.get(f"{base_url}/signup", timeout=10).text
    signup = {
        "csrf_token": csrf_token_from(page),
        "business_name": "Live Shop AB",
        "country": country,
        "currency": "",
        "email": email,
        "password": DEFAULT_PASSWORD,
    }
    assert browser.post(f"{base_url}/signup", data=signup, timeout=10).ok
    confirmation = base_url + sign_up_link_path(email)
    opened = browser.post(
        confirmation,
        data={"csrf_token": csrf_token_from(browser.get(confirmation, timeout=10).text)},
        timeout=10,
    )
    assert opened.ok and "Dashboard" in opened.text, opened.text
    settings = f"{base_url}/panel/settings/payments"
    keys = {
        "csrf_token": csrf_token_from(browser.get(settings, timeout=10).text),
        "secret_key": account.secret_key,
        "publishable_key": account.publishable_key,
    }
    found = browser.post(settings + "/verify", data=keys, timeout=30)
    sealed = SEALED.search(found.text)
    assert sealed, found.text
    confirm = {"csrf_token": csrf_token_from(found.text), "sealed": sealed.group(1)}
    done = browser.post(settings + "/connect", data=confirm, timeout=30)
    assert "Stripe is connected" in done.text
    return browser
