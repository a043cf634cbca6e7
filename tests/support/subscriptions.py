"""Subscriptions for tests, made the buyer's way: a merchant's recurring product on a payment
link, paid through the checkout's pages and confirmed at the sandbox as Stripe.js would (the
intent saves the method for the buyer's Stripe customer); then the scheduler's clock moved and
the hourly billing task run as the consumer runs it."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.invoices.models import Invoice
from app.links.models import PaymentLink
from app.payments.models import Payment
from app.subscriptions.billing import METADATA_PERIOD, METADATA_SUBSCRIPTION, BillingRun
from app.subscriptions.models import (
    Subscription,
    SubscriptionEvent,
    SubscriptionPeriod,
)
from app.subscriptions.tasks import bill_subscriptions
from tests.integration.test_checkout_confirmation import confirm_in_browser
from tests.support.accounts import post_form
from tests.support.invoice_buyers import SEPA_SUCCEEDS
from tests.support.link_buyers import start_checkout
from tests.support.payments import MANDATE_DATA
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

BUYER = "grace@example.com"


def add_product(client: FlaskClient, name: str = "Coffee club", amount: str = "20.00",
                **fields: str) -> int:  # fmt: skip
    """A product in EUR made in the panel (monthly unless ``interval`` says otherwise): its id."""
    page = "/panel/products/new"
    data = {
        "name": name, "description": "", "sku": "", "currency": "EUR", "amount": amount,
        "interval": "month", "interval_count": "1", "first_charge_on": "", "trial_days": "",
        "tax_rate": "", **fields,
    }  # fmt: skip
    response = post_form(client, page, page, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    links = client.get("/panel/links/new").get_data(as_text=True)
    marker = f">{name}</option>"
    assert marker in links, links
    return int(links.split(marker)[0].rsplit('value="', 1)[1].split('"')[0])


def add_link(client: FlaskClient, app: Flask, product_id: int, **fields: str) -> str:
    """A EUR link selling ``product_id`` (and what ``fields`` add): its slug."""
    page = "/panel/links/new"
    data = {
        "name": "Coffee club", "currency": "EUR", "product": str(product_id), "description": "",
        "amount": "", "quantity": "1", "min_quantity": "1", "max_quantity": "1",
        "billing_address": "", "shipping_address": "", "phone": "", **fields,
    }  # fmt: skip
    response = post_form(client, page, page, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        link = db.session.scalars(select(PaymentLink).order_by(PaymentLink.id.desc())).first()
        assert link is not None
        return link.slug


def subscribe(
    app: Flask,
    sandbox: StripeSandbox,
    account: SandboxAccount,
    slug: str,
    method: str = "card",
    *,
    card: str = "pm_card_visa",
    iban: str = SEPA_SUCCEEDS,
) -> tuple[FlaskClient, str, str]:
    """A new buyer opens the link, gives their email and name, pays (card or SEPA) at the
    sandbox and comes back to the return page: (their client, the checkout page, its text)."""
    buyer = app.test_client()
    page = start_checkout(buyer, slug)
    saved = post_form(buyer, page, page + "/details", {"email": BUYER, "name": "Grace Hopper"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert buyer.get(page + "/pay").status_code == 200
    reported = post_form(buyer, page + "/pay", page + "/pay/method", {"method": method})
    assert reported.status_code in (200, 302), reported.get_data(as_text=True)
    params: dict[str, Any] = {"payment_method": card}
    if method == "sepa_debit":
        params = {
            "payment_method_data": {
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": {"name": "Grace Hopper", "email": BUYER},
            },
            "mandate_data": MANDATE_DATA,
        }
    confirm_in_browser(sandbox, account, app, page, **params)
    return buyer, page, buyer.get(page + "/return").get_data(as_text=True)


def subscriptions_of(app: Flask) -> list[Subscription]:
    with app.app_context():
        rows = list(db.session.scalars(select(Subscription).order_by(Subscription.id)))
        for row in rows:
            _ = row.lines, row.periods
        db.session.expunge_all()
        return rows


def the_subscription(app: Flask) -> Subscription:
    [subscription] = subscriptions_of(app)
    return subscription


def periods_of(app: Flask, subscription_id: int) -> list[SubscriptionPeriod]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(SubscriptionPeriod)
                .where(SubscriptionPeriod.subscription_id == subscription_id)
                .order_by(SubscriptionPeriod.number)
            )
        )
        db.session.expunge_all()
        return rows


def events_of(app: Flask, subscription_id: int) -> list[SubscriptionEvent]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(SubscriptionEvent)
                .where(SubscriptionEvent.subscription_id == subscription_id)
                .order_by(SubscriptionEvent.id)
            )
        )
        db.session.expunge_all()
        return rows


def invoice_of(app: Flask, invoice_id: int | None) -> Invoice:
    with app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        _ = invoice.lines
        db.session.expunge_all()
        return invoice


def payments_of_invoice(app: Flask, invoice_id: int | None) -> list[Payment]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Payment)
                .where(Payment.document_type == "invoice", Payment.document_id == str(invoice_id))
                .order_by(Payment.id)
            )
        )
        db.session.expunge_all()
        return rows


def run_billing_task(app: Flask) -> BillingRun:
    """The hourly task, as the consumer runs it (inside the app's context)."""
    with app.app_context():
        result: BillingRun = bill_subscriptions.call_local()
        db.session.remove()
        return result


def method_outcome(sandbox: StripeSandbox, method_id: str, outcome: str = "decline",
                   **details: str) -> None:  # fmt: skip
    """From now on the saved method declines (``code``, ``decline_code``) or succeeds."""
    sandbox.control(
        "POST", f"/_sandbox/payment_methods/{method_id}/outcome", {"outcome": outcome, **details}
    )


def subscription_charges(sandbox: StripeSandbox, account: SandboxAccount) -> list[str]:
    """The idempotency keys of the subscriptions' off-session PaymentIntents."""
    return [
        request["idempotency_key"]
        for request in sandbox.requests(account)
        if request["method"] == "POST"
        and request["path"] == "/v1/payment_intents"
        and ":subscription:" in (request["idempotency_key"] or "")
    ]


def charges_at_stripe(
    sandbox: StripeSandbox, account: SandboxAccount, *, succeeded: bool = False
) -> Counter[tuple[int, int]]:
    """The account's PaymentIntents as Stripe lists them (all, or only the succeeded ones),
    counted by the subscription and period their metadata names (the sandbox's request log
    keeps only the latest 2,000 requests; its list keeps every intent)."""
    found: Counter[tuple[int, int]] = Counter()
    after = ""
    while True:
        paging = {"starting_after": after} if after else {}
        query = urllib.parse.urlencode({"limit": 100, **paging})
        request = urllib.request.Request(
            f"{sandbox.api_base}/v1/payment_intents?{query}",
            headers={"Authorization": f"Bearer {account.secret_key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            page = json.loads(response.read())
        for intent in page["data"]:
            metadata = intent.get("metadata") or {}
            wanted = intent["status"] == "succeeded" or not succeeded
            if wanted and METADATA_PERIOD in metadata:
                subscription = int(metadata[METADATA_SUBSCRIPTION])
                found[(subscription, int(metadata[METADATA_PERIOD]))] += 1
        if not page["has_more"]:
            return found
        after = page["data"][-1]["id"]
