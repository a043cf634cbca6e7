"""Properties of ``pricing.prorate``: a subscription's lines changed during a period."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.money import CurrencyMismatchError, Money
from app.core.pricing import PricingError, charge_step, prorate

FEW = settings(max_examples=200, deadline=None)
CURRENCIES = ["EUR", "JPY", "KWD", "SEK"]


@st.composite
def changes(draw: st.DrawFn) -> tuple[Money, Money, date, date, date]:
    currency = draw(st.sampled_from(CURRENCIES))
    step = charge_step(currency)
    old = Money(draw(st.integers(0, 10**8)) * step, currency)
    new = Money(draw(st.integers(0, 10**8)) * step, currency)
    start = draw(st.dates(date(2020, 1, 1), date(2030, 1, 1)))
    end = start + timedelta(days=draw(st.integers(0, 400)))
    today = start + timedelta(days=draw(st.integers(-5, (end - start).days + 5)))
    return old, new, start, end, today


@FEW
@given(changes())
def test_never_more_than_the_full_periods_and_the_difference_is_charge_less_credit(
    change: tuple[Money, Money, date, date, date],
) -> None:
    old, new, start, end, today = change
    proration = prorate(old, new, start, end, today)
    assert Money(0, old.currency) <= proration.charge <= new
    assert Money(0, old.currency) <= proration.credit <= old
    assert proration.difference == proration.charge - proration.credit
    assert proration.charge.amount % charge_step(new.currency) == 0
    assert proration.credit.amount % charge_step(old.currency) == 0
    assert 0 <= proration.days_left <= proration.days_in_period == (end - start).days + 1


@FEW
@given(changes())
def test_nothing_changes_nothing_is_owed(change: tuple[Money, Money, date, date, date]) -> None:
    old, _new, start, end, today = change
    assert prorate(old, old, start, end, today).difference.amount == 0


@FEW
@given(changes())
def test_a_raise_never_credits_and_a_cut_never_charges(
    change: tuple[Money, Money, date, date, date],
) -> None:
    old, new, start, end, today = change
    difference = prorate(old, new, start, end, today).difference.amount
    if new >= old:
        assert difference >= 0
    else:
        assert difference <= 0


@FEW
@given(changes())
def test_the_first_day_prorates_all_and_outside_the_period_nothing(
    change: tuple[Money, Money, date, date, date],
) -> None:
    old, new, start, end, _today = change
    whole = prorate(old, new, start, end, start)
    assert (whole.credit, whole.charge) == (old, new)
    for outside in (start - timedelta(days=1), end + timedelta(days=1)):
        assert prorate(old, new, start, end, outside).difference.amount == 0


def test_half_a_period_rounds_half_to_even() -> None:
    # 10 of 20 days left (the 11th to the 20th): 0.5 x 5 = 2.5 rounds to 2, 0.5 x 7 = 3.5 to 4.
    start, end = date(2027, 1, 1), date(2027, 1, 20)
    proration = prorate(Money(5, "EUR"), Money(7, "EUR"), start, end, date(2027, 1, 11))
    assert (proration.days_left, proration.days_in_period) == (10, 20)
    assert (proration.credit.amount, proration.charge.amount) == (2, 4)


def test_refused_inputs() -> None:
    start, end = date(2027, 1, 1), date(2027, 1, 31)
    with pytest.raises(CurrencyMismatchError):
        prorate(Money(100, "EUR"), Money(100, "SEK"), start, end, start)
    with pytest.raises(PricingError):
        prorate(Money(-1, "EUR"), Money(100, "EUR"), start, end, start)
    with pytest.raises(ValueError):
        prorate(Money(1, "EUR"), Money(1, "EUR"), end, start, start)
