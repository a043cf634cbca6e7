"""Processing fees on balance transactions.

THE table below is the only place fees are defined. The figures approximate Stripe's
published standard pricing (domestic cards, no currency conversion, no international or
premium-card surcharges); they are realistic, not Stripe's exact contract for any account.

Each rate: a percentage, a fixed part in minor units of the charge currency (looked up by
currency, falling back to ``default_fixed``), and an optional cap in minor units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import EEA_COUNTRIES


@dataclass(frozen=True)
class Rate:
    percent: float
    fixed: dict[str, int] = field(default_factory=dict)
    default_fixed: int = 0
    cap: dict[str, int] | None = None
    label: str = ""


_CARD_FIXED = {
    "usd": 30,
    "eur": 25,
    "gbp": 20,
    "sek": 180,
    "dkk": 180,
    "nok": 200,
    "chf": 30,
    "cad": 30,
    "aud": 30,
    "nzd": 30,
    "pln": 100,
    "czk": 650,
    "huf": 8500,
    "jpy": 0,
}

# (payment method type, account region) -> rate. Region is the account country, or "EEA",
# or "*" for everywhere else.
FEE_TABLE: dict[tuple[str, str], Rate] = {
    ("card", "US"): Rate(2.9, _CARD_FIXED, 30, label="2.9% + 30¢"),
    ("card", "EEA"): Rate(1.5, _CARD_FIXED, 25, label="1.5% + €0.25 (EEA standard cards)"),
    ("card", "GB"): Rate(1.5, _CARD_FIXED, 20, label="1.5% + 20p (UK standard cards)"),
    ("card", "CH"): Rate(2.9, _CARD_FIXED, 30, label="2.9% + CHF 0.30"),
    ("card", "AU"): Rate(1.7, _CARD_FIXED, 30, label="1.7% + A$0.30"),
    ("card", "JP"): Rate(3.6, {}, 0, label="3.6%"),
    ("card", "*"): Rate(2.9, _CARD_FIXED, 30, label="2.9% + 0.30 of the currency"),
    ("sepa_debit", "*"): Rate(0.0, {"eur": 35}, 35, label="€0.35 flat"),
    ("us_bank_account", "*"): Rate(0.8, {}, 0, cap={"usd": 500}, label="0.8%, capped at $5"),
    ("bacs_debit", "*"): Rate(
        1.0, {"gbp": 20}, 20, cap={"gbp": 400}, label="1% + 20p, capped at £4"
    ),
}

# Days from charge until the funds are available (balance_transaction.available_on).
AVAILABILITY_DAYS: dict[str, int] = {
    "card": 2,
    "sepa_debit": 7,
    "us_bank_account": 4,
    "bacs_debit": 4,
}


def _region(country: str) -> str:
    return "EEA" if country in EEA_COUNTRIES else country


def rate_for(method_type: str, account_country: str) -> Rate:
    region = _region(account_country)
    return FEE_TABLE.get((method_type, region)) or FEE_TABLE[(method_type, "*")]


def processing_fee(amount: int, currency: str, method_type: str, account_country: str) -> int:
    """Stripe's fee for a charge, in minor units of ``currency``."""
    rate = rate_for(method_type, account_country)
    fee = round(amount * rate.percent / 100) + rate.fixed.get(currency, rate.default_fixed)
    if rate.cap and currency in rate.cap:
        fee = min(fee, rate.cap[currency])
    return min(fee, amount)
