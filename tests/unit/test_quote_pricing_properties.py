"""A quote priced with the buyer's choices (``app/quotes/pricing.py``), for any lines, limits,
discounts, taxes and choices: choices outside a line's limits are refused, the figures add up
and match the lines kept, an optional line left out costs nothing, and every payment plan's
parts are chargeable steps that never exceed (a schedule: exactly make) the total."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.core import pricing
from app.core.money import Money
from app.quotes.pricing import (
    PartSpec,
    PaymentPlan,
    PlanKind,
    QuoteItem,
    QuotePricingError,
    QuoteTerms,
    check_plan,
    chosen_quantities,
    default_quantities,
    due_at_acceptance,
    part_taxes,
    payment_parts,
    price_quote,
    tax_bases,
)

TODAY = date(2026, 12, 7)
STEP = {"SEK": 1, "JPY": 1, "KWD": 10}
RATES = (
    pricing.TaxRate("Moms", Decimal(25)),
    pricing.TaxRate("Food", Decimal(12), pricing.TaxBehavior.INCLUSIVE),
)


@st.composite
def items(draw: st.DrawFn, reference: str, step: int) -> QuoteItem:
    adjustable = draw(st.booleans())
    quantity = draw(st.integers(1, 50))
    low = draw(st.integers(1, quantity)) if adjustable else None
    high = draw(st.integers(quantity, 100)) if adjustable else None
    return QuoteItem(
        reference=reference,
        unit_amount=draw(st.integers(0, 500_000)) * step,
        quantity=quantity,
        discount_percent=draw(st.none() | st.decimals(0, 100, places=2)),
        tax_rates=tuple(draw(st.lists(st.sampled_from(RATES), unique=True, max_size=2))),
        optional=draw(st.booleans()),
        adjustable=adjustable,
        min_quantity=low,
        max_quantity=high,
        recurrence=draw(st.none() | st.sampled_from([pricing.Recurrence(pricing.Interval.MONTH)])),
    )


@st.composite
def quotes(draw: st.DrawFn) -> QuoteTerms:
    currency = draw(st.sampled_from(sorted(STEP)))
    step = STEP[currency]
    count = draw(st.integers(1, 5))
    lines = tuple(draw(items(f"L{n}", step)) for n in range(count))
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    return QuoteTerms(
        currency=currency,
        items=lines,
        discount_percent=draw(st.decimals(0, 100, places=2)) if kind == "percent" else None,
        discount_amount=draw(st.integers(0, 10**7)) * step if kind == "amount" else None,
    )


@st.composite
def choices(draw: st.DrawFn, terms: QuoteTerms) -> dict[str, int]:
    """What a buyer (or an attacker) posts: any quantity, in the limits or not."""
    return {
        item.reference: draw(st.integers(-2, 120)) for item in terms.items if draw(st.booleans())
    }


def in_limits(item: QuoteItem, quantity: int) -> bool:
    if quantity == 0:
        return item.optional
    if not item.adjustable:
        return quantity == item.quantity
    return (item.min_quantity or 1) <= quantity <= (item.max_quantity or 10**6)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_choices_are_refused_outside_the_limits_and_priced_inside(data: st.DataObject) -> None:
    terms = data.draw(quotes())
    posted = data.draw(choices(terms))
    defaults = default_quantities(terms.items)
    expected = {**defaults, **posted}
    allowed = all(
        in_limits(item, posted[item.reference]) for item in terms.items if item.reference in posted
    ) and any(expected.values())
    if not allowed:
        with pytest.raises(QuotePricingError):
            chosen_quantities(terms.items, posted)
        return
    quantities = chosen_quantities(terms.items, posted)
    assert quantities == expected
    priced = price_quote(terms, quantities, TODAY)
    kept = [item for item in terms.items if quantities[item.reference] > 0]
    assert [line.reference for line in priced.lines] == [item.reference for item in kept]
    subtotal = sum(item.unit_amount * quantities[item.reference] for item in kept)
    assert priced.subtotal.amount == subtotal
    assert 0 <= priced.discount.amount <= subtotal
    assert priced.total.amount == subtotal - priced.discount.amount + priced.tax_added.amount
    assert priced.total.amount == sum(line.total.amount for line in priced.lines)
    assert priced.total.amount % STEP[terms.currency] == 0
    recurring = {item.reference for item in kept if item.recurrence is not None}
    assert {renewal.reference for renewal in priced.renewals} == recurring


@settings(max_examples=200, deadline=None)
@given(quotes())
def test_an_optional_line_left_out_costs_nothing(terms: QuoteTerms) -> None:
    assume(any(item.optional for item in terms.items))
    assume(terms.discount_amount is None)  # a fixed discount is spread over what is kept
    every = {item.reference: item.quantity for item in terms.items}
    without = {**every, **{item.reference: 0 for item in terms.items if item.optional}}
    assume(any(without.values()))
    full = price_quote(terms, every, TODAY)
    less = price_quote(terms, without, TODAY)
    by_reference = {line.reference: line for line in full.lines}
    for line in less.lines:
        assert by_reference[line.reference] == line
    left_out = [
        line for line in full.lines if line.reference not in {x.reference for x in less.lines}
    ]
    assert less.total.amount == full.total.amount - sum(line.total.amount for line in left_out)


def test_unknown_lines_and_non_numbers_are_refused() -> None:
    terms = (QuoteItem("1", 1000, adjustable=True, min_quantity=1, max_quantity=5),)
    with pytest.raises(QuotePricingError) as unknown:
        chosen_quantities(terms, {"2": 1})
    assert unknown.value.code == "unknown_line"
    with pytest.raises(QuotePricingError):
        chosen_quantities(terms, {"1": True})  # type: ignore[dict-item]
    with pytest.raises(QuotePricingError) as empty:
        chosen_quantities((QuoteItem("1", 1000, optional=True),), {})
    assert empty.value.code == "empty"


@st.composite
def plans(draw: st.DrawFn) -> PaymentPlan:
    kind = draw(st.sampled_from(list(PlanKind)))
    if kind is PlanKind.DEPOSIT:
        if draw(st.booleans()):
            return PaymentPlan(kind, deposit_percent=draw(st.decimals("0.01", "99.99", places=2)))
        return PaymentPlan(kind, deposit_amount=draw(st.integers(1, 10**6)))
    if kind is not PlanKind.SCHEDULE:
        return PaymentPlan(kind)
    count = draw(st.integers(2, 6))
    first = draw(st.none() | st.just(TODAY))
    dates = [first] + [TODAY + timedelta(days=30 * n) for n in range(1, count)]
    if draw(st.booleans()):  # percentages adding up to 100
        cuts = sorted(
            draw(
                st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True)
            )
        )
        bounds = [0, *cuts, 10000]
        percents = [Decimal(b - a) / 100 for a, b in itertools.pairwise(bounds)]
        parts = [PartSpec(percent=p, due_on=d) for p, d in zip(percents, dates, strict=True)]
    else:  # amounts or percentages, then the rest
        parts = [
            PartSpec(amount=draw(st.integers(1, 10**5)), due_on=d)
            if draw(st.booleans())
            else PartSpec(percent=draw(st.decimals("0.01", "50", places=2)), due_on=d)
            for d in dates[:-1]
        ] + [PartSpec(due_on=dates[-1])]
    return PaymentPlan(kind, parts=tuple(parts))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(STEP)), st.integers(1, 10**8), plans())
def test_payment_parts_are_steps_that_make_the_total(
    currency: str, units: int, plan: PaymentPlan
) -> None:
    step = STEP[currency]
    total = Money(units * step, currency)
    if plan.kind is PlanKind.DEPOSIT and plan.deposit_amount is not None:
        plan = PaymentPlan(plan.kind, deposit_amount=plan.deposit_amount * step)
    if plan.kind is PlanKind.SCHEDULE:
        stepped = tuple(
            PartSpec(part.percent, part.amount * step if part.amount else None, part.due_on)
            for part in plan.parts
        )
        plan = PaymentPlan(plan.kind, parts=stepped)
    try:
        parts = payment_parts(total, plan)
    except QuotePricingError as refused:
        assert refused.code in {"deposit_total", "schedule_total"}
        return
    assert all(part.amount.amount > 0 and part.amount.amount % step == 0 for part in parts)
    paid = sum(part.amount.amount for part in parts)
    if plan.kind is PlanKind.SCHEDULE or plan.kind is PlanKind.FULL:
        assert paid == total.amount
    elif plan.kind is PlanKind.DEPOSIT:
        assert 0 < paid < total.amount
    else:
        assert parts == ()
    now = due_at_acceptance(parts, currency, TODAY).amount
    assert now == sum(p.amount.amount for p in parts if p.due_on is None or p.due_on <= TODAY)


def test_an_amount_off_the_currency_step_is_refused() -> None:
    plan = PaymentPlan(PlanKind.DEPOSIT, deposit_amount=15)
    with pytest.raises(QuotePricingError) as refused:
        payment_parts(Money(1000, "KWD"), plan)
    assert refused.value.code == "step"
    assert payment_parts(Money(1000, "SEK"), plan)[0].amount == Money(15, "SEK")


def test_thirty_forty_thirty() -> None:
    plan = PaymentPlan(
        PlanKind.SCHEDULE,
        parts=(
            PartSpec(percent=Decimal(30)),
            PartSpec(percent=Decimal(40), due_on=date(2027, 1, 7)),
            PartSpec(percent=Decimal(30), due_on=date(2027, 2, 7)),
        ),
    )
    parts = payment_parts(Money(100_001, "EUR"), plan)
    assert [part.amount.amount for part in parts] == [30_000, 40_001, 30_000]
    assert due_at_acceptance(parts, "EUR", TODAY) == Money(30_000, "EUR")


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        (PaymentPlan(PlanKind.DEPOSIT), "deposit"),
        (PaymentPlan(PlanKind.DEPOSIT, deposit_percent=Decimal(100)), "deposit"),
        (PaymentPlan(PlanKind.SCHEDULE, parts=(PartSpec(percent=Decimal(100)),)), "schedule_parts"),
        (
            PaymentPlan(
                PlanKind.SCHEDULE,
                parts=(PartSpec(percent=Decimal(30)), PartSpec(percent=Decimal(30), due_on=TODAY)),
            ),
            "schedule_sum",
        ),
        (
            PaymentPlan(
                PlanKind.SCHEDULE,
                parts=(PartSpec(percent=Decimal(30)), PartSpec(percent=Decimal(70))),
            ),
            "schedule_dates",
        ),
        (
            PaymentPlan(
                PlanKind.SCHEDULE,
                parts=(
                    PartSpec(percent=Decimal(50), due_on=TODAY + timedelta(days=9)),
                    PartSpec(percent=Decimal(50), due_on=TODAY),
                ),
            ),
            "schedule_dates",
        ),
        (
            PaymentPlan(
                PlanKind.SCHEDULE,
                parts=(PartSpec(), PartSpec(amount=100, due_on=TODAY)),
            ),
            "schedule_rest",
        ),
    ],
)
def test_plans_no_total_could_use_are_refused(plan: PaymentPlan, code: str) -> None:
    with pytest.raises(QuotePricingError) as refused:
        check_plan(plan)
    assert refused.value.code == code


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6),
    taxes=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9)
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_the_parts_shares_of_each_tax_add_up_to_it_with_the_remainders_on_the_last(
    parts: list[int], taxes: list[tuple[int, int]]
) -> None:
    breakdown = [
        {"name": f"Tax {index}", "percent": "19", "amount": amount, "base": base}
        for index, (amount, base) in enumerate(taxes)
    ]
    shares = [part_taxes(breakdown, parts, position) for position in range(len(parts))]
    whole = sum(parts)
    for index, (amount, base) in enumerate(taxes):
        of_tax = [shares[position][index] for position in range(len(parts))]
        assert sum(share.amount for share in of_tax) == amount
        assert sum(share.base for share in of_tax) == base
        assert all(share.amount >= 0 and share.base >= 0 for share in of_tax)
        for position, share in enumerate(of_tax[:-1]):  # rounded down: the rest goes last
            assert share.amount == amount * parts[position] // whole
        assert {share.name for share in of_tax} == {f"Tax {index}"}


@settings(max_examples=200, deadline=None)
@given(
    quantities=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=4),
    prices=st.lists(st.integers(min_value=1, max_value=10**6), min_size=4, max_size=4),
)
def test_a_tax_base_is_what_its_lines_cost_before_the_tax(
    quantities: list[int], prices: list[int]
) -> None:
    """Without discounts: the exclusive rate's base is its lines' price, the inclusive one's
    its lines' price less the tax inside it; each tax is its rate of its base, to a unit."""
    items = tuple(
        QuoteItem(str(index), prices[index], quantity, tax_rates=(RATES[index % 2],))
        for index, quantity in enumerate(quantities)
    )
    terms = QuoteTerms("SEK", items)
    priced = price_quote(terms, default_quantities(items), TODAY)
    bases = dict(zip([tax.rate for tax in priced.taxes], tax_bases(priced), strict=True))
    for rate in set(item.tax_rates[0] for item in items):
        price = sum(item.unit_amount * item.quantity for item in items if item.tax_rates == (rate,))
        [tax] = [tax.amount.amount for tax in priced.taxes if tax.rate == rate]
        inside = tax if rate.behavior is pricing.TaxBehavior.INCLUSIVE else 0
        assert bases[rate] == price - inside
        assert abs(tax - bases[rate] * rate.percentage / 100) <= len(items)
