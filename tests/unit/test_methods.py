"""The one rule that says which payment methods a merchant can take."""

from __future__ import annotations

import pytest

from app.core.methods import (
    EU_EEA,
    PaymentMethod,
    Unavailable,
    method_availability,
    required_currency,
)

ALL_CAPABILITIES = frozenset({
    "card_payments", "sepa_debit_payments", "us_bank_account_ach_payments", "bacs_debit_payments",
})  # fmt: skip


def test_cards_are_available_everywhere_in_any_currency() -> None:
    assert method_availability(PaymentMethod.CARD, None, ["JPY"], None) is None
    assert method_availability(PaymentMethod.CARD, "BR", ["BRL"], ALL_CAPABILITIES) is None


@pytest.mark.parametrize(
    ("method", "currency"),
    [
        (PaymentMethod.SEPA_DEBIT, "EUR"),
        (PaymentMethod.ACH_DEBIT, "USD"),
        (PaymentMethod.BACS_DEBIT, "GBP"),
    ],
)
def test_bank_debits_need_their_currency_even_before_stripe_is_connected(
    method: PaymentMethod, currency: str
) -> None:
    assert required_currency(method) == currency
    assert method_availability(method, None, ["SEK"], None) is Unavailable.CURRENCY
    assert method_availability(method, None, ["SEK", currency], None) is None


@pytest.mark.parametrize("country", sorted(EU_EEA | {"AU", "CA", "HK", "JP", "MX", "NZ", "SG",
                                                    "US", "GB", "CH"}))  # fmt: skip
def test_sepa_is_offered_to_accounts_in_these_countries(country: str) -> None:
    assert method_availability(PaymentMethod.SEPA_DEBIT, country, ["EUR"], ALL_CAPABILITIES) is None


@pytest.mark.parametrize("country", ["BR", "AE", "TH", "MY", "IN"])
def test_sepa_is_not_offered_elsewhere(country: str) -> None:
    result = method_availability(PaymentMethod.SEPA_DEBIT, country, ["EUR"], ALL_CAPABILITIES)
    assert result is Unavailable.COUNTRY


def test_ach_needs_a_us_account_and_bacs_a_uk_account() -> None:
    usd, gbp = ["USD"], ["GBP"]
    assert method_availability(PaymentMethod.ACH_DEBIT, "US", usd, ALL_CAPABILITIES) is None
    assert method_availability(PaymentMethod.ACH_DEBIT, "CA", usd, ALL_CAPABILITIES) == "country"
    assert method_availability(PaymentMethod.BACS_DEBIT, "GB", gbp, ALL_CAPABILITIES) is None
    assert method_availability(PaymentMethod.BACS_DEBIT, "IE", gbp, ALL_CAPABILITIES) == "country"


def test_an_inactive_capability_makes_a_method_unavailable() -> None:
    without_sepa = ALL_CAPABILITIES - {"sepa_debit_payments"}
    assert (
        method_availability(PaymentMethod.SEPA_DEBIT, "SE", ["EUR"], without_sepa)
        is Unavailable.CAPABILITY
    )
    assert method_availability(PaymentMethod.CARD, "SE", ["SEK"], set()) is Unavailable.CAPABILITY


def test_the_country_is_reported_before_the_currency() -> None:
    """A Swedish account is told ACH needs a US account, not sent to add USD in vain."""
    assert method_availability(PaymentMethod.ACH_DEBIT, "SE", ["SEK"], set()) is Unavailable.COUNTRY
    assert (
        method_availability(PaymentMethod.ACH_DEBIT, "US", ["EUR"], set()) is Unavailable.CURRENCY
    )
