"""What the invoices' statuses, terms and manual payment methods are called on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.invoices.models import ManualMethod, PaymentTerms
from app.invoices.service import SHOWN_STATUS_LABELS, ShownStatus

TERMS_LABELS: dict[PaymentTerms, LazyString] = {
    PaymentTerms.DUE_ON_RECEIPT: _l("Due on receipt"),
    PaymentTerms.NET_7: _l("Net 7 days"),
    PaymentTerms.NET_14: _l("Net 14 days"),
    PaymentTerms.NET_30: _l("Net 30 days"),
    PaymentTerms.NET_60: _l("Net 60 days"),
    PaymentTerms.CUSTOM: _l("On a chosen date"),
}

MANUAL_METHOD_LABELS: dict[ManualMethod, LazyString] = {
    ManualMethod.BANK_TRANSFER: _l("Bank transfer"),
    ManualMethod.CASH: _l("Cash"),
    ManualMethod.CHEQUE: _l("Cheque"),
    ManualMethod.OTHER: _l("Other"),
}

EVENT_LABELS: dict[str, LazyString] = {
    "finalized": _l("Finalized"),
    "revised": _l("Changed: a new revision"),
    "voided": _l("Voided"),
    "marked_uncollectible": _l("Marked uncollectible"),
    "manual_payment": _l("Payment recorded"),
    "sent": _l("Sent"),
    "viewed": _l("Opened by the customer"),
    "payment_processing": _l("Bank debit started: clearing"),
    "paid_in_part": _l("Paid in part by the customer"),
    "paid": _l("Paid in full"),
    "payment_failed": _l("Bank debit failed: the amount is due again"),
    "payment_refunded": _l("Payment refunded: the amount is due again"),
    "refund_failed": _l("Refund failed: the amount counts as paid again"),
}

__all__ = [
    "EVENT_LABELS",
    "MANUAL_METHOD_LABELS",
    "SHOWN_STATUS_LABELS",
    "TERMS_LABELS",
    "ShownStatus",
]
