"""A saved payment method told to decline from now on (``/_sandbox/payment_methods/<id>/
outcome``), as a customer's card or bank account starts failing after it was set up: off-session
charges then fail as Stripe answers them, and succeed again once told to."""

from __future__ import annotations

import pytest
import stripe

from .conftest import MANDATE_DATA, Account, SandboxServer
from .helpers import DEBIT_BILLING, off_session_card_payment


def saved_card(account: Account) -> tuple[str, str]:
    customer = account.client.v1.customers.create()
    card = account.client.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": customer.id}
    )
    return customer.id, card.id


def test_a_saved_card_declines_with_the_code_given_then_succeeds_again(
    sandbox: SandboxServer, account: Account
) -> None:
    customer, card = saved_card(account)
    assert off_session_card_payment(account, customer, card).status == "succeeded"
    status, method = sandbox.control(
        "POST", f"/_sandbox/payment_methods/{card}/outcome",
        {"outcome": "decline", "code": "card_declined", "decline_code": "insufficient_funds"},
    )  # fmt: skip
    assert status == 200 and method["id"] == card and "_outcome" not in method
    with pytest.raises(stripe.CardError) as declined:
        off_session_card_payment(account, customer, card)
    error = declined.value.error
    assert error is not None and error.code == "card_declined"
    assert error.decline_code == "insufficient_funds" and error.payment_intent is not None
    assert error.payment_intent.status == "requires_payment_method"

    status, _method = sandbox.control(
        "POST", f"/_sandbox/payment_methods/{card}/outcome", {"outcome": "succeed"}
    )
    assert status == 200
    assert off_session_card_payment(account, customer, card).status == "succeeded"


def test_a_bank_debit_told_to_decline_fails_when_it_settles(
    sandbox: SandboxServer, account: Account
) -> None:
    customer = account.client.v1.customers.create()
    first = account.client.v1.payment_intents.create(
        params={
            "amount": 1000, "currency": "eur", "payment_method_types": ["sepa_debit"],
            "customer": customer.id, "setup_future_usage": "off_session", "confirm": True,
            "mandate_data": MANDATE_DATA,
            "payment_method_data": {
                "type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013000"},
                "billing_details": DEBIT_BILLING,
            },
        }
    )  # fmt: skip
    method = str(first.payment_method)
    status, _body = sandbox.control(
        "POST", f"/_sandbox/payment_methods/{method}/outcome", {"outcome": "decline"}
    )
    assert status == 200
    again = account.client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "eur", "payment_method_types": ["sepa_debit"],
                "payment_method": method, "customer": customer.id, "confirm": True,
                "off_session": True},
    )  # fmt: skip
    assert again.status == "processing"
    sandbox.control("POST", "/_sandbox/advance")
    failed = account.client.v1.payment_intents.retrieve(again.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error is not None
    assert failed.last_payment_error.code == "insufficient_funds"


def test_an_unknown_method_or_outcome_is_refused(sandbox: SandboxServer, account: Account) -> None:
    _customer, card = saved_card(account)
    assert sandbox.control("POST", "/_sandbox/payment_methods/pm_nope/outcome", {})[0] == 404
    refused = sandbox.control(
        "POST", f"/_sandbox/payment_methods/{card}/outcome", {"outcome": "maybe"}
    )
    assert refused[0] == 400
