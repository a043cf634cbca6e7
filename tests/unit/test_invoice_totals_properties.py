"""Invoice totals (``price_invoice``) against what the pricing engine promises, for any lines,
line discounts, invoice discount and taxes: the parts add up, nothing is negative, inclusive
taxes never change a total, and a discount never exceeds what it discounts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.invoices.models import Invoice, InvoiceLine
from app.invoices.service import price_invoice
from app.settings.models import TaxRate

RATES = {
    1: TaxRate(id=1, name="Moms", percent_bps=2500, inclusive=False, country=None),
    2: TaxRate(id=2, name="Food", percent_bps=1200, inclusive=True, country=None),
    3: TaxRate(id=3, name="Local", percent_bps=650, inclusive=False, country=None),
}
STEP = {"SEK": 1, "JPY": 1, "KWD": 10}
percentages = st.none() | st.decimals(0, 100, places=2)


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    currency = draw(st.sampled_from(sorted(STEP)))
    step = STEP[currency]
    lines = [
        InvoiceLine(
            position=n,
            description=f"line {n}",
            quantity=draw(st.integers(1, 1000)),
            unit_amount=draw(st.integers(0, 1_000_000)) * step,
            discount_percent=draw(percentages),
            tax_rate_ids=draw(st.lists(st.sampled_from(sorted(RATES)), unique=True, max_size=3)),
        )
        for n in range(draw(st.integers(1, 6)))
    ]
    discount = draw(st.sampled_from(["none", "percent", "amount"]))
    return Invoice(
        currency=currency,
        lines=lines,
        discount_percent=draw(st.decimals(0, 100, places=2)) if discount == "percent" else None,
        discount_amount=draw(st.integers(0, 10**9)) * step if discount == "amount" else None,
    )


def exclusive_taxes(invoice: Invoice) -> int:
    return sum(tax["amount"] for tax in invoice.tax_breakdown if not tax["inclusive"])


@settings(max_examples=300, deadline=None)
@given(invoices())
def test_the_parts_add_up_and_nothing_is_negative(invoice: Invoice) -> None:
    price_invoice(invoice, RATES)
    subtotal = sum(line.unit_amount * line.quantity for line in invoice.lines)
    assert invoice.subtotal == subtotal
    assert 0 <= invoice.discount_total <= subtotal
    assert invoice.total == invoice.subtotal - invoice.discount_total + exclusive_taxes(invoice)
    assert invoice.total >= 0
    assert invoice.tax_total == sum(tax["amount"] for tax in invoice.tax_breakdown)
    for line in invoice.lines:
        assert 0 <= line.amount <= line.unit_amount * line.quantity
        assert all(tax["amount"] >= 0 for tax in line.taxes)
    step = STEP[invoice.currency]
    assert invoice.total % step == 0 and invoice.discount_total % step == 0


@settings(max_examples=200, deadline=None)
@given(invoices())
def test_line_taxes_add_up_to_the_invoice_taxes(invoice: Invoice) -> None:
    price_invoice(invoice, RATES)
    by_name: dict[str, int] = {}
    for line in invoice.lines:
        for tax in line.taxes:
            by_name[tax["name"]] = by_name.get(tax["name"], 0) + tax["amount"]
    assert by_name == {tax["name"]: tax["amount"] for tax in invoice.tax_breakdown}


@settings(max_examples=200, deadline=None)
@given(invoices())
def test_inclusive_taxes_never_change_the_total(invoice: Invoice) -> None:
    for line in invoice.lines:
        line.tax_rate_ids = [2] if line.tax_rate_ids else []
    price_invoice(invoice, RATES)
    assert invoice.total == invoice.subtotal - invoice.discount_total


@settings(max_examples=200, deadline=None)
@given(invoices())
def test_without_discounts_or_taxes_the_total_is_the_lines(invoice: Invoice) -> None:
    for line in invoice.lines:
        line.discount_percent, line.tax_rate_ids = None, []
    invoice.discount_percent, invoice.discount_amount = Decimal(0), None
    price_invoice(invoice, RATES)
    assert invoice.total == invoice.subtotal == sum(line.amount for line in invoice.lines)
    assert invoice.discount_total == invoice.tax_total == 0 and invoice.tax_breakdown == []


@settings(max_examples=200, deadline=None)
@given(invoices())
def test_a_full_discount_leaves_nothing_to_pay(invoice: Invoice) -> None:
    invoice.discount_percent, invoice.discount_amount = Decimal(100), None
    price_invoice(invoice, RATES)
    assert invoice.total == 0 and invoice.discount_total == invoice.subtotal
