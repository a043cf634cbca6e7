"""Revenue reports: what a merchant's payments brought in over a range of days, by period, per
currency (never added across currencies), split by method and by document type.

Which payments count: those Stripe took the money of (succeeded, partially or wholly refunded,
disputed), refused ones included, since their money moved and went back. A payment counts on
the UTC day it was created; a bank debit still clearing counts once it has cleared. Its fee
counts in its currency's net only when Stripe settled it in that currency; a fee Stripe took in
another currency is listed apart (``fees_elsewhere``), never converted. Disputes take what
the buyer disputed: the amount not already refunded.

The database adds up each day's payments (one grouped query); days are gathered into weeks or
months here, so one query serves every granularity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import case, func

from app.core.money import Money
from app.extensions import DbSession
from app.payments.models import Payment, PaymentStatus
from app.payments.queries import PaymentFilters, filtered_payments
from app.payments.service import PAID
from app.reports.periods import Granularity, period_start, periods
from app.reports.sql import utc_day
from app.reports.subscriptions import SubscriptionFigures, subscription_figures

COUNTED = sorted(PAID)
Key = TypeVar("Key", date, str)


@dataclass(frozen=True)
class Figures:
    """Sums in minor units of ``currency``."""

    currency: str
    gross: int = 0
    fees: int = 0
    refunds: int = 0
    disputes: int = 0
    count: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.fees - self.refunds - self.disputes

    def __add__(self, other: Figures) -> Figures:
        assert other.currency == self.currency, "never add across currencies"
        return Figures(
            self.currency,
            self.gross + other.gross,
            self.fees + other.fees,
            self.refunds + other.refunds,
            self.disputes + other.disputes,
            self.count + other.count,
        )

    def money(self, name: str) -> Money:
        """One figure (``gross``, ``fees``, ``refunds``, ``disputes``, ``net``) as Money."""
        return Money(getattr(self, name), self.currency)


FIGURE_NAMES = ("gross", "fees", "refunds", "disputes", "net")


@dataclass(frozen=True)
class CurrencyRevenue:
    currency: str
    periods: list[tuple[date, Figures]]  # every period of the range, empty ones too
    total: Figures
    by_method: list[tuple[str, Figures]]
    by_document: list[tuple[str, Figures]]
    fees_elsewhere: list[Money] = field(default_factory=list)


@dataclass(frozen=True)
class Availability:
    """Charges whose net Stripe expects in the available balance on one day."""

    available_on: date
    net: Money
    count: int


@dataclass(frozen=True)
class RevenueReport:
    granularity: Granularity
    first: date
    last: date
    currencies: list[CurrencyRevenue]
    availability: list[Availability]
    subscriptions: list[SubscriptionFigures] | None  # None: nothing provides them yet


def _counted(merchant_id: int, first: date, last: date) -> Any:
    return filtered_payments(merchant_id, PaymentFilters(start=first, end=last)).where(
        Payment.status.in_(COUNTED)
    )


def _daily_rows(session: DbSession, merchant_id: int, first: date, last: date) -> Iterable[Any]:
    day = utc_day(Payment.created_at)
    own_fee = case((Payment.settlement_currency.is_(None), func.coalesce(Payment.fee, 0)), else_=0)
    disputed = case(
        (Payment.status == PaymentStatus.DISPUTED, Payment.amount - Payment.amount_refunded),
        else_=0,
    )
    query = (
        _counted(merchant_id, first, last)
        .with_only_columns(
            day,
            Payment.currency,
            Payment.method_type,
            Payment.document_type,
            func.count(),
            func.sum(Payment.amount),
            func.sum(own_fee),
            func.sum(Payment.amount_refunded),
            func.sum(disputed),
        )
        .group_by(day, Payment.currency, Payment.method_type, Payment.document_type)
        .order_by(None)
    )
    return session.execute(query)


def _fees_elsewhere(
    session: DbSession, merchant_id: int, first: date, last: date
) -> dict[str, list[Money]]:
    query = (
        _counted(merchant_id, first, last)
        .where(Payment.settlement_currency.is_not(None), Payment.fee.is_not(None))
        .with_only_columns(Payment.currency, Payment.settlement_currency, func.sum(Payment.fee))
        .group_by(Payment.currency, Payment.settlement_currency)
        .order_by(None)
    )
    found: dict[str, list[Money]] = defaultdict(list)
    for currency, settled_in, fees in session.execute(query):
        found[currency].append(Money(int(fees), settled_in))
    return found


def _availability(
    session: DbSession, merchant_id: int, first: date, last: date
) -> list[Availability]:
    settled_in = func.coalesce(Payment.settlement_currency, Payment.currency)
    query = (
        _counted(merchant_id, first, last)
        .where(Payment.available_on.is_not(None), Payment.net.is_not(None))
        .with_only_columns(Payment.available_on, settled_in, func.sum(Payment.net), func.count())
        .group_by(Payment.available_on, settled_in)
        .order_by(None)
    )
    rows = [
        Availability(day, Money(int(net), currency), int(count))
        for day, currency, net, count in session.execute(query)
    ]
    return sorted(rows, key=lambda row: (row.available_on, row.net.currency))


def _sorted_split(totals: dict[str, Figures]) -> list[tuple[str, Figures]]:
    """Largest gross first; equal ones by code, so the order is stable."""
    return sorted(totals.items(), key=lambda item: (-item[1].gross, item[0]))


def _add(table: dict[Key, Figures], key: Key, figures: Figures) -> None:
    table[key] = table[key] + figures if key in table else figures


def revenue_report(
    session: DbSession, merchant_id: int, first: date, last: date, granularity: Granularity
) -> RevenueReport:
    """The merchant's revenue from ``first`` to ``last`` (UTC days, both included)."""
    starts = periods(first, last, granularity)
    by_period: dict[str, dict[date, Figures]] = defaultdict(dict)
    by_method: dict[str, dict[str, Figures]] = defaultdict(dict)
    by_document: dict[str, dict[str, Figures]] = defaultdict(dict)
    for day, currency, method, document, count, gross, fees, refunds, disputes in _daily_rows(
        session, merchant_id, first, last
    ):
        figures = Figures(currency, int(gross), int(fees), int(refunds), int(disputes), count)
        _add(by_period[currency], period_start(day, granularity), figures)
        _add(by_method[currency], method, figures)
        _add(by_document[currency], document, figures)
    elsewhere = _fees_elsewhere(session, merchant_id, first, last)
    currencies = []
    for currency in sorted(by_period):
        empty = Figures(currency)
        rows = [(start, by_period[currency].get(start, empty)) for start in starts]
        total = empty
        for _start, figures in rows:
            total = total + figures
        currencies.append(
            CurrencyRevenue(
                currency,
                rows,
                total,
                _sorted_split(by_method[currency]),
                _sorted_split(by_document[currency]),
                elsewhere.get(currency, []),
            )
        )
    return RevenueReport(
        granularity,
        first,
        last,
        currencies,
        _availability(session, merchant_id, first, last),
        subscription_figures(session, merchant_id, first, last),
    )
