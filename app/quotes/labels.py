"""What the quotes' statuses, modes, intervals and events are called on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.pricing import Interval
from app.quotes.models import AcceptanceMode, PartStatus, PaymentMode, QuoteStatus

STATUS_LABELS: dict[QuoteStatus, LazyString] = {
    QuoteStatus.DRAFT: _l("Draft"),
    QuoteStatus.OPEN: _l("Open"),
    QuoteStatus.AWAITING_COUNTERSIGNATURE: _l("Signed: awaiting countersignature"),
    QuoteStatus.ACCEPTED: _l("Accepted"),
    QuoteStatus.PARTLY_PAID: _l("Partly paid"),
    QuoteStatus.PAID: _l("Paid"),
    QuoteStatus.DECLINED: _l("Declined"),
    QuoteStatus.EXPIRED: _l("Expired"),
    QuoteStatus.CANCELED: _l("Canceled"),
    QuoteStatus.SUPERSEDED: _l("Replaced by a revision"),
}

ACCEPTANCE_LABELS: dict[AcceptanceMode, LazyString] = {
    AcceptanceMode.SIGNATURE: _l("The customer types their full name as a signature"),
    AcceptanceMode.CLICK: _l("The customer accepts with a click"),
}

PAYMENT_MODE_LABELS: dict[PaymentMode, LazyString] = {
    PaymentMode.FULL: _l("In full"),
    PaymentMode.DEPOSIT: _l("A deposit (the rest invoiced)"),
    PaymentMode.SCHEDULE: _l("A payment schedule"),
    PaymentMode.NONE: _l("Nothing: an invoice follows"),
}

INTERVAL_LABELS: dict[Interval, LazyString] = {
    Interval.WEEK: _l("Every week"),
    Interval.MONTH: _l("Every month"),
    Interval.QUARTER: _l("Every quarter"),
    Interval.YEAR: _l("Every year"),
}

EVENT_LABELS: dict[str, LazyString] = {
    "sent": _l("Sent"),
    "revised": _l("Changed: a new revision"),
    "superseded": _l("Replaced by a revision"),
    "duplicated": _l("Made as a copy"),
    "canceled": _l("Canceled"),
    "viewed": _l("Opened by the customer"),
    "signed": _l("Signed by the customer"),
    "accepted": _l("Accepted by the customer"),
    "countersigned": _l("Countersigned"),
    "declined": _l("Declined by the customer"),
    "converted": _l("Converted into an invoice"),
    "part_notified": _l("Notice of a scheduled charge sent"),
    "part_invoiced": _l("A scheduled part invoiced"),
    "part_paid": _l("A scheduled part paid"),
    "part_failed": _l("A scheduled charge failed"),
    "part_refunded": _l("A scheduled part's payment refunded"),
    "part_refund_failed": _l("A refund of a scheduled part's payment failed"),
    "payment_refunded": _l("A payment refunded"),
    "refund_failed": _l("A refund failed"),
    "method_saved": _l("Payment method saved for the later payments"),
    "method_updated": _l("Payment method replaced by the customer"),
    "method_setup_failed": _l("The customer's payment method could not be saved"),
}

PART_STATUS_LABELS: dict[PartStatus, LazyString] = {
    PartStatus.SCHEDULED: _l("Scheduled"),
    PartStatus.NOTIFIED: _l("Notice sent"),
    PartStatus.PROCESSING: _l("Processing"),
    PartStatus.PAID: _l("Paid"),
    PartStatus.FAILED: _l("Failed: waiting for a new payment method"),
    PartStatus.CANCELED: _l("Canceled"),
}
