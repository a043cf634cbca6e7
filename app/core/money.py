"""Money as integers: minor units plus an ISO 4217 code, never a float.

Currency exponents follow Stripe's tables (which is what the amounts we send must respect):
zero-decimal currencies have no minor unit, three-decimal ones have three digits. ISK and UGX
are zero-decimal for people but Stripe takes them as two-decimal amounts ending in 00, so
``to_stripe_amount`` multiplies them by 100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

from app.core.regions import current_currencies

ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
    "VUV", "XAF", "XOF", "XPF",
})  # fmt: skip
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Stripe's largest amount for a single charge, in minor units (eight digits).
MAXIMUM_AMOUNT = 99_999_999
# Zero-decimal for people, two-decimal (ending in 00) in Stripe's API.
STRIPE_TWO_DECIMAL_OF_ZERO = frozenset({"ISK", "UGX"})

# Stripe's minimum charge per currency, in that currency's minor units (Stripe's published
# table; HubSpot uses about twice these to leave room for conversion, Kassa uses Stripe's).
MINIMUM_CHARGE: dict[str, int] = {
    "USD": 50, "EUR": 50, "GBP": 30, "JPY": 50, "SEK": 300, "NOK": 300, "DKK": 250,
    "CHF": 50, "CAD": 50, "AUD": 50, "NZD": 50, "PLN": 200, "CZK": 1500, "HUF": 17500,
    "HKD": 400, "SGD": 50, "MXN": 1000, "BRL": 50, "AED": 200, "THB": 1000, "MYR": 200,
    "RON": 200, "BGN": 100, "INR": 50,
}  # fmt: skip


class CurrencyMismatchError(ValueError):
    """Two amounts of different currencies were combined."""


def is_currency(code: str) -> bool:
    return code in current_currencies()


def exponent(currency: str) -> int:
    """How many digits the minor unit has: 0 for JPY, 3 for KWD, else 2."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not int:
            raise TypeError(
                f"Money.amount must be an int of minor units, not {type(self.amount).__name__}"
            )
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str | int, currency: str) -> Money:
        """An exact decimal amount (``"12.50"``) as Money; refuses digits the currency lacks."""
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise ValueError(f"not a number: {value!r}") from error
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        scaled = number.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{currency} amounts have at most {exponent(currency)} decimals")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money combines only with Money")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("multiply Money by a whole number; use allocate or pricing for rates")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def __str__(self) -> str:
        return f"{self.to_decimal():f} {self.currency}"


def round_minor(value: Decimal) -> int:
    """A fractional number of minor units rounded half-even (banker's rounding) to a whole one."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def minimum_charge(currency: str) -> Money | None:
    """Stripe's smallest chargeable amount in ``currency``, or None where we know of none."""
    amount = MINIMUM_CHARGE.get(currency)
    return Money(amount, currency) if amount is not None else None


def below_minimum(amount: Money) -> bool:
    """True for a positive amount that Stripe would refuse as too small."""
    minimum = minimum_charge(amount.currency)
    return minimum is not None and 0 < amount.amount < minimum.amount


def above_maximum(amount: Money) -> bool:
    """True for an amount larger than Stripe takes in one charge (checked as Stripe encodes it)."""
    return to_stripe_amount(amount) > MAXIMUM_AMOUNT


def to_stripe_amount(amount: Money) -> int:
    """The integer Stripe's API expects for this amount."""
    if amount.currency in STRIPE_TWO_DECIMAL_OF_ZERO:
        return amount.amount * 100
    if amount.currency in THREE_DECIMAL and amount.amount % 10:
        raise ValueError(f"Stripe needs {amount.currency} amounts whose last digit is 0: {amount}")
    return amount.amount


def from_stripe_amount(value: int, currency: str) -> Money:
    """The inverse of ``to_stripe_amount`` for amounts Stripe reports (fees, refunds, nets)."""
    code = currency.upper()
    if code in STRIPE_TWO_DECIMAL_OF_ZERO:
        return Money(value // 100, code)
    return Money(value, code)


def format_money(amount: Money, locale: str) -> str:
    """``Money(1250, "EUR")`` as ``€12.50`` in English and ``12,50 €`` in Swedish."""
    return _formatted(amount, locale)


@lru_cache(maxsize=4096)
def _formatted(amount: Money, locale: str) -> str:
    """Babel's formatting is a pure function of the amount and locale, and a shop page formats
    the same prices on every view: remembered, bounded."""
    return format_currency(
        amount.to_decimal(), amount.currency, locale=locale, decimal_quantization=False
    )


_TYPED_NUMBER = re.compile(r"-?[0-9.,]+")


def parse_typed_decimal(text: str, locale: str) -> Decimal:
    """A number as a person types it in ``locale``: "12,50" in Swedish, "1,234.50" in English.

    Spaces (a common thousands separator) are ignored; exponents and other symbols are not
    numbers people type. Raises ValueError for anything else.
    """
    compact = "".join(text.split())
    if not _TYPED_NUMBER.fullmatch(compact):
        raise ValueError(f"not a typed number: {text!r}")
    try:
        return parse_decimal(compact, locale=locale, strict=True)
    except NumberFormatError as error:
        raise ValueError(f"not a number in {locale}: {text!r}") from error


def format_typed_decimal(value: Decimal, locale: str) -> str:
    """A number as a person of ``locale`` reads and types it (``parse_typed_decimal`` reads it
    back): 1234.5 is "1,234.5" in English and "1 234,5" in Swedish."""
    return format_decimal(value, locale=locale, decimal_quantization=False)
