"""Properties of the pricing engine over generated carts: sums close, nothing goes negative."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.money import Money, exponent
from app.core.pricing import (
    MAX_GROSSED_UP_PERCENTAGE,
    Breakdown,
    Cart,
    Discount,
    Fee,
    Interval,
    Line,
    PaymentMethod,
    Price,
    PricingError,
    Recurrence,
    TaxBehavior,
    TaxRate,
    charge_step,
    price,
    spread_by_largest_remainder,
)

FEW = settings(max_examples=100, deadline=None)
TODAY = date(2026, 11, 24)
CURRENCIES = ["EUR", "SEK", "USD", "JPY", "KWD", "BHD"]
COUNTRIES = ["SE", "DE", "US"]

percentages = st.decimals(min_value=0, max_value=100, places=2)
recurrences = st.builds(Recurrence, st.sampled_from(list(Interval)), st.integers(1, 4))


def amounts(currency: str, max_units: int = 10**6) -> st.SearchStrategy[Money]:
    step = charge_step(currency)
    return st.integers(0, max_units).map(lambda units: Money(units * step, currency))


tax_rates = st.builds(
    TaxRate,
    name=st.sampled_from(["VAT", "GST", "Levy"]),
    percentage=percentages,
    behavior=st.sampled_from(list(TaxBehavior)),
    countries=st.frozensets(st.sampled_from(COUNTRIES), max_size=2),
)


@st.composite
def prices(draw: st.DrawFn, currency: str) -> Price:
    delay = draw(st.sampled_from(["none", "start", "trial"]))
    return Price(
        reference=draw(st.text("abc", min_size=1, max_size=3)),
        unit_amount=draw(amounts(currency)),
        recurrence=draw(st.none() | recurrences),
        starts_on=TODAY + timedelta(days=draw(st.integers(-30, 400))) if delay == "start" else None,
        trial_days=draw(st.integers(1, 60)) if delay == "trial" else 0,
        tax_rates=tuple(draw(st.lists(tax_rates, max_size=3))),
    )


def inclusive(rates: tuple[TaxRate, ...]) -> tuple[TaxRate, ...]:
    return tuple(replace(rate, behavior=TaxBehavior.INCLUSIVE) for rate in rates)


@st.composite
def carts(draw: st.DrawFn, inclusive_only: bool = False) -> Cart:
    currency = draw(st.sampled_from(CURRENCIES))
    lines = draw(
        st.lists(
            st.builds(Line, prices(currency), st.integers(1, 20)),
            min_size=1,
            max_size=5,
        )
    )
    if inclusive_only:
        lines = [replace(line, tax_rates=inclusive(line.effective_tax_rates)) for line in lines]
    discount = draw(
        st.none()
        | st.builds(Discount, st.just("CODE"), percentage=percentages)
        | st.builds(Discount, st.just("CODE"), amount=amounts(currency, 10**7))
    )
    fees = [
        Fee(
            "fee",
            method,
            fixed=draw(st.none() | amounts(currency, 100)),
            percentage=draw(st.decimals(min_value=0, max_value=10, places=2)),
            gross_up=draw(st.booleans()),
        )
        for method in draw(st.sets(st.sampled_from(list(PaymentMethod))))
    ]
    return Cart(
        currency,
        TODAY,
        tuple(lines),
        discount=discount,
        fees=tuple(fees),
        buyer_country=draw(st.none() | st.sampled_from(COUNTRIES)),
    )


methods = st.none() | st.sampled_from(list(PaymentMethod))


def every_amount(breakdown: Breakdown) -> list[Money]:
    found = [
        breakdown.subtotal,
        breakdown.discount,
        breakdown.tax_added,
        breakdown.tax_included,
        breakdown.fees,
        breakdown.total,
    ]
    now = breakdown.due_now
    found += [now.subtotal, now.discount, now.tax_added, now.tax_included, now.fee, now.total]
    found += [t.amount for t in now.taxes]
    for line in breakdown.lines:
        found += [line.unit_amount, line.subtotal, line.discount, line.tax_added]
        found += [line.tax_included, line.total, *(t.amount for t in line.taxes)]
    for later in breakdown.due_later:
        found += [later.amount, later.fee, later.total, *(t.amount for t in later.taxes)]
    return found


@FEW
@given(carts(), methods)
def test_totals_add_up(cart: Cart, method: PaymentMethod | None) -> None:
    b = price(cart, method)
    zero = Money.zero(cart.currency)
    for line in b.lines:
        assert line.total == line.subtotal - line.discount + line.tax_added
        assert sum((t.amount for t in line.taxes), zero) == line.tax_added + line.tax_included
    assert b.total == sum((line.total for line in b.lines), zero) + b.fees
    now_lines = [line for line in b.lines if line.due_now]
    assert b.due_now.total == sum((line.total for line in now_lines), zero) + b.due_now.fee
    assert b.due_now.total == b.due_now.subtotal - b.due_now.discount + b.due_now.tax_added + (
        b.due_now.fee
    )
    # Every line's first charge is either due now or the first of its later charges.
    delayed = [c for c in b.due_later if c.delayed]
    assert b.total == b.due_now.total + sum((c.total for c in delayed), zero)
    assert {c.line_index for c in delayed} == {line.index for line in b.lines if not line.due_now}
    for charge in b.due_later:
        assert charge.total == charge.amount + charge.fee
        if charge.delayed:
            assert charge.amount == b.lines[charge.line_index].total


@FEW
@given(carts(), methods)
def test_amounts_are_never_negative_and_respect_the_currency(
    cart: Cart, method: PaymentMethod | None
) -> None:
    b = price(cart, method)
    step = charge_step(cart.currency)
    for amount in every_amount(b):
        assert type(amount.amount) is int
        assert amount.currency == cart.currency
        assert amount.amount >= 0
        assert amount.amount % step == 0
    assert b.discount <= b.due_now.subtotal
    for line in b.lines:
        assert line.discount <= line.subtotal
        assert line.tax_included <= line.subtotal - line.discount
        if not line.due_now:
            assert line.discount.amount == 0


@FEW
@given(carts(), st.integers(0, 8), st.data())
def test_a_fixed_discount_adds_up_exactly_and_stops_at_zero(
    cart: Cart, eighths: int, data: st.DataObject
) -> None:
    # A discount from nothing to twice what is due now, so half of them exceed it.
    due_now = price(replace(cart, discount=None)).due_now.subtotal.amount
    step = charge_step(cart.currency)
    units = due_now // step * eighths // 4 + data.draw(st.integers(0, 3))
    discounted = price(
        replace(cart, discount=Discount("CODE", amount=Money(units * step, cart.currency)))
    )
    assert discounted.discount.amount == min(units * step, due_now)
    assert all(line.total.amount >= 0 for line in discounted.lines)
    assert discounted.due_now.total.amount >= 0


@FEW
@given(carts(inclusive_only=True), methods)
def test_inclusive_tax_never_changes_a_total(cart: Cart, method: PaymentMethod | None) -> None:
    untaxed = replace(cart, lines=tuple(replace(line, tax_rates=()) for line in cart.lines))
    taxed, plain = price(cart, method), price(untaxed, method)
    assert taxed.total == plain.total
    assert taxed.due_now.total == plain.due_now.total
    assert [c.total for c in taxed.due_later] == [c.total for c in plain.due_later]


@FEW
@given(carts(), st.sampled_from(list(PaymentMethod)))
def test_no_method_chosen_is_the_least_anyone_pays(cart: Cart, method: PaymentMethod) -> None:
    assert price(cart).due_now.total <= price(cart, method).due_now.total


@FEW
@given(
    st.sampled_from(CURRENCIES),
    st.integers(1, 10**7),
    st.integers(0, 100),
    st.decimals(min_value=0, max_value=MAX_GROSSED_UP_PERCENTAGE, places=2),
)
def test_a_grossed_up_fee_nets_the_base(
    currency: str, base_units: int, fixed_units: int, percentage: Decimal
) -> None:
    step = charge_step(currency)
    base, fixed = Money(base_units * step, currency), Money(fixed_units * step, currency)
    fee = Fee("fee", PaymentMethod.CARD, fixed, percentage, gross_up=True)
    charged = base + fee.amount_on(base)
    # A processor fee of the same structure leaves the merchant the base, within half a step.
    net = charged.amount * (1 - Fraction(percentage) / 100) - fixed.amount
    assert abs(net - base.amount) <= Fraction(step, 2)


@FEW
@given(st.integers(0, 10**6), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_largest_remainder_parts_add_up_and_stay_near_their_share(
    total: int, weights: list[int]
) -> None:
    parts = spread_by_largest_remainder(total, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        share = Fraction(total * weight, sum(weights))
        assert share - 1 < part < share + 1
        if weight == 0:
            assert part == 0


@FEW
@given(recurrences, st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(0, 40))
def test_charge_dates_move_forward_and_keep_the_anchor_day(
    recurrence: Recurrence, anchor: date, n: int
) -> None:
    this, following = recurrence.charge_date(anchor, n), recurrence.charge_date(anchor, n + 1)
    assert following > this
    if recurrence.interval is Interval.WEEK:
        assert (following - this).days == 7 * recurrence.interval_count
    else:
        last_day = (following.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(1)
        assert following.day == min(anchor.day, last_day.day)


@FEW
@given(st.sampled_from(CURRENCIES), st.integers(0, 10**6))
def test_zero_and_three_decimal_currencies_keep_their_exponent(currency: str, units: int) -> None:
    # JPY has no minor unit (1 = ¥1); KWD and BHD have three digits, charged in steps of 10.
    step = charge_step(currency)
    assert step == (10 if exponent(currency) == 3 else 1)
    tax = TaxRate("VAT", Decimal("12.5"))
    b = price(
        Cart(currency, TODAY, (Line(Price("p", Money(units * step, currency), tax_rates=(tax,))),))
    )
    assert b.total.amount % step == 0


@FEW
@given(st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: not 0 <= d <= 100))
def test_percentages_outside_0_to_100_are_refused(percentage: Decimal) -> None:
    with pytest.raises(PricingError):
        TaxRate("T", percentage)
    with pytest.raises(PricingError):
        Discount("D", percentage=percentage)
    with pytest.raises(PricingError):
        Fee("F", PaymentMethod.CARD, percentage=percentage)
