"""The merchant's words for a subscription's and a period's status and its events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.subscriptions.models import PeriodStatus, SubscriptionStatus

STATUS_LABELS: dict[str, LazyString] = {
    SubscriptionStatus.SCHEDULED.value: _l("Scheduled"),
    SubscriptionStatus.ACTIVE.value: _l("Active"),
    SubscriptionStatus.PAST_DUE.value: _l("Past due"),
    SubscriptionStatus.PAUSED.value: _l("Paused"),
    SubscriptionStatus.CANCELED.value: _l("Canceled"),
    SubscriptionStatus.EXPIRED.value: _l("Expired"),
}

PERIOD_LABELS: dict[str, LazyString] = {
    PeriodStatus.SCHEDULED.value: _l("Scheduled"),
    PeriodStatus.NOTIFIED.value: _l("Notice sent"),
    PeriodStatus.PROCESSING.value: _l("Processing"),
    PeriodStatus.PAID.value: _l("Paid"),
    PeriodStatus.FAILED.value: _l("Failed"),
    PeriodStatus.UNCOLLECTIBLE.value: _l("Uncollectible"),
    PeriodStatus.SKIPPED.value: _l("Skipped"),
}

EVENT_LABELS: dict[str, LazyString] = {
    "started": _l("Started"),
    "scheduled": _l("Scheduled to start"),
    "from_quote": _l("Started by a quote"),
    "notified": _l("Notice of the next charge sent"),
    "invoiced": _l("Invoiced"),
    "paid": _l("Paid"),
    "payment_failed": _l("Payment failed"),
    "past_due": _l("Past due"),
    "left_past_due": _l("No longer past due"),
    "method_updated": _l("Payment method updated"),
    "billing_address_updated": _l("Billing address changed"),
    "paused": _l("Paused"),
    "resumed": _l("Resumed"),
    "cancel_scheduled": _l("Set to cancel at the end of the period"),
    "cancel_undone": _l("Cancellation at period end undone"),
    "canceled": _l("Canceled"),
    "expired": _l("Expired"),
}


def event_label(kind: str) -> str:
    """An event's label; the kind itself for one this version does not know."""
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind
