"""Which payment methods a merchant can take: one pure rule, shared by the settings page and
the checkout.

A method needs three things: a currency it works in among the merchant's account currencies,
a Stripe account in a country that offers it, and the Stripe capability turned on. Before Stripe
is connected the country and capabilities are unknown (None) and only the currency rule applies.
"""

from __future__ import annotations

import enum
from collections.abc import Collection


class PaymentMethod(enum.StrEnum):
    """The methods Kassa offers, named as Stripe's ``payment_method_types``."""

    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    ACH_DEBIT = "us_bank_account"
    BACS_DEBIT = "bacs_debit"


class Unavailable(enum.StrEnum):
    """Why a method cannot be offered."""

    CURRENCY = "currency"  # the method's currency is not an account currency
    COUNTRY = "country"  # the Stripe account's country does not offer it
    CAPABILITY = "capability"  # the Stripe account's capability is not active


# EU and EEA member states (Stripe offers SEPA Direct Debit to accounts in all of them).
EU_EEA = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
})  # fmt: skip
SEPA_ACCOUNT_COUNTRIES = EU_EEA | {
    "AU", "CA", "HK", "JP", "MX", "NZ", "SG", "US", "GB", "CH",
}  # fmt: skip

# method -> (currency it needs, account countries that offer it or None for all, capability)
_RULES: dict[PaymentMethod, tuple[str | None, frozenset[str] | None, str]] = {
    PaymentMethod.CARD: (None, None, "card_payments"),
    PaymentMethod.SEPA_DEBIT: ("EUR", SEPA_ACCOUNT_COUNTRIES, "sepa_debit_payments"),
    PaymentMethod.ACH_DEBIT: ("USD", frozenset({"US"}), "us_bank_account_ach_payments"),
    PaymentMethod.BACS_DEBIT: ("GBP", frozenset({"GB"}), "bacs_debit_payments"),
}


# Methods a payment can save for later off-session charges (``setup_future_usage``, a
# SetupIntent): in Stripe, all four (a card, and each bank debit's mandate).
REUSABLE_METHODS = frozenset(PaymentMethod)


def required_currency(method: PaymentMethod) -> str | None:
    """The one currency a bank debit works in (None for cards, which take any)."""
    return _RULES[method][0]


def is_bank_debit(method: PaymentMethod) -> bool:
    return method is not PaymentMethod.CARD


def method_availability(
    method: PaymentMethod,
    account_country: str | None,
    account_currencies: Collection[str],
    capabilities: Collection[str] | None,
) -> Unavailable | None:
    """None when ``method`` can be taken, else the first reason it cannot.

    A reason the merchant cannot fix (the account's country) comes before ones they can
    (adding a currency, turning a capability on), so the page never suggests a futile step.
    ``account_country`` and ``capabilities`` are None while no Stripe account is connected;
    then only the currency is checked.
    """
    currency, countries, capability = _RULES[method]
    if account_country is not None and countries is not None and account_country not in countries:
        return Unavailable.COUNTRY
    if currency is not None and currency not in account_currencies:
        return Unavailable.CURRENCY
    if capabilities is not None and capability not in capabilities:
        return Unavailable.CAPABILITY
    return None
