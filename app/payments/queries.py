"""The payments index: filters read from the URL, search, sort, keyset pages, and the totals of
the filtered set per currency.

``filtered_payments`` is the one query of "the merchant's payments that match these filters";
the panel's pages take keyset pages of it and exports stream it whole. Only payments a buyer
attempted are in it: a checkout opened and left makes a pending intent, not a payment.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, tuple_

from app.core.money import Money, is_currency
from app.core.numbers import whole_number
from app.customers.models import Customer, search_fold
from app.extensions import DbSession
from app.mail_log.models import SentEmail
from app.mail_log.service import sent_about_payment
from app.payments.disputes import payment_disputes
from app.payments.models import (
    DailyTotal,
    Dispute,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    WebhookEvent,
)
from app.payments.refunds import refunds_of
from app.payments.service import PAID
from app.processors.connection import current_connection, payment_dashboard_url

PAGE_SIZE = 50
# Earlier dates are refused by the filter form: no payment of Kassa's is older.
EARLIEST_DATE = date(2000, 1, 1)
SEARCH_MAX = 100


class Sort(enum.StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    LARGEST = "largest"
    SMALLEST = "smallest"


# Stripe's ids a merchant may paste: the PaymentIntent's, or its charge's (card or bank debit).
_STRIPE_ID = re.compile(r"(pi|ch|py)_[A-Za-z0-9]+")
_LAST_FOUR = re.compile(r"[0-9]{4}")
_CURSOR = re.compile(r"(-?[0-9]{1,20})\.([0-9]{1,19})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A buyer tried to pay: the intent moved past waiting for a method, or one was given (a 3-D
# Secure challenge left open). An intent still waiting, or canceled without one, was abandoned.
ATTEMPTED: ColumnElement[bool] = or_(
    Payment.status.not_in((PaymentStatus.PENDING, PaymentStatus.CANCELED)),
    Payment.method_type != "",
)


@dataclass(frozen=True)
class PaymentFilters:
    """What the index shows, as its URL says (``from_query``, ``query_args``): every field
    optional, the newest first."""

    status: PaymentStatus | None = None
    method: str | None = None
    currency: str | None = None
    start: date | None = None  # from this day on (UTC)
    end: date | None = None  # up to and including this day (UTC)
    document: str | None = None  # Payment.document_type
    customer: int | None = None  # Customer.id
    q: str = ""
    sort: Sort = Sort.NEWEST

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> PaymentFilters:
        """The filters of a query string. Lenient: a value that cannot be read is left out (the
        panel's form says why before it gets here)."""
        return cls(
            status=_member(PaymentStatus, args.get("status")),
            method=_word(args.get("method")),
            currency=_currency(args.get("currency")),
            start=_day(args.get("start")),
            end=_day(args.get("end")),
            document=_word(args.get("document")),
            customer=whole_number(args.get("customer")),
            q=(args.get("q") or "").strip()[:SEARCH_MAX],
            sort=_member(Sort, args.get("sort")) or Sort.NEWEST,
        )

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The URL's query of these filters (with ``changes``), defaults left out."""
        values = {item.name: getattr(self, item.name) for item in fields(self)} | changes
        defaults = PaymentFilters()
        return {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in values.items()
            if value not in (None, "") and value != getattr(defaults, name, None)
        }

    @property
    def narrowed(self) -> bool:
        """Whether anything but the order was chosen."""
        return any(self.query_args(sort=Sort.NEWEST).values())


def _member(kind: type[enum.StrEnum], value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _word(value: str | None) -> str | None:
    return value if value and value.replace("_", "").isalnum() and len(value) <= 32 else None


def _currency(value: str | None) -> str | None:
    return value if value and is_currency(value) else None


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and day >= EARLIEST_DATE else None


def day_begins(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: the bound a created-at range compares with."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _search(term: str) -> ColumnElement[bool] | None:
    """A Stripe id is found exactly, four digits as the method's last four (or in a document
    number), anything else inside the buyer's email or name or the document number."""
    term = term.strip()
    if not term:
        return None
    if _STRIPE_ID.fullmatch(term):
        return or_(Payment.intent_id == term, Payment.latest_charge_id == term)
    inside = Payment.search_text.contains(search_fold(term), autoescape=True)
    if _LAST_FOUR.fullmatch(term):
        return or_(Payment.last4 == term, inside)
    return inside


def _conditions(merchant_id: int, filters: PaymentFilters) -> list[ColumnElement[bool]]:
    conditions = [Payment.merchant_id == merchant_id, ATTEMPTED]
    if filters.status is not None:
        conditions.append(Payment.status == filters.status)
    if filters.method:
        conditions.append(Payment.method_type == filters.method)
    if filters.currency:
        conditions.append(Payment.currency == filters.currency)
    if filters.start:
        conditions.append(Payment.created_at >= day_begins(filters.start))
    if filters.end:
        conditions.append(Payment.created_at < day_begins(filters.end + timedelta(days=1)))
    if filters.document:
        conditions.append(Payment.document_type == filters.document)
    if filters.customer is not None:
        conditions.append(Payment.customer_id == filters.customer)
    found = _search(filters.q)
    if found is not None:
        conditions.append(found)
    return conditions


def _sort_column(sort: Sort) -> Any:
    return Payment.created_at if sort in (Sort.NEWEST, Sort.OLDEST) else Payment.amount


def _descending(sort: Sort) -> bool:
    return sort in (Sort.NEWEST, Sort.LARGEST)


def _order(sort: Sort, *, descending: bool) -> tuple[Any, Any]:
    column = _sort_column(sort)
    return (column.desc(), Payment.id.desc()) if descending else (column.asc(), Payment.id.asc())


def filtered_payments(merchant_id: int, filters: PaymentFilters) -> Select[Any]:
    """The merchant's payments a buyer attempted that match ``filters``, in their order (ties
    by id, so every order is total and a keyset page is exact). Exports stream it."""
    query = select(Payment).where(*_conditions(merchant_id, filters))
    return query.order_by(*_order(filters.sort, descending=_descending(filters.sort)))


# Keyset pages


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: the sort key (microseconds since 1970 for a date, minor units for
    an amount) and the id of the row next to it. Written in the URL as ``<key>.<id>``."""

    key: int
    id: int

    def __str__(self) -> str:
        return f"{self.key}.{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """None for anything that is not a cursor: the first page, never an error."""
        matched = _CURSOR.fullmatch(text or "")
        return cls(int(matched.group(1)), int(matched.group(2))) if matched else None

    @classmethod
    def of(cls, payment: Payment, sort: Sort) -> Cursor:
        if sort in (Sort.NEWEST, Sort.OLDEST):
            moment = payment.created_at
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return cls((moment - _EPOCH) // timedelta(microseconds=1), payment.id)
        return cls(payment.amount, payment.id)

    def value(self, sort: Sort) -> Any:
        if sort in (Sort.NEWEST, Sort.OLDEST):
            return _EPOCH + timedelta(microseconds=self.key)
        return self.key


@dataclass(frozen=True)
class PaymentPage:
    rows: list[Payment]
    next: Cursor | None  # the ``after`` of the following page
    previous: Cursor | None  # the ``before`` of the page before; None on the first page


def page_of(
    session: DbSession,
    merchant_id: int,
    filters: PaymentFilters,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> PaymentPage:
    """One page of ``filtered_payments``: the rows after ``after`` in its order, or the rows
    just before ``before``. One row more than the page is read to know whether more follow."""
    column = _sort_column(filters.sort)
    forward = before is None
    descending = _descending(filters.sort) == forward
    query = select(Payment).where(*_conditions(merchant_id, filters))
    cursor = after if forward else before
    if cursor is not None:
        key = tuple_(column, Payment.id)
        mark = tuple_(cursor.value(filters.sort), cursor.id)
        query = query.where(key < mark if descending else key > mark)
    rows = list(
        session.scalars(
            query.order_by(*_order(filters.sort, descending=descending)).limit(size + 1)
        )
    )
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return PaymentPage([], None, None)
    first, last = Cursor.of(rows[0], filters.sort), Cursor.of(rows[-1], filters.sort)
    if forward:
        return PaymentPage(rows, last if more else None, first if after is not None else None)
    return PaymentPage(rows, last, first if more else None)


# Totals


@dataclass(frozen=True)
class CurrencyTotals:
    """What the filtered payments brought in, in one currency. Gross and refunds are of the
    payments charged in it; fees and net of those Stripe settled in it (net less the refunds
    of those charged in it too)."""

    currency: str
    count: int
    gross: Money
    refunds: Money
    fees: Money
    net: Money


@dataclass(frozen=True)
class Totals:
    by_currency: list[CurrencyTotals]
    # Payments settled in another currency than they were charged in and refunded: their
    # refunds are not taken from the settlement currency's net (Kassa knows no rate for them).
    converted_refunds: int


def totals_by_currency(session: DbSession, merchant_id: int, filters: PaymentFilters) -> Totals:
    """The totals of the payments that took money (succeeded, refunded or disputed) among the
    filtered ones, one row per currency; amounts of two currencies are never added.

    With no filter but dates they are the daily totals' (``totals.py``: a few rows a day
    instead of every payment); otherwise the matching payments are summed."""
    if not filters.query_args(sort=Sort.NEWEST, start=None, end=None):
        return _daily_totals(session, merchant_id, filters.start, filters.end)
    return summed_totals(session, merchant_id, filters)


def summed_totals(session: DbSession, merchant_id: int, filters: PaymentFilters) -> Totals:
    """``totals_by_currency`` summed from the matching payments themselves."""
    conditions = [*_conditions(merchant_id, filters), Payment.status.in_(PAID)]
    settled = func.coalesce(Payment.settlement_currency, Payment.currency)
    same = Payment.settlement_currency.is_(None)
    charged = session.execute(
        select(
            Payment.currency,
            func.count(),
            func.sum(Payment.amount),
            func.sum(Payment.amount_refunded),
            func.sum(case((same, Payment.amount_refunded), else_=0)),
            func.sum(case((and_(~same, Payment.amount_refunded > 0), 1), else_=0)),
        )
        .where(*conditions)
        .group_by(Payment.currency)
    ).all()
    booked = session.execute(
        select(settled, func.sum(Payment.fee), func.sum(Payment.net))
        .where(*conditions)
        .group_by(settled)
    ).all()
    fees = {currency: (int(fee or 0), int(net or 0)) for currency, fee, net in booked}
    refunds_in_place = {row[0]: int(row[4] or 0) for row in charged}
    counts = {row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in charged}
    rows = []
    for currency in sorted(counts.keys() | fees.keys()):
        count, gross, refunded = counts.get(currency, (0, 0, 0))
        fee, net = fees.get(currency, (0, 0))
        rows.append(
            CurrencyTotals(
                currency,
                count,
                Money(gross, currency),
                Money(refunded, currency),
                Money(fee, currency),
                Money(net - refunds_in_place.get(currency, 0), currency),
            )
        )
    return Totals(rows, sum(int(row[5] or 0) for row in charged))


def _daily_totals(
    session: DbSession, merchant_id: int, start: date | None, end: date | None
) -> Totals:
    """``summed_totals`` of the payments created from ``start`` to ``end`` (UTC days, either
    open), read from the daily totals: the same figures, as the payments' days are the
    rows' days. Only how many converted payments were refunded is not kept there: it is
    counted from the payments, and only when the totals show such a refund."""
    in_range = [DailyTotal.merchant_id == merchant_id]
    if start is not None:
        in_range.append(DailyTotal.day >= start)
    if end is not None:
        in_range.append(DailyTotal.day <= end)
    groups = session.execute(
        select(
            DailyTotal.currency,
            DailyTotal.settled_in,
            func.sum(DailyTotal.payments),
            func.sum(DailyTotal.gross),
            func.sum(DailyTotal.refunded),
            func.sum(DailyTotal.fee),
            func.sum(DailyTotal.net),
        )
        .where(*in_range)
        .group_by(DailyTotal.currency, DailyTotal.settled_in)
        .having(func.sum(DailyTotal.payments) > 0)
    ).all()
    charged: dict[str, list[int]] = {}  # count, gross, refunded, refunded where it settled
    booked: dict[str, list[int]] = {}  # fee, net
    converted_refunds = False
    for currency, settled_in, count, gross, refunded, fee, net in groups:
        sums = charged.setdefault(currency, [0, 0, 0, 0])
        sums[0] += int(count)
        sums[1] += int(gross or 0)
        sums[2] += int(refunded or 0)
        in_place = settled_in == currency
        sums[3] += int(refunded or 0) if in_place else 0
        converted_refunds = converted_refunds or (not in_place and bool(refunded))
        settled = booked.setdefault(settled_in, [0, 0])
        settled[0] += int(fee or 0)
        settled[1] += int(net or 0)
    rows = []
    for currency in sorted(charged.keys() | booked.keys()):
        count, gross, refunded, refunded_in_place = charged.get(currency, [0, 0, 0, 0])
        fee, net = booked.get(currency, [0, 0])
        rows.append(
            CurrencyTotals(
                currency,
                count,
                Money(gross, currency),
                Money(refunded, currency),
                Money(fee, currency),
                Money(net - refunded_in_place, currency),
            )
        )
    return Totals(
        rows, _converted_refunds(session, merchant_id, start, end) if converted_refunds else 0
    )


def _converted_refunds(
    session: DbSession, merchant_id: int, start: date | None, end: date | None
) -> int:
    """How many paid payments settled in another currency were refunded, in the range."""
    filters = PaymentFilters(start=start, end=end)
    return int(
        session.scalar(
            select(func.count()).where(
                *_conditions(merchant_id, filters),
                Payment.status.in_(PAID),
                Payment.settlement_currency.is_not(None),
                Payment.amount_refunded > 0,
            )
        )
        or 0
    )


# The index page


@dataclass(frozen=True)
class PaymentIndex:
    """What the index page shows for one URL."""

    filters: PaymentFilters
    page: PaymentPage
    customer: Customer | None  # the customer filtered on, when they are the merchant's


def payment_index(session: DbSession, merchant_id: int, args: Mapping[str, str]) -> PaymentIndex:
    """The page of the index its query string asks for (``after`` or ``before`` a cursor).

    Without its totals: filtered, they read every matching payment (seconds at a million), so
    the page fetches them on their own (``totals_by_currency``) and shows its rows at once."""
    filters = PaymentFilters.from_query(args)
    page = page_of(
        session,
        merchant_id,
        filters,
        after=Cursor.parse(args.get("after")),
        before=Cursor.parse(args.get("before")),
    )
    customer = None
    if filters.customer is not None:
        customer = session.scalar(
            select(Customer).where(
                Customer.merchant_id == merchant_id, Customer.id == filters.customer
            )
        )
    return PaymentIndex(filters, page, customer)


# A payment's page


@dataclass(frozen=True)
class PaymentDetail:
    """What a payment's page shows besides the payment itself."""

    events: list[PaymentEvent]
    refunds: list[Refund]
    webhooks: list[WebhookEvent]
    dashboard_url: str | None  # the payment in Stripe's dashboard, while Stripe is connected
    disputes: list[Dispute]
    emails: list[SentEmail]  # the sent-email log's rows about it, oldest first


def payment_detail(session: DbSession, payment: Payment) -> PaymentDetail:
    of_payment = (
        PaymentEvent.merchant_id == payment.merchant_id,
        PaymentEvent.payment_id == payment.id,
    )
    events = list(
        session.scalars(select(PaymentEvent).where(*of_payment).order_by(PaymentEvent.id))
    )
    webhooks = list(
        session.scalars(
            select(WebhookEvent)
            .where(
                WebhookEvent.merchant_id == payment.merchant_id,
                WebhookEvent.payment_id == payment.id,
            )
            .order_by(WebhookEvent.id)
        )
    )
    connection = current_connection(session, payment.merchant_id)
    dashboard = (
        payment_dashboard_url(connection.account_id, payment.intent_id, payment.livemode)
        if connection is not None
        else None
    )
    return PaymentDetail(
        events,
        refunds_of(session, payment),
        webhooks,
        dashboard,
        payment_disputes(session, payment),
        sent_about_payment(session, payment.merchant_id, payment.id),
    )
