"""The words reports and exports use for Kassa's codes (methods, document types, periods)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.reports.periods import Granularity

METHOD_NAMES: dict[str, LazyString] = {
    "card": _l("Card"),
    "sepa_debit": _l("SEPA Direct Debit"),
    "us_bank_account": _l("ACH Direct Debit"),
    "bacs_debit": _l("Bacs Direct Debit"),
}

DOCUMENT_NAMES: dict[str, LazyString] = {
    "payment_link": _l("Payment link"),
    "cart": _l("Storefront"),
    "invoice": _l("Invoice"),
}

GRANULARITY_NAMES: dict[Granularity, LazyString] = {
    Granularity.DAY: _l("Daily"),
    Granularity.WEEK: _l("Weekly"),
    Granularity.MONTH: _l("Monthly"),
}


def method_name(code: str) -> str:
    """A method's name; a code Kassa has no words for (or none: not paid yet) as it is."""
    return str(METHOD_NAMES.get(code, code or "—"))


def document_name(code: str) -> str:
    return str(DOCUMENT_NAMES.get(code, code or "—"))
