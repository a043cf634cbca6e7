"""Worked examples for the pricing engine; every expected number is computed by hand beside it."""

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import app.core.pricing as pricing_module
from app.core.money import CurrencyMismatchError, Money
from app.core.pricing import (
    Cart,
    Discount,
    Fee,
    Interval,
    Line,
    PaymentMethod,
    Price,
    PricingError,
    Recurrence,
    Refusal,
    TaxBehavior,
    TaxRate,
    add_months,
    price,
    price_per_method,
    refusal,
    spread_by_largest_remainder,
)

TODAY = date(2026, 11, 24)
MONTHLY = Recurrence(Interval.MONTH)
QUARTERLY = Recurrence(Interval.QUARTER)


def eur(cents: int) -> Money:
    return Money(cents, "EUR")


def one_line_cart(unit: Money, **price_terms: object) -> Cart:
    return Cart(unit.currency, TODAY, (Line(Price("p", unit, **price_terms)),))  # type: ignore[arg-type]


def test_pricing_stays_pure() -> None:
    tree = ast.parse(Path(pricing_module.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    forbidden = ("flask", "sqlalchemy", "app.extensions", "stripe")
    assert not [name for name in imported if name.startswith(forbidden)]


# --- taxes ------------------------------------------------------------------------------------


def test_jpy_has_no_minor_unit_and_rounds_half_even() -> None:
    # ¥1,005 + 10% exclusive = ¥100.5 of tax, half-even to ¥100 (100 is even): ¥1,105.
    consumption_tax = TaxRate("Consumption tax", Decimal(10))
    breakdown = price(one_line_cart(Money(1005, "JPY"), tax_rates=(consumption_tax,)))
    assert breakdown.lines[0].tax_added == Money(100, "JPY")
    assert breakdown.due_now.total == Money(1105, "JPY")
    # ¥1,015 -> ¥101.5 of tax, half-even up to ¥102 (102 is even): ¥1,117.
    breakdown = price(one_line_cart(Money(1015, "JPY"), tax_rates=(consumption_tax,)))
    assert breakdown.due_now.total == Money(1117, "JPY")


def test_inclusive_tax_is_extracted_and_leaves_the_total_alone() -> None:
    # SEK 125.00 with 25% moms included: 125.00 x 25 / 125 = 25.00 of tax, total still 125.00.
    moms = TaxRate("Moms", Decimal(25), TaxBehavior.INCLUSIVE)
    breakdown = price(one_line_cart(Money(12500, "SEK"), tax_rates=(moms,)))
    line = breakdown.lines[0]
    assert line.tax_included == Money(2500, "SEK")
    assert line.tax_added == Money(0, "SEK")
    assert line.total == breakdown.due_now.total == breakdown.total == Money(12500, "SEK")
    assert breakdown.due_now.taxes[0].amount == Money(2500, "SEK")
    # SEK 99.99: 9999 x 25 / 125 = 1999.8 öre, rounded to 20.00.
    assert price(one_line_cart(Money(9999, "SEK"), tax_rates=(moms,))).tax_included == Money(
        2000, "SEK"
    )


def test_inclusive_tax_after_a_discount() -> None:
    # SEK 125.00 less 10% = 112.50; moms 25% included: 112.50 x 25 / 125 = 22.50.
    moms = TaxRate("Moms", Decimal(25), TaxBehavior.INCLUSIVE)
    cart = Cart(
        "SEK",
        TODAY,
        (Line(Price("p", Money(12500, "SEK"), tax_rates=(moms,))),),
        discount=Discount("TEN", percentage=Decimal(10)),
    )
    breakdown = price(cart)
    assert breakdown.discount == Money(1250, "SEK")
    assert breakdown.tax_included == Money(2250, "SEK")
    assert breakdown.total == Money(11250, "SEK")


def test_exclusive_taxes_follow_the_buyers_country() -> None:
    # EUR 100.00; German VAT 19% for DE buyers, French 20% for FR buyers, a 1% levy for all.
    vat_de = TaxRate("MwSt", Decimal(19), countries=frozenset({"DE"}))
    vat_fr = TaxRate("TVA", Decimal(20), countries=frozenset({"FR"}))
    levy = TaxRate("Levy", Decimal(1))
    lines = (Line(Price("p", eur(10000), tax_rates=(vat_de, vat_fr, levy))),)

    def total_for(country: str | None) -> Money:
        return price(Cart("EUR", TODAY, lines, buyer_country=country)).total

    assert total_for("DE") == eur(10000 + 1900 + 100)  # 120.00
    assert total_for("FR") == eur(10000 + 2000 + 100)  # 121.00
    assert total_for("SE") == eur(10000 + 100)  # 101.00: only the unfiltered levy
    assert total_for(None) == eur(10000 + 100)  # country unknown yet: filtered rates wait
    taxes = price(Cart("EUR", TODAY, lines, buyer_country="DE")).due_now.taxes
    assert [(t.rate.name, t.amount) for t in taxes] == [("MwSt", eur(1900)), ("Levy", eur(100))]


def test_several_inclusive_rates_share_one_extraction() -> None:
    # EUR 100.00 including 10% and 5%: 10000 x 15 / 115 = 1304.35 -> 1304 cents in all,
    # split 10:5 -> 869.33 and 434.67 -> floors 869 + 434 = 1303, the larger remainder (the 5%
    # rate's .67) gets the last cent: 869 and 435.
    ten = TaxRate("Ten", Decimal(10), TaxBehavior.INCLUSIVE)
    five = TaxRate("Five", Decimal(5), TaxBehavior.INCLUSIVE)
    line = price(one_line_cart(eur(10000), tax_rates=(ten, five))).lines[0]
    assert [t.amount for t in line.taxes] == [eur(869), eur(435)]
    assert line.total == eur(10000)


def test_exclusive_tax_is_computed_on_the_amount_net_of_inclusive_tax() -> None:
    # EUR 125.00 including 25% (25.00), net 100.00; a 10% exclusive rate adds 10.00: 135.00.
    included = TaxRate("VAT", Decimal(25), TaxBehavior.INCLUSIVE)
    added = TaxRate("Levy", Decimal(10))
    line = price(one_line_cart(eur(12500), tax_rates=(included, added))).lines[0]
    assert (line.tax_included, line.tax_added, line.total) == (eur(2500), eur(1000), eur(13500))


def test_line_overrides_replace_the_price_unit_amount_and_tax_rates() -> None:
    # The price says EUR 50.00 + 20%; the quote line says EUR 40.00 x 2 and no tax: 80.00.
    vat = TaxRate("VAT", Decimal(20))
    line = Line(Price("p", eur(5000), tax_rates=(vat,)), 2, unit_amount=eur(4000), tax_rates=())
    breakdown = price(Cart("EUR", TODAY, (line,)))
    assert breakdown.lines[0].unit_amount == eur(4000)
    assert breakdown.total == eur(8000)


def test_kwd_amounts_keep_their_last_digit_zero() -> None:
    # KWD 1.250 + 5% = 0.0625 -> Stripe charges KWD in steps of 0.010: 6.25 steps -> 6 -> 0.060.
    vat = TaxRate("VAT", Decimal(5))
    breakdown = price(one_line_cart(Money(1250, "KWD"), tax_rates=(vat,)))
    assert breakdown.total == Money(1310, "KWD")
    with pytest.raises(PricingError):
        Price("p", Money(1255, "KWD"))


# --- fees -------------------------------------------------------------------------------------


CARD_GROSSED_UP = Fee("Card fee", PaymentMethod.CARD, eur(25), Decimal("2.9"), gross_up=True)
SEPA_FIXED = Fee("SEPA fee", PaymentMethod.SEPA_DEBIT, eur(35))


def test_a_grossed_up_fee_lets_the_merchant_net_the_price() -> None:
    # EUR 100.00: (100.00 + 0.25) / (1 - 0.029) = 103.2441 -> 103.24, so the fee is 3.24.
    # Check: 103.24 - 2.9% (2.99) - 0.25 = 100.00 (to the cent).
    cart = Cart("EUR", TODAY, (Line(Price("p", eur(10000))),), fees=(CARD_GROSSED_UP, SEPA_FIXED))
    breakdown = price(cart, PaymentMethod.CARD)
    assert breakdown.due_now.fee == eur(324)
    assert breakdown.due_now.fee_name == "Card fee"
    assert breakdown.due_now.total == breakdown.total == eur(10324)
    assert price(cart, PaymentMethod.SEPA_DEBIT).due_now.total == eur(10035)
    assert price(cart, PaymentMethod.US_BANK_ACCOUNT).due_now.fee == eur(0)
    no_method = price(cart)
    assert (no_method.due_now.fee, no_method.due_now.fee_name) == (eur(0), None)


def test_a_plain_fee_is_fixed_plus_percentage_of_the_taxed_total() -> None:
    # EUR 100.00 + 19% VAT = 119.00; card fee 1.5%: 1.785 -> 178.5 cents, half-even 178: 120.78.
    vat = TaxRate("VAT", Decimal(19))
    card = Fee("Card", PaymentMethod.CARD, percentage=Decimal("1.5"))
    cart = Cart("EUR", TODAY, (Line(Price("p", eur(10000), tax_rates=(vat,))),), fees=(card,))
    breakdown = price(cart, PaymentMethod.CARD)
    assert breakdown.due_now.fee == eur(178)
    assert breakdown.due_now.tax_added == eur(1900)  # the fee is not taxed
    assert breakdown.due_now.total == eur(12078)


def test_price_per_method_shows_every_surcharge() -> None:
    cart = Cart("EUR", TODAY, (Line(Price("p", eur(10000))),), fees=(CARD_GROSSED_UP, SEPA_FIXED))
    per_method = price_per_method(cart, [PaymentMethod.CARD, PaymentMethod.SEPA_DEBIT])
    assert {m: b.due_now.fee for m, b in per_method.items()} == {
        PaymentMethod.CARD: eur(324),
        PaymentMethod.SEPA_DEBIT: eur(35),
    }


def test_two_fees_for_one_method_are_a_configuration_error() -> None:
    cart = Cart("EUR", TODAY, (Line(Price("p", eur(100))),), fees=(SEPA_FIXED, SEPA_FIXED))
    assert price(cart, PaymentMethod.CARD).total == eur(100)
    with pytest.raises(PricingError) as refused:
        price(cart, PaymentMethod.SEPA_DEBIT)
    assert refused.value.refusal == Refusal.CONFLICTING_FEES


def test_a_grossed_up_fee_above_half_the_charge_is_refused() -> None:
    # At 50 % the fee equals the price; at 99.99 % it would be 9,999 times the price.
    half = Fee("Half", PaymentMethod.CARD, percentage=Decimal(50), gross_up=True)
    cart = Cart("EUR", TODAY, (Line(Price("p", eur(1000))),), fees=(half,))
    assert price(cart, PaymentMethod.CARD).due_now.fee == eur(1000)
    for percentage in (Decimal("50.01"), Decimal("99.99"), Decimal(100)):
        with pytest.raises(PricingError) as refused:
            Fee("Absurd", PaymentMethod.CARD, percentage=percentage, gross_up=True)
        assert refused.value.refusal == Refusal.UNUSABLE_FEE
    # A plain fee may still take up to 100 %: it at most doubles the price.
    assert Fee("Double", PaymentMethod.CARD, percentage=Decimal(100)).percentage == 100


def test_a_fee_that_alone_takes_the_total_above_the_maximum_is_said_apart() -> None:
    # EUR 600,000 is chargeable; a 100 % card fee doubles it past Stripe's EUR 999,999.99.
    double = Fee("Double", PaymentMethod.CARD, percentage=Decimal(100))
    cart = Cart("EUR", TODAY, (Line(Price("p", eur(60_000_000))),), fees=(double,))
    assert refusal(price(cart)) is None
    assert refusal(price(cart, PaymentMethod.CARD)) == Refusal.FEE_ABOVE_MAXIMUM
    too_much = Cart("EUR", TODAY, (Line(Price("p", eur(60_000_000)), 2),), fees=(double,))
    assert refusal(price(too_much, PaymentMethod.CARD)) == Refusal.ABOVE_MAXIMUM


def test_nothing_to_pay_is_refused() -> None:
    free = Line(Price("free", eur(0)))
    assert refusal(price(Cart("EUR", TODAY, (free,)))) == Refusal.NOTHING_TO_PAY
    everything_off = Discount("ALL", percentage=Decimal(100))
    paid = Line(Price("p", eur(1000)))
    fixed_fee = Fee("Card", PaymentMethod.CARD, eur(30))  # no fee on a payment of zero
    cart = Cart("EUR", TODAY, (paid,), discount=everything_off, fees=(fixed_fee,))
    assert refusal(price(cart, PaymentMethod.CARD)) == Refusal.NOTHING_TO_PAY


# --- discounts --------------------------------------------------------------------------------


def test_a_fixed_discount_is_spread_over_three_lines_by_largest_remainder() -> None:
    # EUR 10.00 off 10.00 + 20.00 + 30.00: exact shares 166.67, 333.33, 500 cents; floors
    # 166 + 333 + 500 = 999; the largest remainder (.67, line 1) gets the last cent.
    lines = tuple(Line(Price(f"p{i}", eur(cents))) for i, cents in enumerate((1000, 2000, 3000)))
    breakdown = price(Cart("EUR", TODAY, lines, discount=Discount("TEN", amount=eur(1000))))
    assert [line.discount for line in breakdown.lines] == [eur(167), eur(333), eur(500)]
    assert [line.total for line in breakdown.lines] == [eur(833), eur(1667), eur(2500)]
    assert breakdown.total == eur(5000)


def test_equal_remainders_go_to_the_earlier_line() -> None:
    # 10 cents over three equal lines: 3.33 each, floors 9, the first line takes the 10th.
    assert spread_by_largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert spread_by_largest_remainder(5, [0, 2, 0]) == [0, 5, 0]


def test_a_discount_larger_than_the_cart_gives_zero_not_a_negative_total() -> None:
    lines = (Line(Price("p", eur(1500)), 2),)  # 30.00
    breakdown = price(Cart("EUR", TODAY, lines, discount=Discount("BIG", amount=eur(5000))))
    assert breakdown.discount == eur(3000)
    assert breakdown.total == breakdown.due_now.total == eur(0)
    # Stripe takes no payment of zero and there is no free order: refused with its own reason.
    assert refusal(breakdown) == Refusal.NOTHING_TO_PAY


def test_a_discount_reaches_the_first_charge_only() -> None:
    # Due now: EUR 30.00 quarterly, 20% off the first charge: 24.00. Later: 30.00 a quarter.
    # A delayed one-time line (EUR 50.00 on 1 Jan 2027) is not discounted at all.
    cart = Cart(
        "EUR",
        date(2026, 11, 30),
        (
            Line(Price("sub", eur(3000), recurrence=QUARTERLY)),
            Line(Price("later", eur(5000), starts_on=date(2027, 1, 1))),
        ),
        discount=Discount("SPRING", percentage=Decimal(20)),
    )
    breakdown = price(cart)
    assert breakdown.due_now.discount == eur(600)
    assert breakdown.due_now.total == eur(2400)
    subscription, delayed = breakdown.due_later
    assert subscription.amount == eur(3000)
    assert (delayed.delayed, delayed.amount, delayed.first_charge_on) == (
        True,
        eur(5000),
        date(2027, 1, 1),
    )
    assert breakdown.total == eur(2400 + 5000)


# --- schedules --------------------------------------------------------------------------------


def test_a_quarterly_subscription_from_the_end_of_november() -> None:
    # 30 Nov + 3 months = 30 Feb, clamped to 28 Feb 2027; then 30 May and 30 Aug, counted from
    # the anchor (30 Nov), not from the clamped 28 Feb.
    cart = Cart("EUR", date(2026, 11, 30), (Line(Price("sub", eur(3000), recurrence=QUARTERLY)),))
    breakdown = price(cart)
    assert breakdown.due_now.total == eur(3000)
    (renewal,) = breakdown.due_later
    assert (renewal.delayed, renewal.recurrence, renewal.amount) == (False, QUARTERLY, eur(3000))
    assert [renewal.charge_date(n) for n in range(3)] == [
        date(2027, 2, 28),
        date(2027, 5, 30),
        date(2027, 8, 30),
    ]


def test_a_trial_leaves_nothing_due_now() -> None:
    # EUR 9.99 a month after a 14-day trial from 24 Nov: first charge 8 Dec, then 8 Jan.
    cart = one_line_cart(eur(999), recurrence=MONTHLY, trial_days=14)
    breakdown = price(cart)
    assert breakdown.due_now.total == eur(0)
    assert breakdown.lines[0].due_now is False
    (first,) = breakdown.due_later
    assert (first.delayed, first.first_charge_on, first.amount) == (
        True,
        date(2026, 12, 8),
        eur(999),
    )
    assert first.charge_date(1) == date(2027, 1, 8)
    assert breakdown.total == eur(999)


def test_a_start_date_delays_the_first_charge() -> None:
    # EUR 120.00 a year from 31 Jan 2027, with a EUR 50.00 one-time setup line due now.
    yearly = Recurrence(Interval.YEAR)
    cart = Cart(
        "EUR",
        TODAY,
        (
            Line(Price("setup", eur(5000))),
            Line(Price("plan", eur(12000), recurrence=yearly, starts_on=date(2027, 1, 31))),
        ),
    )
    breakdown = price(cart)
    assert breakdown.due_now.total == eur(5000)
    (plan,) = breakdown.due_later
    assert (plan.line_index, plan.first_charge_on, plan.charge_date(1)) == (
        1,
        date(2027, 1, 31),
        date(2028, 1, 31),
    )
    # A start date that has passed (or is today) means due now.
    past = one_line_cart(eur(12000), recurrence=yearly, starts_on=date(2026, 11, 1))
    assert price(past).due_now.total == eur(12000)


def test_month_arithmetic_clamps_to_the_last_day() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)
    assert Recurrence(Interval.WEEK, 2).charge_date(date(2026, 12, 28), 1) == date(2027, 1, 11)
    assert Recurrence(Interval.YEAR).charge_date(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_later_charges_carry_the_fee_of_the_method_chosen_now() -> None:
    # EUR 20.00 a month; SEPA adds 0.35 to today's charge and to each later one.
    cart = Cart(
        "EUR", TODAY, (Line(Price("sub", eur(2000), recurrence=MONTHLY)),), fees=(SEPA_FIXED,)
    )
    breakdown = price(cart, PaymentMethod.SEPA_DEBIT)
    assert breakdown.due_now.total == eur(2035)
    (renewal,) = breakdown.due_later
    assert (renewal.fee, renewal.total, renewal.first_charge_on) == (
        eur(35),
        eur(2035),
        date(2026, 12, 24),
    )
    assert breakdown.fees == eur(35)  # the renewal's fee is not part of the first charges


# --- the minimum charge -----------------------------------------------------------------------


def test_below_stripes_minimum_is_refused() -> None:
    assert refusal(price(one_line_cart(eur(49)))) == Refusal.BELOW_MINIMUM
    assert refusal(price(one_line_cart(eur(50)))) is None
    assert refusal(price(one_line_cart(Money(299, "SEK")))) == Refusal.BELOW_MINIMUM


def test_anything_charged_after_today_needs_a_document_that_starts_a_subscription() -> None:
    # Unless a subscription makes the later charges, no checkout may promise them: a renewal, a
    # trial, a start date, alone or beside a line due now, whatever their amounts.
    deposit = Line(Price("deposit", eur(1000)))
    monthly = Line(Price("plan", eur(999), recurrence=MONTHLY))
    trial = Line(Price("plan", eur(999), recurrence=MONTHLY, trial_days=30))
    later = Line(Price("plan", eur(12000), recurrence=MONTHLY, starts_on=date(2027, 1, 31)))
    tiny = Line(Price("tiny", eur(30), recurrence=MONTHLY, trial_days=7))
    for lines in ((monthly,), (trial,), (later,), (deposit, trial), (deposit, tiny)):
        assert refusal(price(Cart("EUR", TODAY, lines))) == Refusal.LATER_CHARGES_UNSUPPORTED
    # A document whose payment saves the method may sell them; with nothing due now (a trial
    # alone) its checkout saves the method with a SetupIntent instead of a payment.
    for lines in ((monthly,), (trial,), (later,), (deposit, trial), (deposit, tiny)):
        assert refusal(price(Cart("EUR", TODAY, lines)), later_charges=True) is None
    free = Line(Price("free", eur(0)))
    assert refusal(price(Cart("EUR", TODAY, (free,))), later_charges=True) == (
        Refusal.NOTHING_TO_PAY
    )
    # A start date that has passed is a one-time charge today: nothing is charged later.
    passed = Line(Price("plan", eur(12000), starts_on=date(2026, 11, 1)))
    assert refusal(price(Cart("EUR", TODAY, (deposit, passed)))) is None
    assert passed.price.charges_later(TODAY) is False
    assert (monthly.price.charges_later(TODAY), trial.price.charges_later(TODAY)) == (True, True)


def test_an_empty_cart_is_refused() -> None:
    assert refusal(price(Cart("EUR", TODAY, ()))) == Refusal.EMPTY_CART


# --- bad input --------------------------------------------------------------------------------


def test_every_amount_must_be_in_the_cart_currency() -> None:
    usd_line = (Line(Price("p", Money(1000, "USD"))),)
    with pytest.raises(CurrencyMismatchError, match="line 'p' is in USD"):
        price(Cart("EUR", TODAY, usd_line))
    eur_line = (Line(Price("p", eur(1000))),)
    with pytest.raises(CurrencyMismatchError, match="discount"):
        price(Cart("EUR", TODAY, eur_line, discount=Discount("X", amount=Money(100, "USD"))))
    usd_fee = Fee("Card", PaymentMethod.CARD, Money(30, "USD"))
    with pytest.raises(CurrencyMismatchError, match="fee"):
        price(Cart("EUR", TODAY, eur_line, fees=(usd_fee,)))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: TaxRate("T", Decimal(101)), Refusal.UNUSABLE_TAX_RATE),
        (lambda: TaxRate("T", Decimal(-1)), Refusal.UNUSABLE_TAX_RATE),
        (lambda: TaxRate("T", 12.5), Refusal.UNUSABLE_TAX_RATE),
        (lambda: TaxRate("T", Decimal("NaN")), Refusal.UNUSABLE_TAX_RATE),
        (
            lambda: Fee("F", PaymentMethod.CARD, percentage=Decimal(100), gross_up=True),
            Refusal.UNUSABLE_FEE,
        ),
        (lambda: Fee("F", PaymentMethod.CARD, percentage=Decimal(101)), Refusal.UNUSABLE_FEE),
        (lambda: Fee("F", PaymentMethod.CARD, eur(-1)), Refusal.UNUSABLE_FEE),
        (lambda: Fee("F", PaymentMethod.CARD, Money(5, "KWD")), Refusal.UNUSABLE_FEE),
        (lambda: Discount("D"), Refusal.UNUSABLE_DISCOUNT),
        (
            lambda: Discount("D", percentage=Decimal(10), amount=eur(100)),
            Refusal.UNUSABLE_DISCOUNT,
        ),
        (lambda: Discount("D", amount=eur(-100)), Refusal.UNUSABLE_DISCOUNT),
        (lambda: Discount("D", percentage=Decimal(101)), Refusal.UNUSABLE_DISCOUNT),
        (lambda: Price("p", eur(-1)), Refusal.UNUSABLE_ITEM),
        (lambda: Price("p", eur(100), starts_on=TODAY, trial_days=3), Refusal.UNUSABLE_ITEM),
        (lambda: Price("p", eur(100), trial_days=-1), Refusal.UNUSABLE_ITEM),
        (lambda: Line(Price("p", eur(100)), 0), Refusal.UNUSABLE_ITEM),
        (lambda: Line(Price("p", eur(100)), unit_amount=eur(-1)), Refusal.UNUSABLE_ITEM),
        (lambda: Recurrence(Interval.MONTH, 0), Refusal.UNUSABLE_ITEM),
    ],
)
def test_bad_input_is_refused_where_it_is_built_and_says_what_is_at_fault(
    make: object, reason: Refusal
) -> None:
    with pytest.raises(PricingError) as refused:
        make()  # type: ignore[operator]
    assert refused.value.refusal == reason
