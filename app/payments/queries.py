"""Which payments a merchant's lists and exports show: the filters they share.

The payments index (its filters, search and paging) uses ``filtered_payments`` too, so an export
holds exactly the payments the index shows for the same filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from app.payments.models import Payment, PaymentStatus


@dataclass(frozen=True)
class PaymentFilters:
    """What the merchant narrowed the payments to; an empty value does not narrow. Dates are
    whole days in UTC, both included."""

    status: PaymentStatus | None = None
    method: str = ""
    currency: str = ""
    document_type: str = ""
    customer_id: int | None = None
    start: date | None = None
    end: date | None = None


def day_begins(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: the bound a created-at range compares with."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def filtered_payments(merchant_id: int, filters: PaymentFilters) -> Select[Any]:
    """The merchant's payments that pass ``filters``, newest first (ties by id)."""
    query = select(Payment).where(Payment.merchant_id == merchant_id)
    if filters.status is not None:
        query = query.where(Payment.status == filters.status)
    if filters.method:
        query = query.where(Payment.method_type == filters.method)
    if filters.currency:
        query = query.where(Payment.currency == filters.currency)
    if filters.document_type:
        query = query.where(Payment.document_type == filters.document_type)
    if filters.customer_id is not None:
        query = query.where(Payment.customer_id == filters.customer_id)
    if filters.start is not None:
        query = query.where(Payment.created_at >= day_begins(filters.start))
    if filters.end is not None:
        query = query.where(Payment.created_at < day_begins(filters.end + timedelta(days=1)))
    return query.order_by(Payment.created_at.desc(), Payment.id.desc())
