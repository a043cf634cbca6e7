"""Why a payment did not go through, in the buyer's words: Stripe's decline and error codes as
the return page and the emails show them (translated when rendered), and what a buyer page
says when a call to Stripe failed. Stripe's own message reaches a buyer only for a card error.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.processors.gateway import GatewayError, GatewayFailure

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
    "balance_paid": _l(
        "This invoice was paid or cancelled while you were paying, so your payment is being "
        "refunded in full. The invoice page shows what is still due."
    ),
    "discount_used_up": _l(
        "Your discount code was used up by another buyer while you were paying, so your payment "
        "is being refunded in full. Please pay again without it."
    ),
}


def rejection_reason(rejection: str | None) -> LazyString:
    return REJECTION_MESSAGES.get(rejection or "", REJECTION_MESSAGES["amount_mismatch"])


# Decline codes Stripe says never to explain to the buyer (a suspicion of fraud, a card reported
# lost or stolen): they are shown as a plain decline.
UNEXPLAINED_DECLINES = frozenset(
    {
        "fraudulent",
        "lost_card",
        "stolen_card",
        "pickup_card",
        "restricted_card",
        "merchant_blacklist",
        "security_violation",
    }
)
UNREACHABLE = _l("We could not reach the payment provider. Please try again.")
NOT_PREPARED = _l(
    "The payment could not be prepared. Please try again, or contact the seller if it keeps "
    "happening."
)


def last_error_message(
    error_type: str | None, code: str | None, decline_code: str | None, message: str | None
) -> str:
    """Why the last attempt failed, for the buyer: Kassa's words for the codes it knows; else
    Stripe's message, but only for a card error (Stripe writes those for the buyer) and never
    for a decline Stripe says not to explain; else Kassa's general words. Anything else Stripe
    says (a refused or busy request, its own failure) is for the logs and the merchant."""
    if decline_code in UNEXPLAINED_DECLINES:
        return str(FAILURE_MESSAGES["card_declined"])
    known = FAILURE_MESSAGES.get(decline_code or "") or FAILURE_MESSAGES.get(code or "")
    if known is not None:
        return str(known)
    if error_type == "card_error" and message:
        return message
    return str(GENERIC_FAILURE)


def gateway_failure_message(error: GatewayError) -> str:
    """What a buyer page says when a call to Stripe failed (the detail is in the logs)."""
    if error.failure is GatewayFailure.CARD:
        return last_error_message("card_error", error.code, error.decline_code, error.buyer_message)
    if error.failure is GatewayFailure.UNAVAILABLE:
        return str(UNREACHABLE)
    return str(NOT_PREPARED)
