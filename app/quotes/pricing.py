"""A quote priced with the buyer's choices, and what it is paid in: pure, like
``app.core.pricing`` (no Flask, no database, no clock), which does every sum.

A quote's lines are ``QuoteItem``s. The buyer chooses the quantity of each ``adjustable`` line
within its limits and whether each ``optional`` line is added (a quantity of 0 leaves it out);
``chosen_quantities`` checks those choices against the lines, never trusting what was posted,
and ``price_quote`` prices the lines kept: each line's own discount first (a one-line cart with
the percentage), then one cart with the quote's discount and each line's taxes. No fees: the
total is what the customer agrees to pay. A recurring line's first period is in the total; its
renewals are in ``QuotePrice.renewals`` (a subscription-to-be bills them).

``payment_parts`` splits the total into what is paid when: nothing, all of it, a deposit (a
percentage or a fixed amount; the rest is invoiced) or a schedule of parts (percentages of the
total, fixed amounts, and at most one part that is "the rest", always last). Parts are in the
currency's charge step and add up to the total exactly (largest remainder).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from app.core import pricing
from app.core.money import Money, below_minimum

HUNDRED = Decimal(100)
MAX_QUANTITY = 1_000_000


class QuotePricingError(ValueError):
    """A choice or a payment plan the quote cannot take; ``code`` says which, for the words."""

    def __init__(self, message: str, code: str, reference: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reference = reference


class PlanKind(enum.StrEnum):
    NONE = "none"
    FULL = "full"
    DEPOSIT = "deposit"
    SCHEDULE = "schedule"


@dataclass(frozen=True, slots=True)
class QuoteItem:
    """One line of a quote as the pricing sees it; ``reference`` is the caller's line id."""

    reference: str
    unit_amount: int
    quantity: int = 1
    discount_percent: Decimal | None = None
    tax_rates: tuple[pricing.TaxRate, ...] = ()
    optional: bool = False
    adjustable: bool = False
    min_quantity: int | None = None
    max_quantity: int | None = None
    recurrence: pricing.Recurrence | None = None

    def limits(self) -> tuple[int, int]:
        """The least and most the buyer may choose; 0 leaves an optional line out."""
        if not self.adjustable:
            return (0 if self.optional else self.quantity), self.quantity
        low = 0 if self.optional else max(self.min_quantity or 1, 1)
        return low, self.max_quantity or MAX_QUANTITY

    def allows(self, quantity: int) -> bool:
        if quantity == 0:
            return self.optional
        if not self.adjustable:
            return quantity == self.quantity
        return max(self.min_quantity or 1, 1) <= quantity <= (self.max_quantity or MAX_QUANTITY)


@dataclass(frozen=True, slots=True)
class QuoteTerms:
    """What a quote's price depends on, besides the buyer's choices."""

    currency: str
    items: tuple[QuoteItem, ...]
    discount_percent: Decimal | None = None
    discount_amount: int | None = None
    buyer_country: str | None = None


@dataclass(frozen=True, slots=True)
class PricedLine:
    reference: str
    quantity: int
    subtotal: Money  # unit x quantity
    amount: Money  # after the line's own discount
    taxes: tuple[pricing.TaxAmount, ...]
    total: Money  # after the quote's discount share and with exclusive taxes


@dataclass(frozen=True, slots=True)
class QuotePrice:
    lines: tuple[PricedLine, ...]  # the lines kept (an optional line left out is not here)
    subtotal: Money  # before any discount
    discount: Money  # the lines' own discounts and the quote's
    tax_added: Money
    tax_included: Money
    taxes: tuple[pricing.TaxAmount, ...]
    total: Money
    renewals: tuple[pricing.LaterCharge, ...]

    @property
    def tax_total(self) -> Money:
        return self.tax_added + self.tax_included


def default_quantities(items: Sequence[QuoteItem]) -> dict[str, int]:
    """What the buyer starts with: each line's quantity, optional lines left out."""
    return {item.reference: 0 if item.optional else item.quantity for item in items}


def chosen_quantities(items: Sequence[QuoteItem], posted: Mapping[str, int]) -> dict[str, int]:
    """The buyer's quantities, every line's checked: a line not posted keeps its default, an
    unknown line or a quantity outside a line's limits is refused, and at least one line
    must be kept."""
    known = {item.reference for item in items}
    unknown = sorted(set(posted) - known)
    if unknown:
        raise QuotePricingError(f"no line {unknown[0]!r}", "unknown_line", unknown[0])
    chosen = default_quantities(items)
    for item in items:
        if item.reference not in posted:
            continue
        quantity = posted[item.reference]
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise QuotePricingError("a quantity is a whole number", "quantity", item.reference)
        if not item.allows(quantity):
            raise QuotePricingError(
                f"{quantity} is outside the limits of {item.reference!r}",
                "quantity",
                item.reference,
            )
        chosen[item.reference] = quantity
    if not any(chosen.values()):
        raise QuotePricingError("nothing chosen", "empty", None)
    return chosen


def price_quote(terms: QuoteTerms, quantities: Mapping[str, int], today: date) -> QuotePrice:
    """The quote's figures for ``quantities`` (checked by ``chosen_quantities`` first).

    Raises ``pricing.PricingError`` for an amount or rate the engine refuses."""
    currency = terms.currency
    kept = [
        (item, quantities.get(item.reference, 0))
        for item in terms.items
        if quantities.get(item.reference, 0) > 0
    ]
    discounted = [
        pricing.discounted_by_percentage(
            Money(item.unit_amount * quantity, currency), item.discount_percent
        )
        for item, quantity in kept
    ]
    cart = pricing.Cart(
        currency=currency,
        today=today,
        lines=tuple(
            pricing.Line(
                price=pricing.Price(item.reference, amount, recurrence=item.recurrence),
                tax_rates=item.tax_rates,
            )
            for (item, _), amount in zip(kept, discounted, strict=True)
        ),
        discount=_quote_discount(terms),
        buyer_country=terms.buyer_country,
    )
    breakdown = pricing.price(cart)
    subtotal = Money(sum(item.unit_amount * quantity for item, quantity in kept), currency)
    lines = tuple(
        PricedLine(
            reference=item.reference,
            quantity=quantity,
            subtotal=Money(item.unit_amount * quantity, currency),
            amount=amount,
            taxes=priced.taxes,
            total=priced.total,
        )
        for (item, quantity), amount, priced in zip(kept, discounted, breakdown.lines, strict=True)
    )
    line_discounts = subtotal.amount - sum(amount.amount for amount in discounted)
    return QuotePrice(
        lines=lines,
        subtotal=subtotal,
        discount=Money(line_discounts, currency) + breakdown.discount,
        tax_added=breakdown.tax_added,
        tax_included=breakdown.tax_included,
        taxes=breakdown.due_now.taxes,
        total=breakdown.total,
        renewals=breakdown.due_later,
    )


def _quote_discount(terms: QuoteTerms) -> pricing.Discount | None:
    if terms.discount_percent:
        return pricing.Discount("quote", percentage=Decimal(terms.discount_percent))
    if terms.discount_amount:
        return pricing.Discount("quote", amount=Money(terms.discount_amount, terms.currency))
    return None


# ---------------------------------------------------------------------------------------------
# What is paid when


@dataclass(frozen=True, slots=True)
class PartSpec:
    """A part of a schedule: a percentage of the total, a fixed amount, or neither (the rest,
    only as the last part); due at acceptance (``due_on`` None) or on a date."""

    percent: Decimal | None = None
    amount: int | None = None
    due_on: date | None = None


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    kind: PlanKind
    deposit_percent: Decimal | None = None
    deposit_amount: int | None = None
    parts: tuple[PartSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Instalment:
    amount: Money
    due_on: date | None  # None: at acceptance


def check_plan(plan: PaymentPlan) -> None:
    """Refuse a plan that no total could make sense of (whatever the buyer chooses)."""
    if plan.kind is PlanKind.DEPOSIT:
        if (plan.deposit_percent is None) == (plan.deposit_amount is None):
            raise QuotePricingError("a deposit is a percentage or an amount", "deposit")
        if plan.deposit_percent is not None and not 0 < plan.deposit_percent < HUNDRED:
            raise QuotePricingError("a deposit percentage is above 0 and below 100", "deposit")
        if plan.deposit_amount is not None and plan.deposit_amount < 1:
            raise QuotePricingError("a deposit is above zero", "deposit")
        return
    if plan.kind is not PlanKind.SCHEDULE:
        return
    parts = plan.parts
    if not 2 <= len(parts) <= 12:
        raise QuotePricingError("a schedule has 2 to 12 parts", "schedule_parts")
    for index, part in enumerate(parts):
        if part.percent is not None and part.amount is not None:
            raise QuotePricingError("a part is a percentage or an amount", "schedule_part")
        if part.percent is None and part.amount is None and index != len(parts) - 1:
            raise QuotePricingError("only the last part is the rest", "schedule_rest")
        if part.percent is not None and not 0 < part.percent <= HUNDRED:
            raise QuotePricingError("a percentage is above 0 and at most 100", "schedule_part")
        if part.amount is not None and part.amount < 1:
            raise QuotePricingError("a part is above zero", "schedule_part")
    dates = [part.due_on for part in parts]
    if any(due is None for due in dates[1:]):
        raise QuotePricingError("every part after the first has a date", "schedule_dates")
    known = [due for due in dates if due is not None]
    if any(later <= earlier for earlier, later in itertools.pairwise(known)):
        raise QuotePricingError("the dates follow one another", "schedule_dates")
    has_rest = parts[-1].percent is None and parts[-1].amount is None
    all_percent = all(part.amount is None for part in parts)
    if not has_rest and all_percent and sum(part.percent or 0 for part in parts) != HUNDRED:
        raise QuotePricingError("the percentages add up to 100", "schedule_sum")
    if not has_rest and any(part.amount is not None for part in parts):
        raise QuotePricingError("a schedule with amounts ends with the rest", "schedule_rest")


def payment_parts(total: Money, plan: PaymentPlan) -> tuple[Instalment, ...]:
    """What ``total`` is paid in under ``plan``: nothing (an invoice follows), all of it now,
    the deposit now (the rest is invoiced), or the schedule's parts. Each part is above zero
    and in the currency's step; the parts of a schedule add up to ``total`` exactly."""
    check_plan(plan)
    step = pricing.charge_step(total.currency)
    currency = total.currency
    fixed = [plan.deposit_amount or 0, *(part.amount or 0 for part in plan.parts)]
    if any(amount % step for amount in fixed):
        raise QuotePricingError("an amount is not in the currency's step", "step")
    if plan.kind is PlanKind.NONE:
        return ()
    if plan.kind is PlanKind.FULL:
        return (Instalment(total, None),)
    if plan.kind is PlanKind.DEPOSIT:
        if plan.deposit_percent is not None:
            exact = Fraction(total.amount) * Fraction(plan.deposit_percent) / 100
            deposit = round(exact / step) * step
        else:
            deposit = plan.deposit_amount or 0
        if not 0 < deposit < total.amount:
            raise QuotePricingError("the deposit is not less than the total", "deposit_total")
        return (Instalment(Money(deposit, currency), None),)
    amounts = _schedule_amounts(total.amount, plan.parts, step)
    return tuple(
        Instalment(Money(amount, currency), part.due_on)
        for amount, part in zip(amounts, plan.parts, strict=True)
    )


def _schedule_amounts(total: int, parts: Sequence[PartSpec], step: int) -> list[int]:
    if all(part.percent is not None for part in parts):
        steps = pricing.spread_by_largest_remainder(
            total // step, [part.percent or Decimal(0) for part in parts]
        )
        amounts = [count * step for count in steps]
        amounts[-1] += total - sum(amounts)
    else:
        amounts = [
            part.amount
            if part.amount is not None
            else round(Fraction(total) * Fraction(part.percent) / 100 / step) * step
            if part.percent is not None
            else 0
            for part in parts
        ]
        amounts[-1] = total - sum(amounts[:-1])
    if any(amount <= 0 for amount in amounts):
        raise QuotePricingError("a part of the schedule is nothing", "schedule_total")
    return amounts


def due_at_acceptance(instalments: Sequence[Instalment], currency: str, today: date) -> Money:
    """What the buyer pays when accepting: the parts without a date or dated today or before."""
    return Money(
        sum(
            part.amount.amount
            for part in instalments
            if part.due_on is None or part.due_on <= today
        ),
        currency,
    )


def unpayable_part(instalments: Sequence[Instalment]) -> Instalment | None:
    """The first part Stripe could not charge (below its minimum), if any."""
    return next((part for part in instalments if below_minimum(part.amount)), None)


def tax_bases(priced: QuotePrice) -> tuple[int, ...]:
    """Each of ``priced.taxes``' base: the amount, net of every tax, of the lines that carry
    its rate (after the lines' and the quote's discounts), in minor units."""
    return tuple(
        sum(
            line.total.amount - sum(tax.amount.amount for tax in line.taxes)
            for line in priced.lines
            if any(tax.rate == shown.rate for tax in line.taxes)
        )
        for shown in priced.taxes
    )


def split_by_parts(amount: int, part_amounts: Sequence[int]) -> tuple[int, ...]:
    """``amount`` shared out in proportion to the parts: each part but the last rounded down,
    the last taking the remainder, so the shares add up to ``amount`` exactly."""
    whole = sum(part_amounts)
    if whole <= 0:
        raise QuotePricingError("the parts add up to nothing", "schedule_total")
    shares = [amount * part // whole for part in part_amounts[:-1]]
    return (*shares, amount - sum(shares))


@dataclass(frozen=True, slots=True)
class TaxShare:
    """A part's share of one of the quote's taxes: the rate as the quote shows it, and the
    part's share of the tax's base and amount (inside the part's amount)."""

    name: str
    percent: str
    base: int
    amount: int


def part_taxes(
    taxes: Sequence[Mapping[str, object]], part_amounts: Sequence[int], position: int
) -> tuple[TaxShare, ...]:
    """The part at ``position``'s share of each of the quote's taxes (its kept
    ``tax_breakdown``: name, percent, amount, base), in proportion to the parts' amounts,
    the remainders on the last part: over all parts each tax's shares add up to it exactly."""
    return tuple(
        TaxShare(
            name=str(tax["name"]),
            percent=str(tax["percent"]),
            base=split_by_parts(int(str(tax.get("base") or 0)), part_amounts)[position],
            amount=split_by_parts(int(str(tax["amount"])), part_amounts)[position],
        )
        for tax in taxes
    )
