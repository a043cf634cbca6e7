"""API keys: each account's keys see only its own objects; publishable keys can do only what
Stripe.js does; CORS for the buyer's browser."""

from __future__ import annotations

import json

import pytest
import stripe

from .conftest import Account, SandboxServer, http
from .helpers import card_payment, post_form


@pytest.fixture
def other(sandbox: SandboxServer) -> Account:
    return sandbox.new_account("US")


def test_keys_cannot_touch_another_accounts_objects(account: Account, other: Account) -> None:
    customer = account.client.v1.customers.create(params={"email": "mine@example.com"})
    intent = card_payment(account)
    attempts = [
        lambda: other.client.v1.customers.retrieve(customer.id),
        lambda: other.client.v1.customers.update(customer.id, params={"name": "Mallory"}),
        lambda: other.client.v1.payment_intents.retrieve(intent.id),
        lambda: other.client.v1.payment_intents.cancel(intent.id),
        lambda: other.client.v1.charges.retrieve(intent.latest_charge),
        lambda: other.client.v1.refunds.create(params={"charge": intent.latest_charge}),
        lambda: other.public_client.v1.payment_intents.retrieve(
            intent.id, params={"client_secret": intent.client_secret}
        ),
    ]
    for attempt in attempts:
        with pytest.raises(stripe.InvalidRequestError) as caught:
            attempt()
        assert caught.value.http_status == 404
        assert caught.value.code == "resource_missing"
    assert other.client.v1.charges.list().data == []
    assert other.client.v1.customers.list().data == []
    assert account.client.v1.charges.retrieve(intent.latest_charge).refunded is False
    assert account.client.v1.customers.retrieve(customer.id).name is None


def test_missing_and_invalid_keys(sandbox: SandboxServer) -> None:
    status, _, body = http("GET", f"{sandbox.url}/v1/customers")
    assert status == 401
    assert "did not provide an API key" in json.loads(body)["error"]["message"]
    with pytest.raises(stripe.AuthenticationError) as caught:
        sandbox.client("sk_test_notarealkey000000000000").v1.customers.list()
    assert caught.value.http_status == 401


def test_publishable_key_does_only_what_stripe_js_does(account: Account) -> None:
    with pytest.raises(stripe.AuthenticationError) as caught:
        account.public_client.v1.customers.list()
    assert "publishable API key" in str(caught.value.user_message)
    with pytest.raises(stripe.AuthenticationError):
        account.public_client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    intent = account.client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd", "payment_method_types": ["card"]}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.public_client.v1.payment_intents.retrieve(intent.id)
    assert caught.value.param == "client_secret"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.public_client.v1.payment_intents.retrieve(
            intent.id, params={"client_secret": intent.client_secret + "x"}
        )
    assert caught.value.param == "client_secret"
    seen = account.public_client.v1.payment_intents.retrieve(
        intent.id, params={"client_secret": intent.client_secret}
    )
    assert seen.id == intent.id


def test_stripe_js_style_form_key_and_transport_params(
    sandbox: SandboxServer, account: Account
) -> None:
    body = (
        f"type=card&card[number]=4242424242424242&card[exp_month]=4&card[exp_year]=2031"
        f"&card[cvc]=314&billing_details[name]=Jenny&key={account.publishable_key}"
        f"&payment_user_agent=stripe.js%2Fsandbox&time_on_page=1234&guid=g&muid=m&sid=s"
    )
    url = f"{sandbox.url}/v1/payment_methods"
    status, headers, raw = post_form(url, body.encode(), Origin="https://shop.example")
    assert status == 200, raw
    method = json.loads(raw)
    assert (method["card"]["last4"], method["card"]["exp_year"]) == ("4242", 2031)
    assert headers["Access-Control-Allow-Origin"] == "*"
    secret_status, _, secret_raw = post_form(
        url, body.encode(), Authorization=f"Bearer {account.secret_key}"
    )
    assert secret_status == 400, "a secret key gets no Stripe.js leniency"
    assert json.loads(secret_raw)["error"]["code"] == "parameter_unknown"


def test_stripe_js_bookkeeping_inside_payment_method_data(account: Account) -> None:
    intent = account.client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd", "payment_method_types": ["card"]}
    )
    confirmed = account.public_client.v1.payment_intents.confirm(
        intent.id,
        params={
            "client_secret": intent.client_secret,
            "payment_method_data": {
                "type": "card",
                "payment_user_agent": "stripe.js/sandbox",
                "time_on_page": "99",
                "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2032},
            },
        },
    )
    assert confirmed.status == "succeeded"


def test_cors_preflight(sandbox: SandboxServer) -> None:
    status, headers, _ = http(
        "OPTIONS",
        f"{sandbox.url}/v1/payment_intents/pi_x/confirm",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    allowed = headers["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "stripe-version", "idempotency-key"):
        assert header in allowed


def test_stripe_version_header(sandbox: SandboxServer, account: Account) -> None:
    auth = {"Authorization": f"Bearer {account.secret_key}"}
    status, headers, _ = http(
        "GET", f"{sandbox.url}/v1/account", headers={**auth, "Stripe-Version": "2023-08-16"}
    )
    assert (status, headers["Stripe-Version"]) == (200, "2023-08-16")
    assert headers["Request-Id"].startswith("req_")
    status, _, body = http(
        "GET", f"{sandbox.url}/v1/account", headers={**auth, "Stripe-Version": "yesterday"}
    )
    assert status == 400
    assert "Invalid Stripe API version" in json.loads(body)["error"]["message"]


def test_basic_auth_like_curl_u(sandbox: SandboxServer, account: Account) -> None:
    import base64

    token = base64.b64encode(f"{account.secret_key}:".encode()).decode()
    status, _, body = http(
        "GET", f"{sandbox.url}/v1/account", headers={"Authorization": f"Basic {token}"}
    )
    assert status == 200
    assert json.loads(body)["id"] == account.id
