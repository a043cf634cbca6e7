"""The merchant's words for each kind of email in the sent-email log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.mail_log.models import SentStatus

KIND_LABELS: dict[str, LazyString] = {
    "receipt": _l("Receipt to the buyer"),
    "receipt_resent": _l("Receipt sent again"),
    "payment_processing": _l("Payment processing notice"),
    "payment_failed": _l("Payment failed notice"),
    "payment_rejected": _l("Payment refused notice"),
    "refund": _l("Refund notice to the buyer"),
    "merchant_payment": _l("New payment notice to owners"),
    "merchant_payment_failed": _l("Failed payment notice to owners"),
    "merchant_payment_rejected": _l("Refused payment notice to owners"),
    "merchant_dispute": _l("Dispute notice to owners"),
}

STATUS_LABELS: dict[SentStatus, LazyString] = {
    SentStatus.SENT: _l("Accepted by the mail server"),
    SentStatus.LOGGED: _l("Written to the log (no mail server set up)"),
}


def kind_label(kind: str) -> str:
    """The label of a kind; the kind itself for one this version does not know."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind
