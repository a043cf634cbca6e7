"""The words the panel and the checkout show for a link's status and pricing refusals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.pricing import Refusal
from app.links.service import LinkStatus

STATUS_LABELS: dict[LinkStatus, LazyString] = {
    LinkStatus.ACTIVE: _l("Active"),
    LinkStatus.INACTIVE: _l("Inactive"),
    LinkStatus.EXPIRED: _l("Expired"),
    LinkStatus.COMPLETED: _l("Limit reached"),
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
}

REFUSAL_MESSAGES: dict[Refusal, LazyString] = {
    Refusal.EMPTY_CART: _l("Add a line: there is nothing to pay for yet."),
    Refusal.BELOW_MINIMUM: _l(
        "The amount due is below the smallest charge Stripe accepts in this currency: "
        "buyers could not pay."
    ),
    Refusal.LATER_CHARGE_BELOW_MINIMUM: _l(
        "A later charge is below the smallest charge Stripe accepts in this currency."
    ),
    Refusal.NOTHING_DUE_NEEDS_SETUP: _l(
        "Nothing is due at checkout but something is later: let buyers save their payment "
        "method in your checkout settings, or add a line due now."
    ),
}
