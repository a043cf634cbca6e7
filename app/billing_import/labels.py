"""The import page's words for its codes: each result's outcome and how often it bills."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.billing_import.eligibility import KASSA_INTERVALS
from app.billing_import.models import BillingImportResult, Outcome
from app.storefront.labels import every

OUTCOME_NAMES: dict[Outcome, LazyString] = {
    Outcome.ELIGIBLE: _l("Can move"),
    Outcome.REFUSED: _l("Cannot move"),
    Outcome.MOVED: _l("Moved"),
    Outcome.ALREADY_MOVED: _l("Already moved"),
    Outcome.FAILED: _l("Failed"),
}


def interval_text(result: BillingImportResult) -> str:
    """ "every month"; Stripe's daily billing (which Kassa does not do) as nothing."""
    if result.interval not in KASSA_INTERVALS:
        return ""
    return every(result.interval, result.interval_count)
