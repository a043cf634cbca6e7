"""The merchant's words for what happened to a refund they asked for."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.payments.models import Refund, RefundStatus, WebhookOutcome
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


OUTCOME_LABELS = {
    WebhookOutcome.RECEIVED: _l("Not applied yet"),
    WebhookOutcome.APPLIED: _l("Applied"),
    WebhookOutcome.IGNORED: _l("Not needed"),
}


def replay_message(outcome: WebhookOutcome) -> str:
    """The flash after a replay: what handling the event again did."""
    if outcome is WebhookOutcome.APPLIED:
        return gettext("The event was read from Stripe again and applied.")
    return gettext("The event was read from Stripe again; Kassa has nothing to do for it.")
