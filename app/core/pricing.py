"""The pricing engine: every amount a buyer is shown or charged is computed here, and only here.

Pure functions over frozen dataclasses: no Flask, no database, no clock (``Cart.today`` is given).
Payment links, the storefront, quotes, invoices and subscription billing all build a ``Cart`` and
call ``price(cart, method)``; ``refusal(breakdown, ...)`` says whether a checkout may be created.

Rules (``docs/architecture.md`` § Pricing says the same in prose):

Amounts
    Integers of minor units in the cart's currency (``Money``), never floats. Every line, the
    discount and every fixed fee must be in the cart's currency, else ``CurrencyMismatchError``.
    Percentages (discounts, fees, taxes) are ``Decimal`` (or ``int``) from 0 to 100.
    Three-decimal currencies (KWD, BHD, ...) are charged by Stripe only in steps of 10 (the last
    digit is 0): their input amounts must be multiples of 10 and every computed amount is rounded
    to a multiple of 10. Everywhere else the step is one minor unit (JPY: one yen).

Rounding
    Half-even ("banker's") to the currency's step, once per line per component (discount, each
    tax, the fee), never on sums: a total is the exact sum of its rounded parts.

Order of calculation, per line
    subtotal = unit amount x quantity; then the discount; then taxes on the discounted amount.
    Inclusive taxes are extracted (amount x rate / (100 + rate)); exclusive ones are added, on the
    amount net of any inclusive tax (no tax on tax). The fee comes last, per payment, on the
    taxed total, and is never taxed. The issue lists "discounts, then fees, then taxes": we keep
    discounts first and taxes independent of fees, but take the fee after taxes on purpose (see
    Fees); with untaxed fees that is the only difference the order could make.

Schedule
    A line is charged first on ``today`` unless its price has a start date after today or trial
    days (not both): then it is *delayed*, nothing of it is due now, and its first charge is on
    that date. A start date on or before today means due now. A recurring line repeats every
    ``interval_count`` weeks, months, quarters (3 months) or years; the n-th charge date is
    computed from the first one (its anchor), clamping to the month's last day, so a
    subscription begun on 31 January is charged 28/29 February, then 31 March.

Discounts
    A discount code (a percentage, or a fixed amount in the cart's currency) applies to the first
    charge only, i.e. to the lines due now: never to a delayed line, never to a recurring line's
    later charges. A percentage is applied to each due-now line and rounded there. A fixed amount
    is capped at the due-now subtotal (a discount never makes a total negative) and spread over
    the due-now lines in proportion to their subtotals by largest remainder: each line gets the
    floor of its exact share, the units left go one each to the lines with the largest remainders
    (ties: the earlier line), so the parts add up to the discount exactly.

Taxes
    A line uses its own tax rates when given, else its price's. A rate with a country set
    applies only when the buyer's country is known and in the set; with an empty set it always
    applies. Several inclusive rates on one line: their combined tax, amount x R / (100 + R) with
    R the sum of their percentages, is rounded once and spread over them by largest remainder,
    so extracting tax can never exceed the amount. Inclusive taxes never change a total (on a
    line that mixes both kinds, they do lower the base of its exclusive taxes).

Fees (payment-method surcharges)
    At most one fee per method; with no method chosen yet there is no fee, so the breakdown for
    "no method" is what every method costs at least. A fee is charged per payment: once on the
    due-now payment, and on each line's later charges, which are priced as a payment of their
    own (the method chosen now is the one saved for them). Its base is the payment's total
    including exclusive taxes, because the processor's own percentage is taken on everything
    charged; only with that base does a grossed-up fee keep its promise. Plain: fee = fixed +
    base x pct / 100. Grossed up: the charge is (base + fixed) / (1 - pct / 100) rounded, and
    the fee is that minus the base, so that after a processor fee of the same structure the
    merchant nets the base; its percentage is at most 50 (``MAX_GROSSED_UP_PERCENTAGE``). A
    payment of zero has no fee. Two fees for one method are not added up (a grossed-up fee
    cannot be stacked on another and keep its promise): ``price`` refuses them
    (``CONFLICTING_FEES``), and the settings allow one fee per method in each currency.

Due later
    One ``LaterCharge`` per line that charges anything after today: a delayed line (its first
    charge, and its repeats if recurring; not discounted) or a recurring line due now (its
    second charge onward, not discounted). Each says the first date, the recurrence, the amount
    per charge, its fee and total. ``Breakdown.total`` is every line's first charge plus the
    fees of those first charges: ``due_now.total`` plus the totals of the delayed lines' charges.

Whether a checkout may be created: ``refusal`` returns a ``Refusal`` reason code or None. Only
a document that saves the buyer's method for its later charges (a subscription follows: a
payment link's or a shop's recurring or delayed lines) may sell anything due later; any other
cart with anything due later is refused (``LATER_CHARGES_UNSUPPORTED``). A payment of nothing
is refused too (``NOTHING_TO_PAY``): Stripe takes no payment of zero and Kassa has no free
orders; but a subscription with nothing due now (a trial) is sold: the checkout saves the
method with a SetupIntent instead.

Inputs the engine cannot use (a percentage outside 0 to 100, a grossed-up fee above 50 %, two
fees for one method, a negative amount, a quantity of 0...) raise ``PricingError``, whose
``refusal`` names what is wrong in the same codes (``UNUSABLE_FEE``, ``CONFLICTING_FEES``...).
Such inputs come from stored settings (an old database, a race between two panel tabs): every
caller turns the code into words for the buyer and the merchant, never into a server error.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from app.core.money import (
    THREE_DECIMAL,
    CurrencyMismatchError,
    Money,
    above_maximum,
    below_minimum,
)

HUNDRED = Decimal(100)


class PricingError(ValueError):
    """The input cannot be priced: a configuration error, not a buyer's. ``refusal`` says which
    setting is at fault, so callers can tell the buyer and the merchant in words."""

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal


class Interval(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


MONTHS_IN = {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}


class TaxBehavior(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class PaymentMethod(StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    US_BANK_ACCOUNT = "us_bank_account"
    BACS_DEBIT = "bacs_debit"


class Refusal(StrEnum):
    """Why a checkout cannot be created; editors and checkouts turn these into messages.

    The first six come from ``refusal`` (what the buyer's cart adds up to); the others from a
    ``PricingError`` (a stored setting the engine cannot use).
    """

    EMPTY_CART = "empty_cart"
    LATER_CHARGES_UNSUPPORTED = "later_charges_unsupported"
    NOTHING_TO_PAY = "nothing_to_pay"  # due now is zero: a free line, a 100 % code
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"
    FEE_ABOVE_MAXIMUM = "fee_above_maximum"  # the chosen method's fee takes it over the top
    CONFLICTING_FEES = "conflicting_fees"  # more than one fee for one method
    UNUSABLE_FEE = "unusable_fee"
    UNUSABLE_DISCOUNT = "unusable_discount"
    UNUSABLE_TAX_RATE = "unusable_tax_rate"
    UNUSABLE_ITEM = "unusable_item"  # a price, a schedule or a quantity


# A grossed-up fee of p % charges base / (1 - p %): at 50 % the fee equals the price, beyond it
# it grows without bound (at 99.99 % the charge is 10,000 times the price). No processor's fee
# has that structure, so the engine refuses it rather than price absurd payments.
MAX_GROSSED_UP_PERCENTAGE = Decimal(50)


# ---------------------------------------------------------------------------------------------
# Small helpers


def charge_step(currency: str) -> int:
    """The smallest amount Stripe charges in ``currency``, in minor units (10 for KWD, else 1)."""
    return 10 if currency in THREE_DECIMAL else 1


def _round_to_step(value: Fraction, step: int) -> int:
    """``value`` rounded half-even to a multiple of ``step``.

    Exact rational arithmetic until this single rounding: ``round`` on a ``Fraction`` rounds
    half to even, like ``money.round_minor``, without Decimal's 28-digit context in between.
    """
    return round(value / step) * step


def _percent(percentage: Decimal) -> Fraction:
    return Fraction(percentage) / 100


def _as_percentage(value: Decimal | int, what: str, refusal: Refusal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise PricingError(f"{what} must be a Decimal, not {type(value).__name__}", refusal)
    number = Decimal(value)
    if not number.is_finite() or not 0 <= number <= HUNDRED:
        raise PricingError(f"{what} must be between 0 and 100, not {value}", refusal)
    return number


def _require_count(value: int, what: str, minimum: int) -> None:
    """Counts (quantities, trial days, the periods of a recurrence) belong to an item."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PricingError(
            f"{what} must be a whole number of at least {minimum}, not {value!r}",
            Refusal.UNUSABLE_ITEM,
        )


def _require_chargeable(amount: Money, what: str, refusal: Refusal) -> None:
    if amount.amount < 0:
        raise PricingError(f"{what} must not be negative: {amount}", refusal)
    if amount.amount % charge_step(amount.currency):
        raise PricingError(
            f"{what} in {amount.currency} must be a multiple of 10 minor units", refusal
        )


def spread_by_largest_remainder(total: int, weights: Sequence[Decimal | int]) -> list[int]:
    """Split ``total`` units in proportion to ``weights`` so the parts add up to it exactly.

    Each part is the floor of its exact share; the units left over go one each to the parts with
    the largest remainders, the earlier part first on a tie. A zero weight gets nothing.
    """
    weight_sum = sum(Fraction(w) for w in weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    shares = [total * Fraction(w) / weight_sum for w in weights]
    parts = [share.numerator // share.denominator for share in shares]
    remainders = [share - part for share, part in zip(shares, parts, strict=True)]
    by_remainder = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def discounted_by_percentage(subtotal: Money, percentage: Decimal | None) -> Money:
    """``subtotal`` less ``percentage`` of it, rounded as a cart's percentage discount is: the
    line discounts of invoices and quotes, priced before the document's own discount."""
    if not percentage:
        return subtotal
    one_line = Cart(
        currency=subtotal.currency,
        today=date(2000, 1, 1),
        lines=(Line(Price("line", subtotal)),),
        discount=Discount("line", percentage=Decimal(percentage)),
    )
    return subtotal - price(one_line).discount


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, clamped to the last day of the month it lands in."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Every ``interval_count`` weeks, months, quarters or years."""

    interval: Interval
    interval_count: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "interval", Interval(self.interval))
        _require_count(self.interval_count, "interval_count", 1)

    def charge_date(self, anchor: date, n: int) -> date:
        """The date of charge number ``n`` (0 is ``anchor`` itself), counted from the anchor."""
        if self.interval is Interval.WEEK:
            return anchor + timedelta(weeks=self.interval_count * n)
        return add_months(anchor, MONTHS_IN[self.interval] * self.interval_count * n)


@dataclass(frozen=True, slots=True)
class TaxRate:
    """A named rate; ``countries`` (ISO 3166 alpha-2) limits it to buyers there, empty = all."""

    name: str
    percentage: Decimal
    behavior: TaxBehavior = TaxBehavior.EXCLUSIVE
    countries: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        percentage = _as_percentage(self.percentage, "tax percentage", Refusal.UNUSABLE_TAX_RATE)
        object.__setattr__(self, "percentage", percentage)
        object.__setattr__(self, "behavior", TaxBehavior(self.behavior))
        object.__setattr__(self, "countries", frozenset(self.countries))

    def applies_to(self, buyer_country: str | None) -> bool:
        return not self.countries or buyer_country in self.countries


@dataclass(frozen=True, slots=True)
class Fee:
    """A surcharge for paying with ``method``: a fixed amount and/or a percentage."""

    name: str
    method: PaymentMethod
    fixed: Money | None = None
    percentage: Decimal = Decimal(0)
    gross_up: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", PaymentMethod(self.method))
        percentage = _as_percentage(self.percentage, "fee percentage", Refusal.UNUSABLE_FEE)
        object.__setattr__(self, "percentage", percentage)
        if self.fixed is not None:
            _require_chargeable(self.fixed, "a fee's fixed amount", Refusal.UNUSABLE_FEE)
        if self.gross_up and percentage > MAX_GROSSED_UP_PERCENTAGE:
            raise PricingError(
                f"a grossed-up fee takes at most {MAX_GROSSED_UP_PERCENTAGE} %, not {percentage}",
                Refusal.UNUSABLE_FEE,
            )

    def amount_on(self, base: Money) -> Money:
        """This fee on a payment of ``base`` (nothing on a payment of zero)."""
        if self.fixed is not None and self.fixed.currency != base.currency:
            raise CurrencyMismatchError(
                f"fee {self.name!r} is in {self.fixed.currency}, the payment in {base.currency}"
            )
        if base.amount <= 0:
            return Money.zero(base.currency)
        step = charge_step(base.currency)
        fixed = self.fixed.amount if self.fixed is not None else 0
        rate = _percent(self.percentage)
        if self.gross_up:
            charged = _round_to_step((base.amount + fixed) / (1 - rate), step)
            return Money(charged - base.amount, base.currency)
        return Money(fixed + _round_to_step(base.amount * rate, step), base.currency)


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount code: exactly one of a percentage or a fixed amount."""

    code: str
    percentage: Decimal | None = None
    amount: Money | None = None

    def __post_init__(self) -> None:
        if (self.percentage is None) == (self.amount is None):
            raise PricingError(
                "a discount has either a percentage or an amount", Refusal.UNUSABLE_DISCOUNT
            )
        if self.percentage is not None:
            percentage = _as_percentage(
                self.percentage, "discount percentage", Refusal.UNUSABLE_DISCOUNT
            )
            object.__setattr__(self, "percentage", percentage)
        if self.amount is not None:
            _require_chargeable(self.amount, "a discount amount", Refusal.UNUSABLE_DISCOUNT)


@dataclass(frozen=True, slots=True)
class Price:
    """What the catalogue says about a price; ``reference`` is the caller's id, opaque here."""

    reference: str
    unit_amount: Money
    recurrence: Recurrence | None = None
    starts_on: date | None = None
    trial_days: int = 0
    tax_rates: tuple[TaxRate, ...] = ()

    def __post_init__(self) -> None:
        unit = f"the unit amount of {self.reference!r}"
        _require_chargeable(self.unit_amount, unit, Refusal.UNUSABLE_ITEM)
        _require_count(self.trial_days, "trial_days", 0)
        if self.starts_on is not None and self.trial_days:
            raise PricingError(
                f"{self.reference!r} has both a start date and trial days", Refusal.UNUSABLE_ITEM
            )
        object.__setattr__(self, "tax_rates", tuple(self.tax_rates))

    def first_charge_on(self, today: date) -> date:
        if self.starts_on is not None and self.starts_on > today:
            return self.starts_on
        return today + timedelta(days=self.trial_days)

    def charges_later(self, today: date) -> bool:
        """Whether buying this today promises a charge after today: a renewal, or a first
        charge delayed by a start date or trial days (the lines ``due_later`` is made of)."""
        return self.recurrence is not None or self.first_charge_on(today) != today


@dataclass(frozen=True, slots=True)
class Line:
    """A price in a cart: a quantity, and the overrides a quote or invoice may set."""

    price: Price
    quantity: int = 1
    unit_amount: Money | None = None
    tax_rates: tuple[TaxRate, ...] | None = None

    def __post_init__(self) -> None:
        _require_count(self.quantity, "quantity", 1)
        if self.unit_amount is not None:
            unit = f"the unit amount of {self.price.reference!r}"
            _require_chargeable(self.unit_amount, unit, Refusal.UNUSABLE_ITEM)
        if self.tax_rates is not None:
            object.__setattr__(self, "tax_rates", tuple(self.tax_rates))

    @property
    def effective_unit_amount(self) -> Money:
        return self.unit_amount if self.unit_amount is not None else self.price.unit_amount

    @property
    def effective_tax_rates(self) -> tuple[TaxRate, ...]:
        return self.tax_rates if self.tax_rates is not None else self.price.tax_rates


@dataclass(frozen=True, slots=True)
class Cart:
    """Everything ``price`` needs except the payment method, which the buyer picks last."""

    currency: str
    today: date
    lines: tuple[Line, ...]
    discount: Discount | None = None
    fees: tuple[Fee, ...] = ()
    buyer_country: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "fees", tuple(self.fees))


# ---------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True, slots=True)
class TaxAmount:
    rate: TaxRate
    amount: Money


@dataclass(frozen=True, slots=True)
class LineBreakdown:
    """One line's first charge: ``total = subtotal - discount + tax_added``."""

    index: int
    reference: str
    quantity: int
    unit_amount: Money
    subtotal: Money
    discount: Money
    taxes: tuple[TaxAmount, ...]
    tax_added: Money
    tax_included: Money
    total: Money
    due_now: bool
    first_charge_on: date
    recurrence: Recurrence | None


@dataclass(frozen=True, slots=True)
class DueNow:
    """The payment taken at checkout: ``total = subtotal - discount + tax_added + fee``."""

    subtotal: Money
    discount: Money
    taxes: tuple[TaxAmount, ...]
    tax_added: Money
    tax_included: Money
    fee: Money
    fee_name: str | None
    total: Money


@dataclass(frozen=True, slots=True)
class LaterCharge:
    """A line's charges after today: ``total = amount + fee`` on each charge date.

    ``delayed`` lines charge nothing now, so ``first_charge_on`` is their first charge; otherwise
    it is a recurring line's second charge. ``recurrence`` None means a single charge. Dates are
    counted from ``anchor_on``, the line's first charge (today when it is due now), so clamping
    to a month's end never drifts.
    """

    line_index: int
    reference: str
    delayed: bool
    anchor_on: date
    first_charge_on: date
    recurrence: Recurrence | None
    amount: Money
    taxes: tuple[TaxAmount, ...]
    fee: Money
    total: Money

    def charge_date(self, n: int) -> date:
        """The date of this schedule's charge number ``n`` (0 is ``first_charge_on``)."""
        if self.recurrence is None:
            if n != 0:
                raise ValueError("a single charge has no later dates")
            return self.first_charge_on
        charges_before = 0 if self.delayed else 1
        return self.recurrence.charge_date(self.anchor_on, charges_before + n)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A priced cart. Sums over ``lines`` (first charges); ``total = sum(line totals) + fees``."""

    currency: str
    method: PaymentMethod | None
    lines: tuple[LineBreakdown, ...]
    due_now: DueNow
    due_later: tuple[LaterCharge, ...]
    subtotal: Money
    discount: Money
    tax_added: Money
    tax_included: Money
    fees: Money
    total: Money


# ---------------------------------------------------------------------------------------------
# The computation


@dataclass(frozen=True, slots=True)
class _Taxed:
    taxes: tuple[TaxAmount, ...]
    added: int
    included: int


def _tax(amount: int, rates: Sequence[TaxRate], currency: str) -> _Taxed:
    """Taxes on a line's (discounted) amount: inclusive ones extracted, exclusive ones added."""
    step = charge_step(currency)
    inclusive = [r for r in rates if r.behavior is TaxBehavior.INCLUSIVE]
    exclusive = [r for r in rates if r.behavior is TaxBehavior.EXCLUSIVE]
    combined = sum((_percent(r.percentage) for r in inclusive), Fraction(0))
    included = _round_to_step(amount * combined / (1 + combined), step)
    inclusive_parts = spread_by_largest_remainder(
        included // step, [r.percentage for r in inclusive]
    )
    net = amount - included
    taxes = [
        TaxAmount(rate, Money(part * step, currency))
        for rate, part in zip(inclusive, inclusive_parts, strict=True)
    ]
    taxes += [
        TaxAmount(rate, Money(_round_to_step(net * _percent(rate.percentage), step), currency))
        for rate in exclusive
    ]
    added = sum(t.amount.amount for t in taxes if t.rate.behavior is TaxBehavior.EXCLUSIVE)
    return _Taxed(tuple(taxes), added, included)


def _discount_shares(
    discount: Discount | None, subtotals: Sequence[int], due_now: Sequence[bool], currency: str
) -> list[int]:
    """Each line's part of the discount: only lines due now get any."""
    step = charge_step(currency)
    eligible = [s if now else 0 for s, now in zip(subtotals, due_now, strict=True)]
    if discount is None:
        return [0] * len(eligible)
    if discount.percentage is not None:
        rate = _percent(discount.percentage)
        return [_round_to_step(s * rate, step) for s in eligible]
    assert discount.amount is not None
    capped = min(discount.amount.amount, sum(eligible))
    parts = spread_by_largest_remainder(capped // step, [s // step for s in eligible])
    return [part * step for part in parts]


def _check_currencies(cart: Cart) -> None:
    """Every amount in the cart must be in its currency: lines, the discount, fixed fees."""
    named = [(f"line {line.price.reference!r}", line.effective_unit_amount) for line in cart.lines]
    if cart.discount is not None and cart.discount.amount is not None:
        named.append((f"discount {cart.discount.code!r}", cart.discount.amount))
    named += [(f"fee {fee.name!r}", fee.fixed) for fee in cart.fees if fee.fixed is not None]
    for what, amount in named:
        if amount.currency != cart.currency:
            raise CurrencyMismatchError(
                f"{what} is in {amount.currency}, the cart in {cart.currency}"
            )


def fee_for(fees: Iterable[Fee], method: PaymentMethod | None) -> Fee | None:
    """The fee for ``method`` among the merchant's fees; None when there is none or no method."""
    if method is None:
        return None
    matching = [fee for fee in fees if fee.method == method]
    if len(matching) > 1:
        raise PricingError(f"more than one fee for {method.value}", Refusal.CONFLICTING_FEES)
    return matching[0] if matching else None


def _sum_taxes(groups: Iterable[Iterable[TaxAmount]], currency: str) -> tuple[TaxAmount, ...]:
    totals: dict[TaxRate, int] = {}
    for taxes in groups:
        for tax in taxes:
            totals[tax.rate] = totals.get(tax.rate, 0) + tax.amount.amount
    return tuple(TaxAmount(rate, Money(amount, currency)) for rate, amount in totals.items())


def _money_sum(amounts: Iterable[Money], currency: str) -> Money:
    return sum(amounts, Money.zero(currency))


def _fee_on(fee: Fee | None, base: Money) -> Money:
    return fee.amount_on(base) if fee is not None else Money.zero(base.currency)


def price(cart: Cart, method: PaymentMethod | None = None) -> Breakdown:
    """Price ``cart`` for a payment ``method`` (None: not chosen yet, so no fee)."""
    _check_currencies(cart)
    currency = cart.currency
    fee = fee_for(cart.fees, method)
    first_dates = [line.price.first_charge_on(cart.today) for line in cart.lines]
    due_now = [first == cart.today for first in first_dates]
    subtotals = [line.effective_unit_amount.amount * line.quantity for line in cart.lines]
    discounts = _discount_shares(cart.discount, subtotals, due_now, currency)

    lines: list[LineBreakdown] = []
    later: list[LaterCharge] = []
    for index, line in enumerate(cart.lines):
        rates = [r for r in line.effective_tax_rates if r.applies_to(cart.buyer_country)]
        taxed = _tax(subtotals[index] - discounts[index], rates, currency)
        breakdown = LineBreakdown(
            index=index,
            reference=line.price.reference,
            quantity=line.quantity,
            unit_amount=line.effective_unit_amount,
            subtotal=Money(subtotals[index], currency),
            discount=Money(discounts[index], currency),
            taxes=taxed.taxes,
            tax_added=Money(taxed.added, currency),
            tax_included=Money(taxed.included, currency),
            total=Money(subtotals[index] - discounts[index] + taxed.added, currency),
            due_now=due_now[index],
            first_charge_on=first_dates[index],
            recurrence=line.price.recurrence,
        )
        lines.append(breakdown)
        later_charge = _later_charge(breakdown, subtotals[index], rates, fee, currency)
        if later_charge is not None:
            later.append(later_charge)

    now_lines = [b for b in lines if b.due_now]
    now_base = _money_sum((b.total for b in now_lines), currency)
    now_fee = _fee_on(fee, now_base)
    charged_now = DueNow(
        subtotal=_money_sum((b.subtotal for b in now_lines), currency),
        discount=_money_sum((b.discount for b in now_lines), currency),
        taxes=_sum_taxes((b.taxes for b in now_lines), currency),
        tax_added=_money_sum((b.tax_added for b in now_lines), currency),
        tax_included=_money_sum((b.tax_included for b in now_lines), currency),
        fee=now_fee,
        fee_name=fee.name if fee is not None and now_fee else None,
        total=now_base + now_fee,
    )
    first_charge_fees = now_fee + _money_sum((c.fee for c in later if c.delayed), currency)
    line_totals = _money_sum((b.total for b in lines), currency)
    return Breakdown(
        currency=currency,
        method=method,
        lines=tuple(lines),
        due_now=charged_now,
        due_later=tuple(later),
        subtotal=_money_sum((b.subtotal for b in lines), currency),
        discount=_money_sum((b.discount for b in lines), currency),
        tax_added=_money_sum((b.tax_added for b in lines), currency),
        tax_included=_money_sum((b.tax_included for b in lines), currency),
        fees=first_charge_fees,
        total=line_totals + first_charge_fees,
    )


def _later_charge(
    line: LineBreakdown,
    subtotal: int,
    rates: Sequence[TaxRate],
    fee: Fee | None,
    currency: str,
) -> LaterCharge | None:
    """What ``line`` charges after today, undiscounted; None for a one-time line due now."""
    if line.due_now and line.recurrence is None:
        return None
    if line.due_now:
        assert line.recurrence is not None
        first_charge_on = line.recurrence.charge_date(line.first_charge_on, 1)
    else:
        first_charge_on = line.first_charge_on
    taxed = _tax(subtotal, rates, currency)
    amount = Money(subtotal + taxed.added, currency)
    charge_fee = _fee_on(fee, amount)
    return LaterCharge(
        line_index=line.index,
        reference=line.reference,
        delayed=not line.due_now,
        anchor_on=line.first_charge_on,
        first_charge_on=first_charge_on,
        recurrence=line.recurrence,
        amount=amount,
        taxes=taxed.taxes,
        fee=charge_fee,
        total=amount + charge_fee,
    )


def price_per_method(
    cart: Cart, methods: Iterable[PaymentMethod]
) -> dict[PaymentMethod, Breakdown]:
    """The cart priced for each method, to show every surcharge before the buyer picks one."""
    return {method: price(cart, method) for method in methods}


def refusal(breakdown: Breakdown, *, later_charges: bool = False) -> Refusal | None:
    """Why this checkout cannot be created, or None when it can.

    A cart that charges anything after today (a renewal, or a first charge delayed by a start
    date or trial days) is refused unless ``later_charges`` (the document saves the method and
    a subscription makes those charges): else the checkout would promise charges that never
    happen; with it and nothing due now (a trial) the checkout saves the method with a
    SetupIntent instead of a payment. Otherwise a payment of zero (a free line, a code worth
    everything) is refused: Stripe takes none, and there is no free order to record instead.
    Stripe refuses a positive charge below its minimum for the currency, and
    one above its maximum; when only the chosen method's fee takes the total above the maximum,
    that is said apart (another method may do). Check the breakdown priced without a method
    first: fees only add to it.
    """
    if not breakdown.lines:
        return Refusal.EMPTY_CART
    if breakdown.due_later and not later_charges:
        return Refusal.LATER_CHARGES_UNSUPPORTED
    due_now = breakdown.due_now
    if not due_now.total:
        return None if breakdown.due_later else Refusal.NOTHING_TO_PAY
    if below_minimum(due_now.total):
        return Refusal.BELOW_MINIMUM
    if above_maximum(due_now.total):
        if due_now.fee and not above_maximum(due_now.total - due_now.fee):
            return Refusal.FEE_ABOVE_MAXIMUM
        return Refusal.ABOVE_MAXIMUM
    return None


# ---------------------------------------------------------------------------------------------
# Proration: a subscription's lines changed during a period


@dataclass(frozen=True, slots=True)
class Proration:
    """What a change of a period's lines is worth for the days left of it.

    ``credit`` is the old lines' share of the days left (what the customer paid for and no
    longer gets), ``charge`` the new lines' share; ``difference`` is charged now when positive
    and credited to the next period when negative."""

    days_left: int
    days_in_period: int
    credit: Money
    charge: Money

    @property
    def difference(self) -> Money:
        return self.charge - self.credit


def prorate(
    old_total: Money, new_total: Money, period_start: date, period_end: date, today: date
) -> Proration:
    """The proration of a change made on ``today`` to a period from ``period_start`` to
    ``period_end`` (both days covered) that charges ``old_total`` per period before the change
    and ``new_total`` after (each with its exclusive taxes; the fee is the payment's, never
    prorated).

    By whole days: ``today`` itself counts as left (the change applies from today), so a change
    on the period's first day credits and charges the whole period and one on its last day one
    day of it. A day outside the period leaves nothing to prorate. Each of the credit and the
    charge is its total times days left over days in the period, rounded half-even once to the
    currency's step (``charge_step``); so neither exceeds its total, and equal totals give a
    difference of zero.
    """
    if old_total.currency != new_total.currency:
        raise CurrencyMismatchError(f"{old_total.currency} and {new_total.currency}")
    for total in (old_total, new_total):
        _require_chargeable(total, "a period's total", Refusal.UNUSABLE_ITEM)
    if period_end < period_start:
        raise ValueError("a period ends on or after the day it starts")
    days = (period_end - period_start).days + 1
    left = (period_end - today).days + 1 if period_start <= today <= period_end else 0
    step = charge_step(old_total.currency)
    share = Fraction(left, days)
    return Proration(
        days_left=left,
        days_in_period=days,
        credit=Money(_round_to_step(old_total.amount * share, step), old_total.currency),
        charge=Money(_round_to_step(new_total.amount * share, step), new_total.currency),
    )
