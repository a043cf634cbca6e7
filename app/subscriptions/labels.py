"""The merchant's words for a subscription's and a period's status and its events."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
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
    "contact_updated": _l("Contact changed"),
    "lines_changed": _l("Lines changed"),
    "change_invoiced": _l("Change of lines invoiced"),
    "change_charged": _l("Change of lines charged"),
    "change_charge_failed": _l("Charging the change of lines failed"),
    "next_charge_moved": _l("Next charge moved"),
    "method_requested": _l("Customer asked for a new payment method"),
    "paused": _l("Paused"),
    "resumed": _l("Resumed"),
    "cancel_scheduled": _l("Set to cancel at the end of the period"),
    "cancel_undone": _l("Cancellation at period end undone"),
    "canceled": _l("Canceled"),
    "expired": _l("Expired"),
}


# Why Kassa itself canceled a subscription (a merchant's or customer's reason is their own text).
UNPAID = "unpaid"
CUSTOMER_ERASED = "customer_erased"
CANCEL_REASON_LABELS: dict[str, LazyString] = {
    UNPAID: _l("unpaid after the last try"),
    CUSTOMER_ERASED: _l("the customer's personal data was erased"),
}


def cancel_reason_label(reason: str) -> str:
    """A cancellation's reason as the merchant reads it: Kassa's own in words, else as given."""
    label = CANCEL_REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


def event_label(kind: str) -> str:
    """An event's label; the kind itself for one this version does not know."""
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind


def _lines_text(lines: list[dict[str, Any]]) -> str:
    return ", ".join(
        _("%(line)s, quantity %(n)d", line=line["description"], n=int(line["quantity"]))
        for line in lines
    )


def event_summary(kind: str, detail: dict[str, Any]) -> str:
    """What an edit changed, from what to what (empty for other events)."""
    if kind == "lines_changed":
        before, after = _lines_text(detail["before"]), _lines_text(detail["after"])
        if detail.get("prorated"):
            return _("%(before)s to %(after)s, prorated", before=before, after=after)
        return _("%(before)s to %(after)s, from the next period", before=before, after=after)
    if kind == "next_charge_moved" and detail.get("before"):
        return _(
            "%(before)s to %(after)s",
            before=format_date(date.fromisoformat(detail["before"])),
            after=format_date(date.fromisoformat(detail["after"])),
        )
    if kind in ("change_invoiced", "change_charged", "change_charge_failed"):
        return str(detail.get("invoice") or "")
    return ""
