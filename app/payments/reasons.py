"""Why a payment did not go through, in the buyer's words: Stripe's decline and error codes as
the return page and the emails show them (translated when rendered)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

FAILURE_MESSAGES = {
    "card_declined": _l("Your card was declined. Try another card or payment method."),
    "insufficient_funds": _l(
        "There were not enough funds. Try another card, account or payment method."
    ),
    "expired_card": _l("Your card has expired. Try another card."),
    "incorrect_cvc": _l("The security code is incorrect. Check it and try again."),
    "processing_error": _l("An error occurred while processing your card. Try again."),
    "payment_intent_authentication_failure": _l(
        "We could not authenticate your payment. Try again or use another method."
    ),
}
GENERIC_FAILURE = _l("The payment did not go through. Try again or use another method.")


def failure_reason(code: str | None) -> LazyString:
    """The buyer's reason for a failure code (a decline code first, as the payment keeps it)."""
    return FAILURE_MESSAGES.get(code or "", GENERIC_FAILURE)


# Why Kassa refused a payment Stripe took (``service.Rejection``), in the buyer's words; the
# buyer is refunded in every case.
REJECTION_MESSAGES = {
    "duplicate": _l(
        "This order was already paid, so this second payment is being refunded in full."
    ),
    "amount_mismatch": _l(
        "The amount paid did not match the total for the payment method used, so the payment "
        "is being refunded in full. Please pay again: the page shows the right total."
    ),
    "limit_reached": _l(
        "This item sold out while you were paying, so your payment is being refunded in full."
    ),
    "discount_used_up": _l(
        "Your discount code was used up by another buyer while you were paying, so your payment "
        "is being refunded in full. Please pay again without it."
    ),
}


def rejection_reason(rejection: str | None) -> LazyString:
    return REJECTION_MESSAGES.get(rejection or "", REJECTION_MESSAGES["amount_mismatch"])
