"""Events delivered as signed webhooks to a real local receiver: signatures, subscriptions,
retries with backoff, and the drop / duplicate / shuffle faults."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
import stripe

from stripe_sandbox.webhooks import sign_payload
from tests.support.servers import free_port

from .conftest import RETRY_DELAYS, Account, SandboxServer, WebhookReceiver, wait_for
from .helpers import card_payment


def _endpoint(account: Account, receiver: WebhookReceiver, events: list[str]) -> Any:
    endpoint = account.client.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": events}
    )
    receiver.secret = endpoint.secret
    return endpoint


def _pay(account: Account) -> Any:
    return card_payment(account, amount=1234)


def test_signed_deliveries_verify_with_the_stripe_library(
    account: Account, webhook_receiver: WebhookReceiver
) -> None:
    _endpoint(account, webhook_receiver, ["*"])
    intent = _pay(account)
    events = webhook_receiver.wait_for_events(3)
    assert [event["type"] for event in events] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    received = webhook_receiver.received
    assert all(item.verified_event is not None for item in received)
    assert received[2].verified_event.data.object.id == intent.id
    assert received[2].verified_event.data.object.status == "succeeded"
    assert webhook_receiver.rejected == 0
    timestamp, _, digest = received[0].signature.partition(",v1=")
    assert timestamp.startswith("t=") and len(digest) == 64
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            received[0].payload, received[0].signature, "whsec_someone_elses_secret"
        )
    assert received[0].headers["Content-Type"].startswith("application/json")


def test_sign_payload_matches_stripes_scheme() -> None:
    payload = '{"id": "evt_1", "object": "event"}'
    header = sign_payload(payload, "whsec_test", timestamp=int(time.time()))
    assert stripe.Webhook.construct_event(payload, header, "whsec_test").id == "evt_1"
    stale = sign_payload(payload, "whsec_test", timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, "whsec_test")


def test_only_subscribed_types_are_delivered(
    account: Account, webhook_receiver: WebhookReceiver
) -> None:
    _endpoint(account, webhook_receiver, ["payment_intent.succeeded"])
    intent = _pay(account)
    account.client.v1.customers.create()
    events = webhook_receiver.wait_for_events(1)
    assert [event["type"] for event in events] == ["payment_intent.succeeded"]
    assert events[0]["data"]["object"]["id"] == intent.id
    assert wait_for(lambda: account.client.v1.events.list().data[0].type == "customer.created")


def test_failed_deliveries_are_retried(
    sandbox: SandboxServer, account: Account, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.failures_left = 2
    endpoint = _endpoint(account, webhook_receiver, ["customer.created"])
    customer = account.client.v1.customers.create()
    events = webhook_receiver.wait_for_events(1)
    assert events[0]["data"]["object"]["id"] == customer.id
    attempts = wait_for(
        lambda: (
            [d for d in sandbox.deliveries(endpoint=endpoint.id) if d["outcome"] == "succeeded"]
            and sandbox.deliveries(endpoint=endpoint.id)
        )
    )
    assert [(d["attempt"], d["outcome"], d["status_code"]) for d in attempts] == [
        (1, "retrying", 500),
        (2, "retrying", 500),
        (3, "succeeded", 200),
    ]
    gaps = [later["at"] - earlier["at"] for earlier, later in itertools.pairwise(attempts)]
    assert gaps[0] >= RETRY_DELAYS[0] and gaps[1] >= RETRY_DELAYS[1], "backoff between tries"


def test_retries_are_bounded(sandbox: SandboxServer, account: Account) -> None:
    closed_port = free_port()  # bound and released: nothing listens there
    endpoint = account.client.v1.webhook_endpoints.create(
        params={"url": f"http://127.0.0.1:{closed_port}/hook", "enabled_events": ["*"]}
    )
    account.client.v1.customers.create()
    final = wait_for(
        lambda: [d for d in sandbox.deliveries(endpoint=endpoint.id) if d["outcome"] == "failed"]
    )
    attempts = sandbox.deliveries(endpoint=endpoint.id)
    assert len(attempts) == len(RETRY_DELAYS) + 1
    assert final[0]["attempt"] == len(RETRY_DELAYS) + 1
    assert all(d["error"] and d["status_code"] is None for d in attempts)


def test_drop_fault(
    sandbox: SandboxServer, account: Account, webhook_receiver: WebhookReceiver
) -> None:
    endpoint = _endpoint(account, webhook_receiver, ["customer.created"])
    sandbox.faults(drop_webhooks=True)
    dropped = account.client.v1.customers.create()
    sandbox.faults(drop_webhooks=False)
    delivered = account.client.v1.customers.create()
    events = webhook_receiver.wait_for_events(1)
    records = wait_for(
        lambda: (
            len(sandbox.deliveries(endpoint=endpoint.id)) >= 2
            and sandbox.deliveries(endpoint=endpoint.id)
        )
    )
    assert [event["data"]["object"]["id"] for event in events] == [delivered.id]
    assert [record["outcome"] for record in records] == ["dropped", "succeeded"]
    stored = account.client.v1.events.list(params={"type": "customer.created"}).data
    assert {event.data.object.id for event in stored} == {dropped.id, delivered.id}


def test_duplicate_fault(
    sandbox: SandboxServer, account: Account, webhook_receiver: WebhookReceiver
) -> None:
    _endpoint(account, webhook_receiver, ["customer.created"])
    sandbox.faults(duplicate_webhooks=True)
    account.client.v1.customers.create()
    account.client.v1.customers.create()
    events = webhook_receiver.wait_for_events(4)
    ids = [event["id"] for event in events]
    assert len(ids) == 4 and len(set(ids)) == 2
    assert all(ids.count(event_id) == 2 for event_id in ids)


def test_shuffle_fault(
    sandbox: SandboxServer, account: Account, webhook_receiver: WebhookReceiver
) -> None:
    _endpoint(account, webhook_receiver, ["customer.created"])
    sandbox.faults(shuffle_webhooks=True)
    webhook_receiver.release.clear()  # hold the first delivery so the rest queue up
    created = [account.client.v1.customers.create().id for _ in range(6)]
    wait_for(lambda: sandbox.engine.webhooks.pending() == 6)
    webhook_receiver.release.set()
    events = webhook_receiver.wait_for_events(6)
    delivered = [event["data"]["object"]["id"] for event in events]
    assert sorted(delivered) == sorted(created), "every event once"
    assert delivered != created, "the queued deliveries went out reordered"


def test_delivery_does_not_slow_the_api(
    account: Account, webhook_receiver: WebhookReceiver
) -> None:
    _endpoint(account, webhook_receiver, ["customer.created"])
    webhook_receiver.release.clear()
    started = time.monotonic()
    account.client.v1.customers.create()
    assert time.monotonic() - started < 1.0, "the API answered while the receiver hangs"
    webhook_receiver.release.set()
    assert len(webhook_receiver.wait_for_events(1)) == 1


def test_event_carries_request_and_idempotency_key(
    account: Account, webhook_receiver: WebhookReceiver
) -> None:
    _endpoint(account, webhook_receiver, ["customer.created"])
    customer = account.client.v1.customers.create(options={"idempotency_key": "cust-77"})
    event = webhook_receiver.wait_for_events(1)[0]
    assert event["request"]["idempotency_key"] == "cust-77"
    assert event["request"]["id"] == customer.last_response.request_id
    assert event["pending_webhooks"] == 1
