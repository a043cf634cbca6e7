"""Idempotency-Key: the first response is replayed; other parameters are an error."""

from __future__ import annotations

import threading

import pytest
import stripe

from .conftest import Account, SandboxServer, wait_for

PARAMS = {"amount": 1500, "currency": "usd", "payment_method_types": ["card"]}


def test_same_key_replays_the_first_response(account: Account) -> None:
    first = account.client.v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "order-1001"}
    )
    second = account.client.v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "order-1001"}
    )
    assert second.id == first.id
    assert first.last_response.headers.get("Idempotent-Replayed") is None
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(account.client.v1.payment_intents.list().data) == 1


def test_same_key_other_parameters_is_refused(account: Account) -> None:
    account.client.v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "order-1002"}
    )
    with pytest.raises(stripe.IdempotencyError) as caught:
        account.client.v1.payment_intents.create(
            params={**PARAMS, "amount": 1600}, options={"idempotency_key": "order-1002"}
        )
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"
    assert len(account.client.v1.payment_intents.list().data) == 1


def test_declines_are_replayed_too(account: Account) -> None:
    params = {**PARAMS, "payment_method": "pm_card_chargeDeclined", "confirm": True}
    errors = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as caught:
            account.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": "declined-1"}
            )
        errors.append(caught.value)
    assert errors[0].error.payment_intent.id == errors[1].error.payment_intent.id
    assert errors[1].headers["Idempotent-Replayed"] == "true"
    assert len(account.client.v1.charges.list().data) == 1, "charged once"


def test_keys_are_scoped_per_account(sandbox: SandboxServer, account: Account) -> None:
    other = sandbox.new_account("US")
    mine = account.client.v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "shared-key"}
    )
    theirs = other.client.v1.payment_intents.create(
        params={**PARAMS, "amount": 9900}, options={"idempotency_key": "shared-key"}
    )
    assert theirs.id != mine.id
    assert theirs.amount == 9900


def test_validation_errors_are_not_remembered(account: Account) -> None:
    """Stripe saves a result only once the endpoint starts executing: a request refused
    for its parameters can be corrected and sent again with the same key."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(
            params={**PARAMS, "amount": 10}, options={"idempotency_key": "fix-and-retry"}
        )
    assert caught.value.code == "amount_too_small"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(
            params={**PARAMS, "colour": "red"}, options={"idempotency_key": "fix-and-retry"}
        )
    assert caught.value.code == "parameter_unknown"
    fixed = account.client.v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "fix-and-retry"}
    )
    assert fixed.amount == 1500


def test_concurrent_requests_with_one_key_conflict(
    sandbox: SandboxServer, account: Account
) -> None:
    """While the first request holds its key (slowed down by the latency fault), a second one
    with the same key gets Stripe's 409; afterwards the key replays."""
    sandbox.faults(latency_ms=400)
    results: list[object] = []

    def create() -> None:
        try:
            results.append(
                account.client.v1.payment_intents.create(
                    params=PARAMS, options={"idempotency_key": "concurrent-1"}
                )
            )
        except stripe.StripeError as error:
            results.append(error)

    first = threading.Thread(target=create)
    first.start()
    wait_for(lambda: "concurrent-1" in sandbox.engine.store.idempotency.get(account.id, {}))
    create()
    first.join()
    sandbox.faults(latency_ms=0)
    conflict = [item for item in results if isinstance(item, stripe.StripeError)]
    created = [item for item in results if not isinstance(item, stripe.StripeError)]
    assert len(conflict) == 1 and len(created) == 1
    assert conflict[0].http_status == 409
    assert conflict[0].json_body["error"]["code"] == "idempotency_key_in_use"
    replayed = account.client.v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "concurrent-1"}
    )
    assert replayed.id == created[0].id  # type: ignore[attr-defined]
