"""How Stripe's events reach Kassa (issue 19): Stripe refuses an endpoint on a loopback
address and the panel says events cannot arrive; the merchant gives the signing secret of
events forwarded as ``stripe listen`` forwards them, and payments are recorded by those events;
connecting again never leaves a second endpoint for Kassa's address; a full account (16
endpoints) is told plainly and can register once there is room."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from app.core.crypto import decrypt
from app.core.money import Money
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import PaymentStatus, WebhookEvent
from app.processors.models import ProcessorConnection
from tests.conftest import SECRET_KEY, csrf_token_from
from tests.integration.test_processor_connection import PAGE, connect, saved
from tests.support.accounts import post_form, sign_up
from tests.support.payments import (
    connect_through_live_server,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    payment_row,
    wait_until,
)
from tests.support.servers import free_port
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox, start_stripe_sandbox

OWNER = "forwarded@example.com"
CANNOT_ARRIVE = "Stripe's events cannot reach Kassa."


@pytest.fixture(scope="module")
def strict_stripe() -> Iterator[StripeSandbox]:
    """A sandbox started without the allowance: like Stripe, it refuses loopback endpoints."""
    sandbox = start_stripe_sandbox(free_port(), allow_private_webhook_urls=False)
    yield sandbox
    sandbox.stop()


@dataclass
class ServedKassa:
    url: str
    app: Flask
    server: BaseWSGIServer


@pytest.fixture(scope="module")
def local_kassa(
    app: Flask, app_settings: dict[str, str], strict_stripe: StripeSandbox
) -> Iterator[ServedKassa]:
    """Kassa on a loopback port (its public address too), on the test database, speaking to
    the strict sandbox: a developer's machine, which Stripe cannot reach."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    kassa = create_app(
        {
            **app_settings,
            "KASSA_PUBLIC_URL": url,
            "KASSA_STRIPE_API_BASE": strict_stripe.api_base,
            "KASSA_STRIPE_JS_URL": strict_stripe.js_url,
        }
    )
    server = make_server("127.0.0.1", port, kassa, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ServedKassa(url, kassa, server)
    server.shutdown()


def _public_id(app: Flask) -> str:
    with app.app_context():
        return db.session.scalars(select(Merchant.public_id)).one()


def _merchant_stripe(sandbox: StripeSandbox, account: SandboxAccount) -> stripe.StripeClient:
    return stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})


def webhook_endpoints(sandbox: StripeSandbox, account: SandboxAccount) -> list[dict]:
    listing = _merchant_stripe(sandbox, account).v1.webhook_endpoints.list(params={"limit": 100})
    return [endpoint.to_dict() for endpoint in listing.data]


def _endpoints_at(sandbox: StripeSandbox, account: SandboxAccount, url: str) -> list[dict]:
    return [e for e in webhook_endpoints(sandbox, account) if e["url"] == url]


def _handled(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(WebhookEvent.type).where(WebhookEvent.processed_at.is_not(None))
            )
        )


def _give_secret(browser: requests.Session, base_url: str, secret: str) -> str:
    page = browser.get(base_url + PAGE, timeout=10).text
    answer = browser.post(
        base_url + PAGE + "/webhooks/secret",
        data={"csrf_token": csrf_token_from(page), "signing_secret": secret},
        timeout=10,
    )
    return answer.text


def test_a_loopback_address_is_refused_and_forwarded_events_record_payments(
    app: Flask, local_kassa: ServedKassa, strict_stripe: StripeSandbox
) -> None:
    account = strict_stripe.create_account("DE", "eur", name="Forwarded Shop")
    browser = connect_through_live_server(local_kassa.url, account, OWNER)

    page = browser.get(local_kassa.url + PAGE, timeout=10).text
    assert CANNOT_ARRIVE in page
    assert "cannot be reached from the internet" in page
    assert "Payments are still recorded when buyers come back to the checkout" in page
    assert webhook_endpoints(strict_stripe, account) == []
    (row,) = saved(app)
    assert (row.webhook_endpoint_id, row.webhook_secret_encrypted) == (None, None)
    assert row.webhook_problem == "url_refused"

    # The developer runs `stripe listen --forward-to <Kassa's address>` and pastes its secret.
    hook_url = f"{local_kassa.url}/webhooks/stripe/{_public_id(app)}"
    listener = strict_stripe.listen(account, hook_url)
    answer = _give_secret(browser, local_kassa.url, listener["secret"])
    assert "Kassa now checks Stripe&#39;s events with the signing secret you gave." in answer
    assert CANNOT_ARRIVE not in answer
    assert "it checks the events forwarded to" in answer
    (row,) = saved(app)
    assert decrypt(row.webhook_secret_encrypted or "", SECRET_KEY) == listener["secret"]
    assert listener["secret"] not in row.webhook_secret_encrypted  # stored encrypted

    # A buyer pays and never comes back: the forwarded events alone record the payment.
    merchant = merchant_id(app, OWNER)
    checkout = open_checkout(local_kassa.app, merchant, Money(2500, "EUR"))
    pay_as_buyer(strict_stripe, account, checkout.intent, payment_method="pm_card_visa")
    payment = wait_until(
        lambda: (
            (p := payment_row(app, checkout.payment_id)).status is PaymentStatus.SUCCEEDED and p
        ),
        what="recorded from the forwarded event",
    )
    assert payment.fee is not None
    wait_until(lambda: "payment_intent.succeeded" in _handled(app), what="every event handled")
    deliveries = strict_stripe.control(
        "GET", f"/_sandbox/webhook_deliveries?endpoint={listener['id']}"
    )["data"]
    assert deliveries and {d["status_code"] for d in deliveries} == {200}


def test_events_without_a_secret_are_refused_and_nothing_is_stored(
    app: Flask, local_kassa: ServedKassa, strict_stripe: StripeSandbox
) -> None:
    account = strict_stripe.create_account("DE", "eur")
    connect_through_live_server(local_kassa.url, account, OWNER)
    listener = strict_stripe.listen(account, f"{local_kassa.url}/webhooks/stripe/{_public_id(app)}")
    stripe.StripeClient(
        account.secret_key, base_addresses={"api": strict_stripe.api_base}
    ).v1.customers.create()  # an event, delivered with a secret Kassa was never given
    deliveries = wait_until(
        lambda: strict_stripe.control(
            "GET", f"/_sandbox/webhook_deliveries?endpoint={listener['id']}"
        )["data"],
        what="a delivery",
    )
    assert deliveries[0]["status_code"] == 400
    with app.app_context():
        assert db.session.scalars(select(WebhookEvent)).all() == []


def test_the_signing_secret_must_look_like_one_and_never_replaces_kassas_endpoint(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    connect(client, stripe_sandbox.create_account())  # the allowed sandbox: an endpoint is made
    page = client.get(PAGE).get_data(as_text=True)
    assert "Stripe sends them to Kassa's webhook endpoint at http://localhost/webhooks/" in page
    assert CANNOT_ARRIVE not in page

    refused = post_form(client, PAGE, PAGE + "/webhooks/secret", {"signing_secret": "sk_test_x"})
    assert refused.status_code == 422
    assert "A webhook signing secret starts with whsec_." in refused.get_data(as_text=True)
    refused = post_form(
        client, PAGE, PAGE + "/webhooks/secret", {"signing_secret": "whsec_" + "a" * 32}
    )
    assert refused.status_code == 422
    assert "receives Stripe&#39;s events already" in refused.get_data(as_text=True)
    (row,) = saved(app)
    assert row.webhook_endpoint_id is not None


def test_connecting_again_never_leaves_a_second_endpoint_for_kassas_address(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    account = stripe_sandbox.create_account()
    hook_url = f"http://localhost/webhooks/stripe/{_public_id(app)}"
    # An endpoint for Kassa's address made elsewhere (the dashboard, or a Kassa restored from
    # a backup): its secret cannot be read, so it is replaced, never doubled.
    _merchant_stripe(stripe_sandbox, account).v1.webhook_endpoints.create(
        params={"url": hook_url, "enabled_events": ["charge.succeeded"]}
    )
    connect(client, account)
    (first,) = _endpoints_at(stripe_sandbox, account, hook_url)
    (row,) = saved(app)
    assert row.webhook_endpoint_id == first["id"]

    # Disconnecting with a key that can no longer be read leaves the endpoint at Stripe ...
    with app.app_context():
        stored = db.session.scalars(select(ProcessorConnection)).one()
        stored.secret_key_encrypted = "written-with-a-key-this-server-no-longer-has"
        db.session.commit()
    post_form(client, PAGE + "/disconnect", PAGE + "/disconnect", {})
    assert len(_endpoints_at(stripe_sandbox, account, hook_url)) == 1

    # ... and connecting again replaces it: still one endpoint, whose secret Kassa holds.
    connect(client, account)
    (second,) = _endpoints_at(stripe_sandbox, account, hook_url)
    (row,) = saved(app)
    assert second["id"] == row.webhook_endpoint_id != first["id"]
    assert second["api_version"] == "2026-10-28.endive"

    # Registering again keeps the endpoint Kassa knows, re-enabled if Stripe disabled it.
    _merchant_stripe(stripe_sandbox, account).v1.webhook_endpoints.update(
        second["id"], params={"disabled": True}
    )
    secret_before = row.webhook_secret_encrypted
    done = post_form(client, PAGE, PAGE + "/webhooks/register", {}, follow_redirects=True)
    assert "Kassa&#39;s endpoint is registered" in done.get_data(as_text=True)
    (kept,) = _endpoints_at(stripe_sandbox, account, hook_url)
    assert (kept["id"], kept["status"]) == (second["id"], "enabled")
    assert saved(app)[0].webhook_secret_encrypted == secret_before


def test_a_full_account_is_told_plainly_and_registers_once_there_is_room(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    account = stripe_sandbox.create_account()
    merchant_stripe = _merchant_stripe(stripe_sandbox, account)
    for number in range(16):
        merchant_stripe.v1.webhook_endpoints.create(
            params={"url": f"https://app{number}.example.com/hook", "enabled_events": ["*"]}
        )
    connect(client, account)
    page = client.get(PAGE).get_data(as_text=True)
    assert CANNOT_ARRIVE in page
    assert "Your Stripe account already has 16 webhook endpoints, the most Stripe allows." in page
    assert len(webhook_endpoints(stripe_sandbox, account)) == 16
    (row,) = saved(app)
    assert (row.webhook_endpoint_id, row.webhook_problem) == (None, "endpoint_limit")

    # The seventeenth is refused by Stripe too, had Kassa tried.
    with pytest.raises(stripe.InvalidRequestError):
        merchant_stripe.v1.webhook_endpoints.create(
            params={"url": "https://one-more.example.com/hook", "enabled_events": ["*"]}
        )

    oldest = merchant_stripe.v1.webhook_endpoints.list(params={"limit": 100}).data[-1]
    merchant_stripe.v1.webhook_endpoints.delete(oldest.id)  # the merchant makes room
    done = post_form(client, PAGE, PAGE + "/webhooks/register", {}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Kassa&#39;s endpoint is registered" in body and CANNOT_ARRIVE not in body
    assert len(webhook_endpoints(stripe_sandbox, account)) == 16
    (row,) = saved(app)
    assert row.webhook_endpoint_id is not None and row.webhook_problem is None
