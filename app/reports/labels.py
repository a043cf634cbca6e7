"""The words reports and exports use for Kassa's codes (document types, periods); methods
are named by ``app.settings.labels.method_name``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.payments.models import IMPORTED_DOCUMENT, PaymentStatus
from app.reports.models import ExportKind, ExportStatus
from app.reports.periods import Granularity

DOCUMENT_NAMES: dict[str, LazyString] = {
    "payment_link": _l("Payment link"),
    "cart": _l("Storefront"),
    "invoice": _l("Invoice"),
    IMPORTED_DOCUMENT: _l("Imported from Stripe"),
}

# The statuses whose money Stripe took: the only payments exports and reports count.
PAYMENT_STATUS_NAMES: dict[str, LazyString] = {
    PaymentStatus.SUCCEEDED.value: _l("Succeeded"),
    PaymentStatus.PARTIALLY_REFUNDED.value: _l("Partially refunded"),
    PaymentStatus.REFUNDED.value: _l("Refunded"),
    PaymentStatus.DISPUTED.value: _l("Disputed"),
}

GRANULARITY_NAMES: dict[Granularity, LazyString] = {
    Granularity.DAY: _l("Daily"),
    Granularity.WEEK: _l("Weekly"),
    Granularity.MONTH: _l("Monthly"),
}


def document_name(code: str) -> str:
    return str(DOCUMENT_NAMES.get(code, code or "—"))


EXPORT_NAMES: dict[str, LazyString] = {
    ExportKind.PAYMENTS.value: _l("Payments"),
    ExportKind.INVOICES.value: _l("Invoices"),
    ExportKind.CUSTOMERS.value: _l("Customers"),
}

EXPORT_STATUS_NAMES: dict[str, LazyString] = {
    ExportStatus.QUEUED.value: _l("Waiting"),
    ExportStatus.RUNNING.value: _l("Writing"),
    ExportStatus.DONE.value: _l("Ready"),
    ExportStatus.FAILED.value: _l("Failed"),
    ExportStatus.EXPIRED.value: _l("Expired"),
}
