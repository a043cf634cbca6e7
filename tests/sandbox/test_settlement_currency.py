"""Charges in a currency the account does not settle in: the balance transaction is in the
account's default currency, converted at the sandbox's fixed rates, with ``exchange_rate``."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Account, SandboxServer
from .helpers import card_payment


def booked(account: Account, intent_id: str) -> Any:
    """The balance transaction of the intent's charge."""
    intent = account.client.v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge.balance_transaction"]}
    )
    return intent.latest_charge.balance_transaction


@pytest.mark.parametrize(
    ("country", "details", "currency", "amount", "settled", "rate", "booked_amount", "fee"),
    [
        # EUR 49.90 at 11.413 (10.5 / 0.92) is SEK 569.5087; 1.5% + SEK 1.80 of SEK 569.51.
        ("SE", {}, "eur", 4990, "sek", 11.413, 56951, 854 + 180),
        # JPY 1000 (zero-decimal) at 0.00666667 is USD 6.67; 2.9% + 30¢ of it.
        ("US", {}, "jpy", 1000, "usd", 0.00666667, 667, 19 + 30),
        # USD 10.00 at 150 is JPY 1500 (zero-decimal); 3.6%.
        ("JP", {}, "usd", 1000, "jpy", 150, 1500, 54),
        # The account's default currency decides, not its country: SEK 100 at 0.087619 is
        # EUR 8.76; 1.5% + €0.25.
        ("SE", {"default_currency": "eur"}, "sek", 10000, "eur", 0.087619, 876, 13 + 25),
    ],
)
def test_a_charge_in_another_currency_settles_in_the_default_currency(
    sandbox: SandboxServer,
    country: str,
    details: dict[str, str],
    currency: str,
    amount: int,
    settled: str,
    rate: float,
    booked_amount: int,
    fee: int,
) -> None:
    account = sandbox.new_account(country, **details)
    intent = card_payment(account, amount=amount, currency=currency)
    charge = account.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount, charge.currency) == (amount, currency)

    transaction = booked(account, intent.id)
    assert (transaction.currency, transaction.exchange_rate) == (settled, rate)
    assert (transaction.amount, transaction.fee, transaction.net) == (
        booked_amount,
        fee,
        booked_amount - fee,
    )
    assert [(d.amount, d.currency) for d in transaction.fee_details] == [(fee, settled)]


def test_a_charge_in_the_default_currency_has_no_exchange_rate(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("SE", default_currency="eur")
    intent = card_payment(account, amount=4990, currency="eur")
    transaction = booked(account, intent.id)
    assert (transaction.currency, transaction.exchange_rate) == ("eur", None)
    assert (transaction.amount, transaction.fee) == (4990, 75 + 25)


def test_refunds_of_a_converted_charge_are_converted_at_the_same_rate(
    sandbox: SandboxServer,
) -> None:
    account = sandbox.new_account("SE")
    intent = card_payment(account, amount=4990, currency="eur")
    refund = account.client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    assert (refund.amount, refund.currency) == (1000, "eur")

    transaction = account.client.v1.balance_transactions.retrieve(refund.balance_transaction)
    # EUR 10.00 at 11.413 is SEK 114.13, no fee.
    assert (transaction.type, transaction.currency, transaction.exchange_rate) == (
        "refund",
        "sek",
        11.413,
    )
    assert (transaction.amount, transaction.fee, transaction.net) == (-11413, 0, -11413)
    listed = account.client.v1.balance_transactions.list(params={"currency": "sek"})
    assert {item.type for item in listed.data} == {"charge", "refund"}
