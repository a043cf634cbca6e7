"""Stripe's rules for amounts, currencies, countries and payment method availability."""

from __future__ import annotations

# Stripe's minimum charge amounts, in the currency's smallest unit.
MINIMUM_AMOUNTS: dict[str, int] = {
    "usd": 50,
    "eur": 50,
    "gbp": 30,
    "jpy": 50,
    "sek": 300,
    "nok": 300,
    "dkk": 250,
    "chf": 50,
    "cad": 50,
    "aud": 50,
    "nzd": 50,
    "pln": 200,
    "czk": 1500,
    "huf": 17500,
    "ron": 200,
    "bgn": 100,
    "hkd": 400,
    "sgd": 50,
    "mxn": 1000,
    "brl": 50,
    "inr": 50,
    "myr": 200,
    "thb": 1000,
    "aed": 200,
}
MAXIMUM_AMOUNT = 99_999_999

ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)

EEA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)
# Countries whose Stripe accounts can accept SEPA Direct Debit (EEA plus these).
SEPA_ACCOUNT_COUNTRIES = EEA_COUNTRIES | frozenset(
    [
        "CH",
        "GB",
        "GI",
        "AU",
        "CA",
        "HK",
        "JP",
        "MX",
        "NZ",
        "SG",
        "US",
    ]
)

# payment method type -> (currencies it can be charged in, account countries it works for,
# the account capability it needs).
PAYMENT_METHOD_RULES: dict[str, tuple[frozenset[str] | None, frozenset[str] | None, str]] = {
    "card": (None, None, "card_payments"),
    "sepa_debit": (frozenset({"eur"}), SEPA_ACCOUNT_COUNTRIES, "sepa_debit_payments"),
    "us_bank_account": (frozenset({"usd"}), frozenset({"US"}), "us_bank_account_ach_payments"),
    "bacs_debit": (frozenset({"gbp"}), frozenset({"GB"}), "bacs_debit_payments"),
}
BANK_DEBIT_TYPES = frozenset({"sepa_debit", "us_bank_account", "bacs_debit"})


def format_amount(amount: int, currency: str) -> str:
    """``50, "usd"`` -> ``"$0.50"``-like text for error messages."""
    symbols = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}
    text = f"{amount}" if currency in ZERO_DECIMAL_CURRENCIES else f"{amount / 100:.2f}"
    return f"{symbols.get(currency, '')}{text}"


def default_capabilities(country: str) -> dict[str, str]:
    """The capabilities an account of this country gets unless the caller says otherwise."""
    capabilities = {"card_payments": "active", "transfers": "active"}
    for _type, (_currencies, countries, capability) in PAYMENT_METHOD_RULES.items():
        if countries is None or country in countries:
            capabilities[capability] = "active"
    return capabilities


def method_unavailable_reason(method_type: str, currency: str, account: dict) -> str | None:
    """Why ``method_type`` cannot be used for ``currency`` on this account, or None."""
    rule = PAYMENT_METHOD_RULES.get(method_type)
    if rule is None:
        return "unsupported"
    currencies, countries, capability = rule
    if account["capabilities"].get(capability) != "active":
        return "capability"
    if countries is not None and account["country"] not in countries:
        return "country"
    if currencies is not None and currency not in currencies:
        return "currency"
    return None
