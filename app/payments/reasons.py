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
