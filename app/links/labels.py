"""The words the panel and the checkout show for a link's status and pricing refusals (the
merchant's warnings in the editor, the buyer's at the checkout), and a closed link's page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.checkout.documents import Closed
from app.core.pricing import Refusal
from app.links.models import LinkStatus
from app.settings.labels import BUYER_SETTING_REFUSALS, SETTING_REFUSALS

STATUS_LABELS: dict[LinkStatus, LazyString] = {
    LinkStatus.ACTIVE: _l("Active"),
    LinkStatus.INACTIVE: _l("Inactive"),
    LinkStatus.EXPIRED: _l("Expired"),
    LinkStatus.COMPLETED: _l("Limit reached"),
    LinkStatus.UNPAYABLE: _l("Cannot be paid"),
}

# What each status means for buyers, shown in the link editor.
STATUS_EXPLANATIONS: dict[LinkStatus, LazyString] = {
    LinkStatus.ACTIVE: _l("Buyers can pay at this link's address."),
    LinkStatus.INACTIVE: _l(
        "Buyers see a page saying that the link is not active. Nothing can be paid until you "
        "reactivate it."
    ),
    LinkStatus.EXPIRED: _l(
        "The last valid day has passed: buyers see that the link has expired. Choose a later "
        "day below to sell again."
    ),
    LinkStatus.COMPLETED: _l(
        "The limit of payments is reached: buyers see that the link is used up. Raise or clear "
        "the limit below to sell again."
    ),
    LinkStatus.UNPAYABLE: _l(
        "No order of this link can be paid (see the warning with its lines): buyers see a page "
        "saying it cannot be paid, before they fill anything in. Change its lines or prices to "
        "sell again."
    ),
}

# The link editor's warnings to the merchant.
REFUSAL_MESSAGES: dict[Refusal, LazyString] = {
    Refusal.EMPTY_CART: _l("Add a line: there is nothing to pay for yet."),
    Refusal.LATER_CHARGES_UNSUPPORTED: _l(
        "Buyers cannot pay this link: nothing is charged at checkout (a trial or a start date), "
        "and the payment method is saved for the later charges with a first payment. Add a line "
        "charged at checkout, such as a setup fee."
    ),
    Refusal.BELOW_MINIMUM: _l(
        "The amount due is below the smallest charge Stripe accepts in this currency: "
        "buyers could not pay."
    ),
    Refusal.ABOVE_MAXIMUM: _l(
        "The amount due is above the largest charge Stripe accepts in one payment: buyers could "
        "not pay. Lower the price or the largest quantity."
    ),
    Refusal.NOTHING_TO_PAY: _l(
        "The amount due is zero, and a payment of nothing cannot be taken: buyers could not "
        "pay. Give the line an amount."
    ),
    Refusal.FEE_ABOVE_MAXIMUM: _l(
        "With the fee of a payment method, the amount due is above the largest charge Stripe "
        "accepts in one payment: buyers could not pay with that method. Lower the price or the "
        "fee."
    ),
    **SETTING_REFUSALS,
}

# What a buyer of the link is told when it cannot be paid.
BUYER_REFUSALS: dict[Refusal, LazyString] = {
    Refusal.EMPTY_CART: _l("There is nothing to pay for here. Please contact the seller."),
    Refusal.LATER_CHARGES_UNSUPPORTED: _l(
        "Nothing is charged now for this subscription, and it cannot be started here without a "
        "first payment, so nothing will be charged. Please contact the seller to buy it."
    ),
    Refusal.BELOW_MINIMUM: _l(
        "The amount due is below the smallest payment we can take in this currency, so it "
        "cannot be paid here. Please contact the seller."
    ),
    Refusal.ABOVE_MAXIMUM: _l(
        "The total is above the largest amount we can take in one payment. Choose a smaller "
        "quantity, or contact the seller."
    ),
    Refusal.NOTHING_TO_PAY: _l(
        "The total is zero, and a payment of nothing cannot be taken here. Remove your "
        "discount code if you used one, or contact the seller."
    ),
    Refusal.FEE_ABOVE_MAXIMUM: _l(
        "With the fee for this payment method, the total is above the largest amount we can "
        "take in one payment. Choose another payment method or a smaller quantity, or contact "
        "the seller."
    ),
    **BUYER_SETTING_REFUSALS,
}

# Why buyers of the link cannot pay it now: the closed page's words, and the preview's note.
CLOSED: dict[LinkStatus, Closed] = {
    LinkStatus.INACTIVE: Closed(
        "inactive",
        _l("This payment link is not active. Nothing was charged. Ask the seller for a new one."),
        _l("The link is inactive: buyers see a page saying so instead."),
    ),
    LinkStatus.EXPIRED: Closed(
        "expired",
        _l("This payment link has expired. Nothing was charged. Ask the seller for a new one."),
        _l("The link has expired: buyers see a page saying so instead."),
    ),
    LinkStatus.COMPLETED: Closed(
        "completed",
        _l(
            "This payment link has already been paid as many times as the seller allows. "
            "Nothing was charged."
        ),
        _l("The link has reached its limit of payments: buyers see a page saying so instead."),
    ),
}


def unpayable_closed(problem: Refusal) -> Closed:
    """The closed page of a link no order of which can be paid: the buyers' words for why,
    and the editor's warning as the preview's note."""
    return Closed("unpayable", BUYER_REFUSALS[problem], REFUSAL_MESSAGES[problem])
