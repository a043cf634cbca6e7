"""The merchant's words for what happened to a refund they asked for."""

from __future__ import annotations

from flask_babel import gettext

from app.payments.models import Refund, RefundStatus
from app.web.i18n import money


def refund_message(refund: Refund) -> str:
    """The flash after the refund form: what Stripe did with it (formatted now: it names an
    amount)."""
    shown = money(refund.money)
    if refund.status is RefundStatus.FAILED:
        return gettext(
            "Stripe refused the refund of %(amount)s (%(reason)s). Nothing was refunded.",
            amount=shown, reason=refund.failure_reason or "",
        )  # fmt: skip
    if refund.status is RefundStatus.SUCCEEDED:
        return gettext("%(amount)s refunded.", amount=shown)
    return gettext("Refund of %(amount)s requested: Stripe is processing it.", amount=shown)
