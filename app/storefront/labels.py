"""The words shop pages show for recurring terms and for a cart that cannot be checked out."""

from __future__ import annotations

from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.catalog.models import BillingInterval, Product
from app.core.pricing import Recurrence, Refusal
from app.settings.labels import BUYER_SETTING_REFUSALS

BUYER_REFUSALS: dict[Refusal, LazyString] = {
    Refusal.EMPTY_CART: _l("Your cart is empty."),
    Refusal.LATER_CHARGES_UNSUPPORTED: _l(
        "Nothing in your cart is charged now, and a subscription cannot be started here without "
        "a first payment. Add an item paid now, or contact the shop."
    ),
    Refusal.BELOW_MINIMUM: _l(
        "The amount due now is below the smallest payment we can take in this currency. "
        "Add more to your cart to check out."
    ),
    Refusal.ABOVE_MAXIMUM: _l(
        "The total is above the largest amount we can take in one payment. Lower the "
        "quantities in your cart to check out."
    ),
    Refusal.NOTHING_TO_PAY: _l(
        "Your total is zero, and a payment of nothing cannot be taken here. Remove the discount "
        "code or add something to your cart to check out."
    ),
    Refusal.FEE_ABOVE_MAXIMUM: _l(
        "With the fee for this payment method, the total is above the largest amount we can "
        "take in one payment. Choose another payment method, or lower the quantities in your "
        "cart."
    ),
    **BUYER_SETTING_REFUSALS,
}

# On a product page, instead of "Add to cart", for a product that charges after the day it is
# bought (see ``pricing.Price.charges_later``).
NOT_SOLD_ONLINE = _l(
    "This product renews automatically or is charged later, which cannot be paid here yet, so "
    "it cannot be bought online for now. Contact the shop to buy it."
)


def every(interval: str, count: int) -> str:
    """ "every month", "every 3 weeks": how often a recurring price is charged."""
    if interval == BillingInterval.WEEK:
        return ngettext("every week", "every %(num)d weeks", count)
    if interval == BillingInterval.MONTH:
        return ngettext("every month", "every %(num)d months", count)
    if interval == BillingInterval.QUARTER:
        return ngettext("every quarter", "every %(num)d quarters", count)
    return ngettext("every year", "every %(num)d years", count)


def recurring_terms(product: Product | Recurrence | None) -> str:
    """How often a product (or a pricing recurrence) charges; "" for a one-time product."""
    if product is None or product.interval is None:
        return ""
    return every(str(product.interval), product.interval_count)


def schedule_note(product: Product) -> str:
    """When a delayed first charge happens; "" when it is charged at checkout."""
    if product.trial_days:
        return ngettext(
            "The first charge is %(num)d day after checkout.",
            "The first charge is %(num)d days after checkout.",
            product.trial_days,
        )
    if product.first_charge_on:
        day = format_date(product.first_charge_on)
        return gettext("The first charge is on %(date)s.", date=day)
    return ""
