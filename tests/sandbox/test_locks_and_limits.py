"""Stripe's answers to a busy object and a busy client: ``lock_timeout`` (429) when a request
writes to an object another request is confirming, ``rate_limit`` (429) by fault; API versions
the sandbox knows; and the request log that shows what a client sent."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import stripe

from .conftest import Account, SandboxServer, http


def _card_intent(account: Account) -> Any:
    return account.client.v1.payment_intents.create(
        params={"amount": 2000, "currency": "usd", "payment_method_types": ["card"]}
    )


def _confirm_in_background(account: Account, intent: Any) -> tuple[threading.Thread, list[Any]]:
    """The buyer's browser confirming (publishable key), slowly, on another thread."""
    outcome: list[Any] = []

    def confirm() -> None:
        outcome.append(
            account.public_client.v1.payment_intents.confirm(
                intent.id,
                params={"client_secret": intent.client_secret, "payment_method": "pm_card_visa"},
            )
        )

    thread = threading.Thread(target=confirm)
    thread.start()
    return thread, outcome


def _wait_until_held(sandbox: SandboxServer, intent_id: str) -> None:
    deadline = time.monotonic() + 5
    while not sandbox.engine.is_held(intent_id):
        assert time.monotonic() < deadline, "the confirm never took the lock"
        time.sleep(0.01)


def test_a_write_during_a_confirm_meets_lock_timeout(
    sandbox: SandboxServer, account: Account
) -> None:
    intent = _card_intent(account)
    sandbox.faults(confirm_hold_ms=2000)
    thread, outcome = _confirm_in_background(account, intent)
    _wait_until_held(sandbox, intent.id)

    with pytest.raises(stripe.RateLimitError) as caught:
        account.client.v1.payment_intents.update(
            intent.id, params={"amount": 2500}, options={"idempotency_key": "busy-update"}
        )
    error = caught.value
    assert error.http_status == 429
    assert error.error is not None
    assert (error.error.type, error.error.code) == ("invalid_request_error", "lock_timeout")
    assert error.headers is not None and error.headers["Stripe-Should-Retry"] == "true"
    # Reading is never locked, and other objects are not held.
    assert account.client.v1.payment_intents.retrieve(intent.id).status in (
        "requires_payment_method",
        "requires_confirmation",
    )
    other = _card_intent(account)
    assert (
        account.client.v1.payment_intents.update(other.id, params={"amount": 2100}).amount == 2100
    )

    thread.join()
    assert outcome[0].status == "succeeded"
    assert account.client.v1.payment_intents.retrieve(intent.id).amount == 2000
    # The refused request did nothing, so its key is free: the retry is answered afresh.
    with pytest.raises(stripe.InvalidRequestError) as after:
        account.client.v1.payment_intents.update(
            intent.id, params={"amount": 2500}, options={"idempotency_key": "busy-update"}
        )
    assert after.value.code == "payment_intent_unexpected_state"


def test_a_second_confirm_at_the_same_time_meets_lock_timeout(
    sandbox: SandboxServer, account: Account
) -> None:
    intent = _card_intent(account)
    sandbox.faults(confirm_hold_ms=2000)
    thread, outcome = _confirm_in_background(account, intent)
    _wait_until_held(sandbox, intent.id)
    with pytest.raises(stripe.RateLimitError) as caught:
        account.public_client.v1.payment_intents.confirm(
            intent.id,
            params={"client_secret": intent.client_secret, "payment_method": "pm_card_visa"},
        )
    assert caught.value.error is not None and caught.value.error.code == "lock_timeout"
    thread.join()
    assert outcome[0].status == "succeeded"
    charges = account.client.v1.charges.list(params={"payment_intent": intent.id}).data
    assert len(charges) == 1, "paid once"


def test_a_write_waits_for_a_lock_released_in_time(
    sandbox: SandboxServer, account: Account
) -> None:
    """Like Stripe, a request waits a little for the object before giving up: a confirm held
    for less than that delays a concurrent write, it does not refuse it."""
    intent = _card_intent(account)
    sandbox.faults(confirm_hold_ms=300)
    thread, outcome = _confirm_in_background(account, intent)
    _wait_until_held(sandbox, intent.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:  # waited, then found it paid
        account.client.v1.payment_intents.update(intent.id, params={"amount": 2500})
    assert caught.value.code == "payment_intent_unexpected_state"
    thread.join()
    assert outcome[0].status == "succeeded"


def test_the_rate_limit_fault_answers_the_next_requests_429(
    sandbox: SandboxServer, account: Account
) -> None:
    sandbox.faults(rate_limited_requests=2)
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError) as caught:
            account.client.v1.customers.create(options={"idempotency_key": "limited"})
        assert caught.value.error is not None and caught.value.error.code == "rate_limit"
        assert caught.value.headers is not None
        assert "Stripe-Should-Retry" not in caught.value.headers
    created = account.client.v1.customers.create(options={"idempotency_key": "limited"})
    assert [c.id for c in account.client.v1.customers.list().data] == [created.id]
    assert sandbox.faults()["rate_limited_requests"] == 0


@pytest.mark.parametrize("version", ["2099-01-01", "2020-08-27", "2024-13-45.acacia"])
def test_a_version_the_sandbox_does_not_know_is_refused(
    sandbox: SandboxServer, account: Account, version: str
) -> None:
    status, _, body = http(
        "GET",
        f"{sandbox.url}/v1/account",
        headers={"Authorization": f"Bearer {account.secret_key}", "Stripe-Version": version},
    )
    assert status == 400
    assert b'"type": "invalid_request_error"' in body
    assert f"Invalid Stripe API version: {version}".encode() in body


def test_the_request_log_shows_what_was_sent(sandbox: SandboxServer, account: Account) -> None:
    client = sandbox.client(account.secret_key, stripe_version="2024-06-20")
    client.v1.customers.create(options={"idempotency_key": "logged-1"})
    status, body = sandbox.control("GET", f"/_sandbox/requests?account={account.id}")
    assert status == 200
    (logged,) = [r for r in body["data"] if r["idempotency_key"] == "logged-1"]
    assert logged["method"] == "POST" and logged["path"] == "/v1/customers"
    assert (logged["stripe_version"], logged["status"], logged["key"]) == (
        "2024-06-20",
        200,
        "secret",
    )
