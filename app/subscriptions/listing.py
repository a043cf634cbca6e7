"""What the merchant's subscription pages read: the list (filters and search from the URL,
pages), its CSV export, and a subscription's page (its periods with their invoices and
payments, and its event log)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.customers.models import Customer, search_fold
from app.extensions import DbSession
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.reports.exports import CsvFormat
from app.subscriptions.models import (
    Subscription,
    SubscriptionEvent,
    SubscriptionPeriod,
    SubscriptionStatus,
)

PAGE_SIZE = 25
SEARCH_MAX = 100


@dataclass(frozen=True)
class SubscriptionFilters:
    """What the list shows, as its URL says: a status, and a term in the customer's name,
    email or company."""

    status: SubscriptionStatus | None = None
    q: str = ""

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> SubscriptionFilters:
        """Lenient: a value that cannot be read is left out (the form says why)."""
        try:
            status = SubscriptionStatus(args.get("status") or "")
        except ValueError:
            status = None
        return cls(status, (args.get("q") or "").strip()[:SEARCH_MAX])

    def query_args(self, **changes: Any) -> dict[str, str]:
        values = {"status": self.status.value if self.status else "", "q": self.q} | changes
        return {name: str(value) for name, value in values.items() if value}


@dataclass(frozen=True)
class Attention:
    """What the dashboard tells the merchant of their subscriptions: how many are active, how
    many past due, and how many of those wait for the customer's new payment method."""

    active: int
    past_due: int
    new_method_needed: int


def attention(session: DbSession, merchant_id: int) -> Attention:
    """The merchant's subscription counts for the dashboard, in one query."""
    status = Subscription.status
    active, past_due, new_method = session.execute(
        select(
            func.count().filter(status == SubscriptionStatus.ACTIVE),
            func.count().filter(status == SubscriptionStatus.PAST_DUE),
            func.count().filter(
                (status == SubscriptionStatus.PAST_DUE) & Subscription.needs_new_method
            ),
        ).where(Subscription.merchant_id == merchant_id)
    ).one()
    return Attention(int(active), int(past_due), int(new_method))


def filtered_subscriptions(merchant_id: int, filters: SubscriptionFilters) -> Select[Any]:
    """The merchant's subscriptions that match ``filters``, newest first (ties by id)."""
    query = (
        select(Subscription)
        .join(Customer, Customer.id == Subscription.customer_id)
        .where(Subscription.merchant_id == merchant_id, Customer.merchant_id == merchant_id)
    )
    if filters.status is not None:
        query = query.where(Subscription.status == filters.status)
    folded = search_fold(filters.q)
    if folded:
        query = query.where(Customer.search_text.contains(folded, autoescape=True))
    return query.order_by(Subscription.created_at.desc(), Subscription.id.desc())


@dataclass(frozen=True)
class SubscriptionPage:
    rows: list[Subscription]
    number: int  # from 1
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def subscription_page(
    session: DbSession, merchant_id: int, filters: SubscriptionFilters, number: int
) -> SubscriptionPage:
    """One page of ``filtered_subscriptions``, with their customers."""
    query = filtered_subscriptions(merchant_id, filters)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    number = min(max(1, number), max(1, -(-total // PAGE_SIZE)))
    rows = session.scalars(
        query.options(joinedload(Subscription.customer))
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    )
    return SubscriptionPage(list(rows), number, total)


# A subscription's page


@dataclass(frozen=True)
class PeriodRow:
    """A period of the subscription with the invoice that billed it and the payment that paid
    it (each the merchant's, when there is one)."""

    period: SubscriptionPeriod
    invoice: Invoice | None
    payment: Payment | None


@dataclass(frozen=True)
class SubscriptionDetail:
    periods: list[PeriodRow]  # newest first
    events: list[SubscriptionEvent]  # newest first


def subscription_detail(session: DbSession, subscription: Subscription) -> SubscriptionDetail:
    merchant_id = subscription.merchant_id
    periods = list(
        session.scalars(
            select(SubscriptionPeriod)
            .where(
                SubscriptionPeriod.merchant_id == merchant_id,
                SubscriptionPeriod.subscription_id == subscription.id,
            )
            .order_by(SubscriptionPeriod.number.desc())
        )
    )
    invoices = _by_id(session, Invoice, merchant_id, {p.invoice_id for p in periods})
    payments = _by_id(session, Payment, merchant_id, {p.payment_id for p in periods})
    events = list(
        session.scalars(
            select(SubscriptionEvent)
            .where(
                SubscriptionEvent.merchant_id == merchant_id,
                SubscriptionEvent.subscription_id == subscription.id,
            )
            .order_by(SubscriptionEvent.id.desc())
        )
    )
    rows = [
        PeriodRow(p, invoices.get(p.invoice_id or 0), payments.get(p.payment_id or 0))
        for p in periods
    ]
    return SubscriptionDetail(rows, events)


def _by_id(
    session: DbSession, model: Any, merchant_id: int, ids: set[int | None]
) -> dict[int, Any]:
    wanted = [one for one in ids if one is not None]
    if not wanted:
        return {}
    rows = session.scalars(
        select(model).where(model.merchant_id == merchant_id, model.id.in_(wanted))
    )
    return {row.id: row for row in rows}


# The export

EXPORT_HEADER = [
    "id", "status", "customer", "email", "currency", "amount", "interval", "interval_count",
    "next_charge_on", "method", "started_at", "canceled_at", "cancel_at_period_end",
]  # fmt: skip


def export_rows(
    session: DbSession, merchant_id: int, filters: SubscriptionFilters, fmt: CsvFormat
) -> Iterator[list[str]]:
    """The filtered subscriptions as the export's rows (amounts in the merchant's CSV format),
    read in batches so memory stays flat (``reports.exports.csv_chunks`` writes them)."""
    query = filtered_subscriptions(merchant_id, filters).options(joinedload(Subscription.customer))
    for subscription in session.scalars(query.execution_options(yield_per=500)):
        customer = subscription.customer
        yield [
            str(subscription.id), subscription.status.value, customer.name, customer.email,
            subscription.currency, fmt.amount(subscription.period_amount, subscription.currency),
            subscription.interval, str(subscription.interval_count),
            _iso(subscription.next_charge_on), subscription.payment_method_type,
            _iso(subscription.started_at), _iso(subscription.canceled_at),
            "yes" if subscription.cancel_at_period_end else "no",
        ]  # fmt: skip


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""
