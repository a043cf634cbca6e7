"""Card test numbers: each one does what Stripe documents, through the path Stripe.js takes
(publishable key, client_secret, raw card details in payment_method_data)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe

from .conftest import Account
from .helpers import card_payment, off_session_card_payment

RETURN_URL = "https://shop.example/return"
# number -> (status after confirm, error code, decline code)
CARD_OUTCOMES = [
    ("4242424242424242", "succeeded", None, None),
    ("5555555555554444", "succeeded", None, None),
    ("4000000000000002", "requires_payment_method", "card_declined", "generic_decline"),
    ("4000000000009995", "requires_payment_method", "card_declined", "insufficient_funds"),
    ("4000000000009987", "requires_payment_method", "card_declined", "lost_card"),
    ("4000000000000069", "requires_payment_method", "expired_card", "expired_card"),
    ("4000000000000127", "requires_payment_method", "incorrect_cvc", "incorrect_cvc"),
    ("4000000000000119", "requires_payment_method", "processing_error", "processing_error"),
    ("4000000000000341", "requires_payment_method", "card_declined", "generic_decline"),
    ("4000002500003155", "requires_action", None, None),
    ("4000002760003184", "requires_action", None, None),
    ("4000000000003220", "requires_action", None, None),
]


def _card(number: str) -> dict[str, Any]:
    return {
        "type": "card",
        "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        "billing_details": {"name": "Jenny Rosen"},
    }


def _intent(account: Account, amount: int = 1999) -> Any:
    return account.client.v1.payment_intents.create(
        params={"amount": amount, "currency": "usd", "payment_method_types": ["card"]}
    )


def _confirm_as_stripe_js(account: Account, intent: Any, number: str) -> Any:
    return account.public_client.v1.payment_intents.confirm(
        intent.id,
        params={
            "client_secret": intent.client_secret,
            "return_url": RETURN_URL,
            "payment_method_data": _card(number),
        },
    )


@pytest.mark.parametrize(
    ("number", "status", "code", "decline_code"),
    CARD_OUTCOMES,
    ids=[row[0] for row in CARD_OUTCOMES],
)
def test_card_number_outcome(
    account: Account, number: str, status: str, code: str | None, decline_code: str | None
) -> None:
    intent = _intent(account)
    if code is None:
        confirmed = _confirm_as_stripe_js(account, intent, number)
        assert confirmed.status == status
    else:
        with pytest.raises(stripe.CardError) as caught:
            _confirm_as_stripe_js(account, intent, number)
        assert caught.value.http_status == 402
        assert (caught.value.code, caught.value.error.decline_code) == (code, decline_code)
        assert caught.value.error.payment_intent.status == status
    stored = account.client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["payment_method", "latest_charge"]}
    )
    assert stored.status == status
    assert stored.payment_method.card.last4 == number[-4:]
    assert number not in json.dumps(stored.payment_method.to_dict()), "never keep the number"
    if status == "succeeded":
        assert stored.latest_charge.status == "succeeded"
        assert stored.latest_charge.paid is True
        assert stored.amount_received == 1999
    elif status == "requires_payment_method":
        assert stored.last_payment_error.code == code
        assert stored.last_payment_error.decline_code == decline_code
        assert stored.latest_charge.status == "failed"
        assert stored.latest_charge.failure_code == code
        assert stored.latest_charge.outcome.type == "issuer_declined"
    else:
        assert stored.next_action.type == "redirect_to_url"
        assert stored.latest_charge is None


def test_dispute_card(account: Account) -> None:
    intent = _intent(account)
    paid = _confirm_as_stripe_js(account, intent, "4000000000000259")
    assert paid.status == "succeeded"
    charge = account.client.v1.charges.retrieve(paid.latest_charge)
    assert charge.disputed is True
    disputes = account.client.v1.events.list(params={"type": "charge.dispute.created"}).data
    assert [event.data.object.charge for event in disputes] == [charge.id]


def test_declines_record_stripes_events(account: Account) -> None:
    intent = _intent(account)
    with pytest.raises(stripe.CardError):
        _confirm_as_stripe_js(account, intent, "4000000000009995")
    types = [event.type for event in account.client.v1.events.list().data]
    assert types[:3] == ["payment_intent.payment_failed", "charge.failed", "payment_intent.created"]


def test_decline_can_be_retried_with_another_card(account: Account) -> None:
    intent = _intent(account)
    with pytest.raises(stripe.CardError):
        _confirm_as_stripe_js(account, intent, "4000000000000002")
    retried = _confirm_as_stripe_js(account, intent, "4242424242424242")
    assert retried.status == "succeeded"
    charges = account.client.v1.charges.list(params={"payment_intent": intent.id}).data
    assert sorted(charge.status for charge in charges) == ["failed", "succeeded"]


@pytest.mark.parametrize(
    ("test_id", "outcome"),
    [
        ("pm_card_visa", "succeeded"),
        ("pm_card_mastercard", "succeeded"),
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_authenticationRequired", "requires_action"),
    ],
)
def test_test_payment_method_ids(account: Account, test_id: str, outcome: str) -> None:
    if outcome in ("succeeded", "requires_action"):
        intent = card_payment(account, test_id, amount=500, return_url=RETURN_URL)
        assert intent.status == outcome
        assert intent.payment_method.startswith("pm_") and intent.payment_method != test_id
    else:
        with pytest.raises(stripe.CardError) as caught:
            card_payment(account, test_id, amount=500, return_url=RETURN_URL)
        assert caught.value.error.decline_code == outcome


def test_invalid_card_details_are_refused(account: Account) -> None:
    with pytest.raises(stripe.CardError) as caught:
        account.public_client.v1.payment_methods.create(params=_card("4242424242424241"))
    assert caught.value.code == "incorrect_number"
    expired = _card("4242424242424242")
    expired["card"]["exp_year"] = 2001
    with pytest.raises(stripe.CardError) as caught:
        account.public_client.v1.payment_methods.create(params=expired)
    assert caught.value.code == "invalid_expiry_year"


def test_payment_method_lifecycle(account: Account) -> None:
    customer = account.client.v1.customers.create()
    method = account.public_client.v1.payment_methods.create(params=_card("4242424242424242"))
    assert (method.card.brand, method.card.exp_month) == ("visa", 12)
    attached = account.client.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    assert attached.customer == customer.id
    listed = account.client.v1.payment_methods.list(params={"customer": customer.id})
    assert [item.id for item in listed.data] == [method.id]
    detached = account.client.v1.payment_methods.detach(method.id)
    assert detached.customer is None
    assert account.client.v1.payment_methods.list(params={"customer": customer.id}).data == []


def test_saved_card_pays_off_session(account: Account) -> None:
    customer = account.client.v1.customers.create()
    first = card_payment(account, customer=customer.id, setup_future_usage="off_session")
    assert first.status == "succeeded"
    method = account.client.v1.payment_methods.retrieve(first.payment_method)
    assert method.customer == customer.id
    again = off_session_card_payment(account, customer.id, method.id)
    assert again.status == "succeeded"


def test_unsaved_card_cannot_be_reused(account: Account) -> None:
    first = card_payment(account)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        card_payment(account, first.payment_method)
    assert caught.value.code == "payment_method_unexpected_state"


def test_update_and_cancel(account: Account) -> None:
    intent = _intent(account)
    updated = account.client.v1.payment_intents.update(
        intent.id, params={"amount": 2500, "metadata": {"order": "B-7"}, "description": "Two mugs"}
    )
    assert (updated.amount, updated.metadata["order"], updated.description) == (
        2500,
        "B-7",
        "Two mugs",
    )
    canceled = account.client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "abandoned"}
    )
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_visa"}
        )
    assert caught.value.code == "payment_intent_unexpected_state"
    events = account.client.v1.events.list(params={"type": "payment_intent.canceled"}).data
    assert [event.data.object.id for event in events] == [intent.id]
