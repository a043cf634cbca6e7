"""Refunds (full, partial, several) and balance transactions with Stripe-like fees."""

from __future__ import annotations

import pytest
import stripe

from .conftest import MANDATE_DATA, Account, SandboxServer
from .helpers import ACH_TEST_ACCOUNT, DEBIT_BILLING, card_payment, sepa_payment

ACH_METHOD = {"type": "us_bank_account", "us_bank_account": ACH_TEST_ACCOUNT}
BACS_METHOD = {
    "type": "bacs_debit",
    "bacs_debit": {"sort_code": "108800", "account_number": "00012345"},
}


def test_partial_refunds_then_the_rest(account: Account) -> None:
    intent = card_payment(account, amount=1000)
    first = account.client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 300, "reason": "duplicate"}
    )
    second = account.client.v1.refunds.create(
        params={"charge": intent.latest_charge, "amount": 200}
    )
    assert (first.status, first.amount, first.reason) == ("succeeded", 300, "duplicate")
    charge = account.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (500, False)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.refunds.create(params={"charge": charge.id, "amount": 501})
    assert caught.value.param == "amount"
    rest = account.client.v1.refunds.create(params={"charge": charge.id})
    assert rest.amount == 500
    charge = account.client.v1.charges.retrieve(charge.id)
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    listed = account.client.v1.refunds.list(params={"payment_intent": intent.id})
    assert [item.id for item in listed.data] == [rest.id, second.id, first.id]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.refunds.create(params={"charge": charge.id})
    assert caught.value.code == "charge_already_refunded"
    refund_txn = account.client.v1.balance_transactions.retrieve(rest.balance_transaction)
    assert (refund_txn.amount, refund_txn.fee, refund_txn.type) == (-500, 0, "refund")
    types = [event.type for event in account.client.v1.events.list().data]
    assert types.count("refund.created") == 3 and types.count("charge.refunded") == 3


def test_bank_debit_refund_is_pending_until_settled(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("DE")
    intent = sepa_payment(account, "DE89370400440532013000", amount=2000)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.refunds.create(params={"payment_intent": intent.id})
    assert caught.value.code == "charge_not_refundable", "a processing debit cannot be refunded"
    sandbox.advance()
    refund = account.client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refund.status == "pending"
    sandbox.advance()
    assert account.client.v1.refunds.retrieve(refund.id).status == "succeeded"
    updated = account.client.v1.events.list(params={"type": "refund.updated"}).data
    assert [event.data.object.id for event in updated] == [refund.id]


def test_a_bank_debit_refund_can_fail_later(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("DE")
    intent = sepa_payment(account, "DE89370400440532013000", amount=2000)
    sandbox.advance()
    refund = account.client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    sandbox.advance()  # settled: a bank's refund can still come back days later
    status, failed = sandbox.control(
        "POST", f"/_sandbox/refunds/{refund.id}/fail", {"failure_reason": "unknown"}
    )
    assert status == 200
    assert (failed["status"], failed["failure_reason"]) == ("failed", "unknown")
    charge = account.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    back = account.client.v1.balance_transactions.retrieve(failed["failure_balance_transaction"])
    assert (back.amount, back.fee, back.type) == (500, 0, "refund_failure")
    for kind in ("refund.failed", "refund.updated", "charge.refund.updated"):
        events = account.client.v1.events.list(params={"type": kind}).data
        assert events[0].data.object.id == refund.id and events[0].data.object.status == "failed"
    again, _body = sandbox.control("POST", f"/_sandbox/refunds/{refund.id}/fail", {})
    missing, _body = sandbox.control("POST", "/_sandbox/refunds/pyr_nothing/fail", {})
    assert (again, missing) == (400, 404)


@pytest.mark.parametrize(
    ("country", "currency", "amount", "fee"),
    [
        ("US", "usd", 10000, 320),  # 2.9% + 30¢
        ("DE", "eur", 10000, 175),  # 1.5% + €0.25
        ("GB", "gbp", 10000, 170),  # 1.5% + 20p
        ("JP", "jpy", 10000, 360),  # 3.6%
    ],
)
def test_card_fees(
    sandbox: SandboxServer, country: str, currency: str, amount: int, fee: int
) -> None:
    account = sandbox.new_account(country)
    intent = card_payment(
        account, amount=amount, currency=currency, expand=["latest_charge.balance_transaction"]
    )
    transaction = intent.latest_charge.balance_transaction
    assert (transaction.amount, transaction.fee, transaction.net) == (amount, fee, amount - fee)
    assert transaction.fee_details[0].type == "stripe_fee"
    assert transaction.fee_details[0].amount == fee
    assert transaction.status == "pending"
    assert transaction.available_on > transaction.created
    assert transaction.source == intent.latest_charge.id


@pytest.mark.parametrize(
    ("country", "currency", "method", "amount", "fee"),
    [
        (
            "DE",
            "eur",
            {"type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013000"}},
            50000,
            35,
        ),  # €0.35 flat
        (
            "US",
            "usd",
            ACH_METHOD,
            100000,
            500,
        ),  # 0.8%, capped at $5
        (
            "US",
            "usd",
            ACH_METHOD,
            10000,
            80,
        ),  # 0.8%
        (
            "GB",
            "gbp",
            BACS_METHOD,
            10000,
            120,
        ),  # 1% + 20p
        (
            "GB",
            "gbp",
            BACS_METHOD,
            100000,
            400,
        ),  # capped at £4
    ],
)
def test_bank_debit_fees(
    sandbox: SandboxServer, country: str, currency: str, method: dict, amount: int, fee: int
) -> None:
    account = sandbox.new_account(country)
    data = {**method, "billing_details": DEBIT_BILLING}
    intent = account.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency,
            "payment_method_types": [method["type"]],
            "confirm": True,
            "mandate_data": MANDATE_DATA,
            "payment_method_data": data,
        }
    )
    if intent.status == "requires_action":
        account.client.v1.payment_intents.verify_microdeposits(
            intent.id, params={"descriptor_code": "SM11AA"}
        )
    sandbox.advance()
    paid = account.client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge.balance_transaction"]}
    )
    assert paid.status == "succeeded"
    assert paid.latest_charge.balance_transaction.fee == fee
    assert paid.latest_charge.balance_transaction.net == amount - fee
