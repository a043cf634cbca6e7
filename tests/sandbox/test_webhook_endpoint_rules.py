"""Webhook endpoints as Stripe allows them: public URLs only (unless the sandbox was started
with the allowance), at most 16 per account, an ``api_version`` the events are rendered in;
and ``stripe listen``'s forwarding, which needs no endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from stripe_sandbox import create_app
from stripe_sandbox.resources.webhook_endpoints import MAX_ENDPOINTS, publicly_reachable
from stripe_sandbox.versions import API_VERSION

from .conftest import Account, SandboxServer, WebhookReceiver, serve


@pytest.fixture(scope="module")
def strict_sandbox() -> Iterator[SandboxServer]:
    """A sandbox started without the allowance: it refuses what Stripe refuses."""
    app = create_app(debit_settle_seconds=3600)
    server, url = serve(app)
    yield SandboxServer(url, app, server)
    server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/webhooks/stripe/mer_1",
        "http://localhost/webhooks/stripe/mer_1",
        "https://10.0.0.7/hook",
        "https://192.168.1.20/hook",
        "http://[::1]:8000/hook",
        "https://kassa.local/hook",
        "https://kassa/hook",
        "https://shop.internal/hook",
    ],
)
def test_a_loopback_or_private_url_is_refused_as_stripe_refuses_it(
    strict_sandbox: SandboxServer, url: str
) -> None:
    account = strict_sandbox.new_account("SE")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": ["*"]})
    error = caught.value
    assert (error.http_status, error.code, error.param) == (400, "url_invalid", "url")
    assert "URL must be publicly accessible" in str(error.user_message)
    assert account.client.v1.webhook_endpoints.list().data == []


def test_a_public_url_is_accepted_and_a_private_one_cannot_be_set_later(
    strict_sandbox: SandboxServer,
) -> None:
    account = strict_sandbox.new_account("SE")
    endpoint = account.client.v1.webhook_endpoints.create(
        params={"url": "https://pay.example.com/webhooks/stripe/mer_1", "enabled_events": ["*"]}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.webhook_endpoints.update(
            endpoint.id, params={"url": "http://127.0.0.1:5000/hook"}
        )
    assert caught.value.code == "url_invalid"


def test_the_allowance_accepts_loopback(account: Account) -> None:
    endpoint = account.client.v1.webhook_endpoints.create(
        params={"url": "http://127.0.0.1:5000/hook", "enabled_events": ["*"]}
    )
    assert endpoint.url == "http://127.0.0.1:5000/hook"


def test_names_are_judged_without_resolving_them() -> None:
    assert publicly_reachable("https://pay.example.com/hook")
    assert publicly_reachable("https://203.0.113.9/hook") is False  # documentation range
    assert publicly_reachable("https://8.8.8.8/hook")
    assert not publicly_reachable("https://kassa.test/hook")
    assert not publicly_reachable("not a url")


def test_the_seventeenth_endpoint_is_refused(sandbox: SandboxServer, account: Account) -> None:
    for number in range(MAX_ENDPOINTS):
        account.client.v1.webhook_endpoints.create(
            params={"url": f"https://shop{number}.example.com/hook", "enabled_events": ["*"]},
            options={"idempotency_key": f"endpoint-{number}"},
        )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.webhook_endpoints.create(
            params={"url": "https://one-more.example.com/hook", "enabled_events": ["*"]},
            options={"idempotency_key": "endpoint-17"},
        )
    error = caught.value
    assert (error.http_status, error.param) == (400, "url")
    assert error.error is not None and error.error.type == "invalid_request_error"
    assert "maximum of 16 webhook endpoints" in str(error.user_message)
    assert len(account.client.v1.webhook_endpoints.list(params={"limit": 100}).data) == 16

    # Deleting one makes room; the refused key was not remembered, so it may be used again.
    first = account.client.v1.webhook_endpoints.list(params={"limit": 1}).data[0]
    account.client.v1.webhook_endpoints.delete(first.id)
    added = account.client.v1.webhook_endpoints.create(
        params={"url": "https://one-more.example.com/hook", "enabled_events": ["*"]},
        options={"idempotency_key": "endpoint-17"},
    )
    assert added.url == "https://one-more.example.com/hook"


def test_the_cap_is_per_account(sandbox: SandboxServer) -> None:
    full, other = sandbox.new_account("SE"), sandbox.new_account("SE")
    for number in range(MAX_ENDPOINTS):
        full.client.v1.webhook_endpoints.create(
            params={"url": f"https://s{number}.example.com/hook", "enabled_events": ["*"]}
        )
    assert other.client.v1.webhook_endpoints.create(
        params={"url": "https://s0.example.com/hook", "enabled_events": ["*"]}
    ).id


def test_events_reach_an_endpoint_in_its_api_version(
    account: Account, webhook_receiver: WebhookReceiver
) -> None:
    endpoint = account.client.v1.webhook_endpoints.create(
        params={
            "url": webhook_receiver.url,
            "enabled_events": ["customer.created"],
            "api_version": "2024-06-20",
        }
    )
    assert endpoint.api_version == "2024-06-20"
    assert account.client.v1.webhook_endpoints.retrieve(endpoint.id).api_version == "2024-06-20"
    webhook_receiver.secret = endpoint.secret
    account.client.v1.customers.create(params={"email": "versioned@example.com"})
    (event,) = webhook_receiver.wait_for_events(1)
    assert event["api_version"] == "2024-06-20"


def test_without_an_api_version_events_come_in_the_accounts_default(
    account: Account, webhook_receiver: WebhookReceiver
) -> None:
    endpoint = account.client.v1.webhook_endpoints.create(
        params={"url": webhook_receiver.url, "enabled_events": ["customer.created"]}
    )
    assert endpoint.api_version is None
    account.client.v1.customers.create()
    (event,) = webhook_receiver.wait_for_events(1)
    assert event["api_version"] == API_VERSION


def test_an_unknown_api_version_for_an_endpoint_is_refused(account: Account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.webhook_endpoints.create(
            params={
                "url": "https://pay.example.com/hook",
                "enabled_events": ["*"],
                "api_version": "2099-01-01",
            }
        )
    assert (caught.value.param, caught.value.http_status) == ("api_version", 400)


def test_stripe_listen_forwards_events_signed_with_its_own_secret(
    strict_sandbox: SandboxServer, webhook_receiver: WebhookReceiver
) -> None:
    """``stripe listen --forward-to`` needs no endpoint, so it works where Stripe would refuse
    the URL: the events arrive signed with the listener's secret."""
    account = strict_sandbox.new_account("SE")
    status, listener = strict_sandbox.control(
        "POST",
        "/_sandbox/listen",
        {"forward_to": webhook_receiver.url, "events": ["customer.created"]},
        headers={"Authorization": f"Bearer {account.secret_key}"},
    )
    assert status == 200 and listener["secret"].startswith("whsec_")
    webhook_receiver.secret = listener["secret"]
    customer = account.client.v1.customers.create()
    account.client.v1.payment_methods.retrieve("pm_card_visa")  # no event
    (event,) = webhook_receiver.wait_for_events(1)
    assert (event["type"], event["data"]["object"]["id"]) == ("customer.created", customer.id)
    assert webhook_receiver.received[0].verified_event is not None
    assert account.client.v1.webhook_endpoints.list().data == []  # not an endpoint

    status, _ = strict_sandbox.control("DELETE", f"/_sandbox/listen/{listener['id']}")
    assert status == 200
    account.client.v1.customers.create()
    deliveries = strict_sandbox.deliveries(account=account.id)
    assert len(deliveries) == 1 and deliveries[0]["endpoint"] == listener["id"]


def test_listening_needs_an_account_and_a_url(strict_sandbox: SandboxServer) -> None:
    status, body = strict_sandbox.control("POST", "/_sandbox/listen", {"forward_to": "x"})
    assert status == 404
    account = strict_sandbox.new_account("SE")
    status, body = strict_sandbox.control(
        "POST", "/_sandbox/listen", {"account": account.id, "forward_to": "ftp://x"}
    )
    assert status == 400 and "forward_to" in body["error"]["message"]
