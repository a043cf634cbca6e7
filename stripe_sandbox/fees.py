"""Processing fees on balance transactions.

THE table below is the only place fees are defined. The figures approximate Stripe's
published standard pricing (domestic cards, no currency conversion, no international or
premium-card surcharges); they are realistic, not Stripe's exact contract for any account.

Each rate: a percentage, a fixed part in minor units of the settlement currency (looked up by
currency, falling back to ``default_fixed``), and an optional cap in minor units.

A charge in a currency other than the account's default currency settles in the default
currency, converted at the fixed ``USD_RATES`` below (the settlement currency is the one the
fee is taken in), as Stripe settles for an account without a bank account in the charge
currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from .rules import EEA_COUNTRIES, ZERO_DECIMAL_CURRENCIES


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


# Units of each currency one US dollar buys: THE table of the sandbox's exchange rates, fixed so
# that conversions are deterministic (plausible values, not any day's market rates). A pair's
# rate goes through the dollar and is rounded to ``RATE_DIGITS`` significant digits; that rounded
# rate is the balance transaction's ``exchange_rate`` and the one amounts are converted at.
USD_RATES: dict[str, Decimal] = {
    "usd": Decimal("1"),
    "eur": Decimal("0.92"),
    "gbp": Decimal("0.79"),
    "jpy": Decimal("150"),
    "sek": Decimal("10.5"),
    "nok": Decimal("10.8"),
    "dkk": Decimal("6.86"),
    "chf": Decimal("0.88"),
    "cad": Decimal("1.37"),
    "aud": Decimal("1.52"),
    "nzd": Decimal("1.68"),
    "pln": Decimal("3.95"),
    "czk": Decimal("23.2"),
    "huf": Decimal("360"),
    "ron": Decimal("4.58"),
    "bgn": Decimal("1.8"),
    "hkd": Decimal("7.8"),
    "sgd": Decimal("1.34"),
    "mxn": Decimal("18.2"),
    "brl": Decimal("5.4"),
    "inr": Decimal("83.5"),
    "myr": Decimal("4.7"),
    "thb": Decimal("35.5"),
    "aed": Decimal("3.6725"),
}
RATE_DIGITS = 6


def exchange_rate(charge_currency: str, settlement_currency: str) -> Decimal | None:
    """Settlement units per charge unit, or None when no conversion happens (the same
    currency, or one the table does not know: then the charge settles in its own currency)."""
    if charge_currency == settlement_currency:
        return None
    if charge_currency not in USD_RATES or settlement_currency not in USD_RATES:
        return None
    rate = USD_RATES[settlement_currency] / USD_RATES[charge_currency]
    places = Decimal(1).scaleb(rate.adjusted() - RATE_DIGITS + 1)
    return rate.quantize(places, rounding=ROUND_HALF_EVEN)


def _exponent(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def convert(amount: int, charge_currency: str, settlement_currency: str, rate: Decimal) -> int:
    """``amount`` minor units of ``charge_currency`` in minor units of ``settlement_currency``
    at ``rate``, rounded half to even (EUR 49.90 at 11.413 is SEK 569.5087, 56951 öre)."""
    major = Decimal(amount).scaleb(-_exponent(charge_currency)) * rate
    return int(major.scaleb(_exponent(settlement_currency)).to_integral_value(ROUND_HALF_EVEN))
