"""Revenue reports: what a merchant's payments brought in over a range of days, by period, per
currency (never added across currencies), split by method and by document type.

Which payments count: those Stripe took the money of (succeeded, partially or wholly refunded,
disputed), refused ones included, since their money moved and went back. A payment counts on
the UTC day it was created; a bank debit still clearing counts once it has cleared. Its fee
counts in its currency's net only when Stripe settled it in that currency; a fee Stripe took in
another currency is listed apart (``fees_elsewhere``), never converted. Disputes take what
the buyer disputed: the amount not already refunded.

The sums come from the daily totals (``payments.totals``: kept per day, currency, method,
document type and settlement currency as payments are recorded), so a year is a few thousand
rows, not every payment. The database adds them up per day and currency (days are gathered
into weeks or months here, so one query serves every granularity), and per method and per
document type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select

from app.core.money import Money
from app.extensions import DbSession
from app.payments.models import DailyAvailability, DailyTotal
from app.payments.service import PAID
from app.reports.periods import Granularity, period_start, periods
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


def _in_range(model: Any, merchant_id: int, first: date, last: date) -> list[Any]:
    """The merchant's rows of a daily totals table for the range; rows a payment moved out of
    (no payments left) are empty and left out."""
    return [
        model.merchant_id == merchant_id,
        model.day >= first,
        model.day <= last,
        model.payments != 0,
    ]


def sums_query(merchant_id: int, first: date, last: date, *keys: Any) -> Select[*tuple[Any, ...]]:
    """The range's sums per ``keys`` (columns of ``DailyTotal``): count, gross, own fees,
    refunds and disputes after the keys."""
    own_fee = case((DailyTotal.settled_in == DailyTotal.currency, DailyTotal.fee), else_=0)
    return (
        select(
            *keys,
            func.sum(DailyTotal.payments),
            func.sum(DailyTotal.gross),
            func.sum(own_fee),
            func.sum(DailyTotal.refunded),
            func.sum(DailyTotal.disputed),
        )
        .where(*_in_range(DailyTotal, merchant_id, first, last))
        .group_by(*keys)
    )


def _sums(
    session: DbSession, merchant_id: int, first: date, last: date, key: Any
) -> Iterator[tuple[Any, Figures]]:
    """(key, figures) of the range per currency and ``key``."""
    query = sums_query(merchant_id, first, last, DailyTotal.currency, key)
    for currency, value, count, gross, fees, refunds, disputes in session.execute(query):
        yield (
            value,
            Figures(currency, int(gross), int(fees), int(refunds), int(disputes), int(count)),
        )


def _fees_elsewhere(
    session: DbSession, merchant_id: int, first: date, last: date
) -> dict[str, list[Money]]:
    query = (
        select(DailyTotal.currency, DailyTotal.settled_in, func.sum(DailyTotal.fee))
        .where(
            *_in_range(DailyTotal, merchant_id, first, last),
            DailyTotal.settled_in != DailyTotal.currency,
        )
        .group_by(DailyTotal.currency, DailyTotal.settled_in)
    )
    found: dict[str, list[Money]] = defaultdict(list)
    for currency, settled_in, fees in session.execute(query):
        found[currency].append(Money(int(fees), settled_in))
    return found


def _availability(
    session: DbSession, merchant_id: int, first: date, last: date
) -> list[Availability]:
    query = (
        select(
            DailyAvailability.available_on,
            DailyAvailability.settled_in,
            func.sum(DailyAvailability.net),
            func.sum(DailyAvailability.payments),
        )
        .where(*_in_range(DailyAvailability, merchant_id, first, last))
        .group_by(DailyAvailability.available_on, DailyAvailability.settled_in)
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
    for day, figures in _sums(session, merchant_id, first, last, DailyTotal.day):
        _add(by_period[figures.currency], period_start(day, granularity), figures)
    for method, figures in _sums(session, merchant_id, first, last, DailyTotal.method_type):
        _add(by_method[figures.currency], method, figures)
    for document, figures in _sums(session, merchant_id, first, last, DailyTotal.document_type):
        _add(by_document[figures.currency], document, figures)
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
