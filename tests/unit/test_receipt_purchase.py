"""What a receipt lists, built from a priced cart: each tax rate's base in the currency's own
decimals, inclusive and exclusive rates, the discount, the method's surcharge; and kept as plain
JSON and read back unchanged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.core import pricing
from app.core.money import Money
from app.payments.receipts import Purchase, TaxLine, purchase_from_breakdown

TODAY = date(2026, 12, 7)
MWST = pricing.TaxRate("MwSt", Decimal("19"))
MOMS_INCLUDED = pricing.TaxRate("Moms", Decimal("25"), pricing.TaxBehavior.INCLUSIVE)
REDUCED = pricing.TaxRate("MwSt", Decimal("7"))


def priced(currency: str, lines: list[tuple[str, int, int, pricing.TaxRate]], **cart: object):  # type: ignore[no-untyped-def]
    cart_lines = tuple(
        pricing.Line(pricing.Price(reference, Money(unit, currency), tax_rates=(rate,)), quantity)
        for reference, unit, quantity, rate in lines
    )
    return pricing.price(
        pricing.Cart(currency, TODAY, cart_lines, **cart),  # type: ignore[arg-type]
        pricing.PaymentMethod.CARD,
    )


def test_each_rate_has_its_base_and_amount_in_euros() -> None:
    breakdown = priced("EUR", [("1", 10000, 2, MWST), ("2", 5000, 1, REDUCED),
                               ("3", 2500, 1, MWST)])  # fmt: skip
    purchase = purchase_from_breakdown("Order", breakdown, {"1": "Vase", "2": "Book", "3": "Card"})
    assert [(line.name, line.quantity, line.amount) for line in purchase.lines] == [
        ("Vase", 2, Money(20000, "EUR")),
        ("Book", 1, Money(5000, "EUR")),
        ("Card", 1, Money(2500, "EUR")),
    ]
    assert purchase.taxes == (
        TaxLine("MwSt", Decimal("19"), False, Money(22500, "EUR"), Money(4275, "EUR")),
        TaxLine("MwSt", Decimal("7"), False, Money(5000, "EUR"), Money(350, "EUR")),
    )
    assert purchase.total == Money(27500 + 4275 + 350, "EUR") == breakdown.due_now.total


def test_yen_have_no_decimals_and_an_included_tax_is_taken_out_of_the_base() -> None:
    discount = pricing.Discount("TEN", percentage=Decimal("10"))
    fee = pricing.Fee("Card fee", pricing.PaymentMethod.CARD, fixed=Money(30, "JPY"))
    breakdown = priced("JPY", [("1", 1250, 3, MOMS_INCLUDED)], discount=discount, fees=(fee,))
    purchase = purchase_from_breakdown("Tea", breakdown, {"1": "Sencha"}, "TEN")
    (tax,) = purchase.taxes
    assert purchase.subtotal == Money(3750, "JPY") and purchase.discount == Money(375, "JPY")
    assert tax.inclusive and tax.amount == Money(675, "JPY")  # 3375 x 25 / 125
    assert tax.base == Money(3375 - 675, "JPY")
    assert (purchase.surcharge, purchase.surcharge_name) == (Money(30, "JPY"), "Card fee")
    assert purchase.total == Money(3375 + 30, "JPY") and purchase.discount_code == "TEN"


def test_a_purchase_is_kept_as_json_and_read_back_unchanged() -> None:
    breakdown = priced("SEK", [("7", 9950, 2, MOMS_INCLUDED)])
    purchase = purchase_from_breakdown("Mugs", breakdown, {"7": "Mug"})
    assert Purchase.from_json(purchase.as_json()) == purchase
    assert purchase.as_json()["taxes"][0]["percentage"] == "25"
