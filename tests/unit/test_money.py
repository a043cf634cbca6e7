from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import (
    CurrencyMismatchError,
    Money,
    below_minimum,
    exponent,
    format_money,
    format_typed_decimal,
    from_stripe_amount,
    minimum_charge,
    parse_typed_decimal,
    round_minor,
    to_stripe_amount,
)

CURRENCIES = st.sampled_from(["EUR", "USD", "SEK", "GBP", "JPY", "KRW", "KWD", "BHD", "ISK", "UGX"])


def test_exponents_follow_stripes_tables() -> None:
    assert [exponent(c) for c in ("EUR", "JPY", "KRW", "KWD", "ISK", "SEK")] == [2, 0, 0, 3, 0, 2]


def test_money_refuses_floats_and_bad_codes() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "EUR")
    with pytest.raises(ValueError):
        Money(100, "eur")
    with pytest.raises(TypeError):
        Money(100, "EUR") * 1.5  # type: ignore[operator]


def test_currencies_never_mix() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money(100, "EUR") + Money(100, "USD")


def test_from_decimal_is_exact_per_currency() -> None:
    assert Money.from_decimal("12.50", "EUR") == Money(1250, "EUR")
    assert Money.from_decimal("500", "JPY") == Money(500, "JPY")
    assert Money.from_decimal("1.250", "KWD") == Money(1250, "KWD")
    for bad, currency in (
        ("1.005", "EUR"),
        ("1.5", "JPY"),
        ("abc", "EUR"),
        ("NaN", "EUR"),
        ("Infinity", "USD"),
    ):
        with pytest.raises(ValueError):
            Money.from_decimal(bad, currency)


def test_formatting_follows_the_locale() -> None:
    assert format_money(Money(1250, "EUR"), "en") == "€12.50"
    assert format_money(Money(1250, "EUR"), "sv") == "12,50\xa0€"
    assert format_money(Money(500, "JPY"), "en") == "¥500"
    assert format_money(Money(29900, "SEK"), "sv") == "299,00\xa0kr"


def test_stripe_minimums() -> None:
    assert minimum_charge("EUR") == Money(50, "EUR")
    assert minimum_charge("GBP") == Money(30, "GBP")
    assert minimum_charge("SEK") == Money(300, "SEK")
    assert below_minimum(Money(49, "USD"))
    assert not below_minimum(Money(50, "USD"))
    assert not below_minimum(Money(0, "USD"))  # nothing due is not "too small"
    assert minimum_charge("XPF") is None


def test_stripe_amounts() -> None:
    assert to_stripe_amount(Money(1250, "EUR")) == 1250
    assert to_stripe_amount(Money(500, "JPY")) == 500
    assert to_stripe_amount(Money(1000, "ISK")) == 100000
    assert to_stripe_amount(Money(1250, "KWD")) == 1250
    with pytest.raises(ValueError):
        to_stripe_amount(Money(1255, "KWD"))
    assert from_stripe_amount(100000, "isk") == Money(1000, "ISK")


def test_round_minor_is_half_even() -> None:
    assert [round_minor(Decimal(x)) for x in ("0.5", "1.5", "2.5", "-0.5", "2.51")] == [
        0,
        2,
        2,
        0,
        3,
    ]


@given(st.integers(-(10**12), 10**12), CURRENCIES)
def test_decimal_round_trip(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.from_decimal(money.to_decimal(), currency) == money


@given(st.integers(0, 10**9), CURRENCIES)
def test_stripe_round_trip(amount: int, currency: str) -> None:
    money = Money(amount * 10 if currency in {"KWD", "BHD"} else amount, currency)
    assert from_stripe_amount(to_stripe_amount(money), currency) == money


@given(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9), CURRENCIES)
def test_addition_and_subtraction_are_inverse(a: int, b: int, currency: str) -> None:
    x, y = Money(a, currency), Money(b, currency)
    assert (x + y) - y == x
    assert x + y == y + x


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("12.50", "en", "12.50"),
        ("1,234.50", "en", "1234.50"),
        ("12,50", "sv", "12.50"),
        ("1 234,50", "sv", "1234.50"),
        ("1\u00a0234,50", "sv", "1234.50"),
        ("12.50", "sv", "12.50"),
        (" 7 ", "en", "7"),
    ],
)
def test_typed_numbers_follow_the_locale(text: str, locale: str, expected: str) -> None:
    assert parse_typed_decimal(text, locale) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "12,50", "1e5", "12.5.0", "abc", "12 €", "NaN", "Infinity"])
def test_what_people_do_not_type_as_numbers_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_typed_decimal(text, "en")


@given(
    st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False, allow_infinity=False),
    st.sampled_from(["en", "sv", "de", "fr"]),
)
def test_a_number_formatted_for_a_locale_is_read_back_as_typed(value: Decimal, locale: str) -> None:
    assert parse_typed_decimal(format_typed_decimal(value, locale), locale) == value


def test_numbers_are_formatted_for_the_reader() -> None:
    assert format_typed_decimal(Decimal("1234.5"), "en") == "1,234.5"
    assert format_typed_decimal(Decimal("1234.5"), "sv") == "1\xa0234,5"
