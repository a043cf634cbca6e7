"""Daily totals: each merchant's counted payments summed per UTC day, kept as the payments
change so the revenue report reads a few thousand rows instead of every payment.

A payment counts (``service.PAID``) in exactly one ``DailyTotal`` row (its day, currency,
method, document type and settlement currency) and, once Stripe's balance transaction gave its
net and available-on day, in one ``DailyAvailability`` row. ``record_intent`` (the one path
that records money: refunds, disputes and a fee arriving later all end there) takes the
payment's ``share`` before and after it records, and ``move_totals`` applies the difference in
the same transaction with atomic upserts (``INSERT ... ON CONFLICT DO UPDATE`` adding to the
row), never reading a row to write it back. So two payments recorded at once on the same day
both count, and a recording that loses to a concurrent one (the payment's version) is rolled
back with its totals.

The day is the UTC day of the payment's creation (``report_day``), as the report's ranges
(``queries.day_begins``) mean it. Were merchants to get a time zone, ``report_day`` would
take it, and changing a merchant's zone would rebuild their totals (``rebuild_daily_totals``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import Table, case, delete, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite

from app.core.clock import aware
from app.data.sql import utc_day
from app.extensions import DbSession
from app.payments.models import DailyAvailability, DailyTotal, Payment, PaymentStatus

# The statuses whose money Stripe took (``service.PAID`` is made of these).
COUNTED = (
    PaymentStatus.SUCCEEDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
    PaymentStatus.DISPUTED,
)
TOTAL_KEY = ("merchant_id", "day", "currency", "method_type", "document_type", "settled_in")
TOTAL_SUMS = ("payments", "gross", "fee", "refunded", "disputed", "net")
AVAILABILITY_KEY = ("merchant_id", "day", "available_on", "settled_in")
AVAILABILITY_SUMS = ("payments", "net")


@dataclass(frozen=True)
class Share:
    """What one payment adds to one row of a totals table: the row's key and its sums."""

    table: Table
    key: tuple[Any, ...]
    sums: tuple[int, ...]


def report_day(payment: Payment) -> date:
    """The day a payment counts on: its creation's UTC day."""
    return aware(payment.created_at).astimezone(UTC).date()


def share(payment: Payment) -> list[Share]:
    """What the payment adds to the totals now: nothing unless Stripe took its money."""
    if payment.status not in COUNTED:
        return []
    day, settled_in = report_day(payment), payment.settled_currency
    disputed = payment.amount - payment.amount_refunded
    shares = [
        Share(
            DailyTotal.__table__,
            (payment.merchant_id, day, payment.currency, payment.method_type,
             payment.document_type, settled_in),
            (1, payment.amount, payment.fee or 0, payment.amount_refunded,
             disputed if payment.status is PaymentStatus.DISPUTED else 0, payment.net or 0),
        )
    ]  # fmt: skip
    if payment.available_on is not None and payment.net is not None:
        shares.append(
            Share(
                DailyAvailability.__table__,
                (payment.merchant_id, day, payment.available_on, settled_in),
                (1, payment.net),
            )
        )
    return shares


def _differences(before: Iterable[Share], after: Iterable[Share]) -> list[Share]:
    """Per row, what ``after`` adds less what ``before`` did; rows that do not change left out.
    Sorted by table and key, so concurrent recordings lock the rows they share in one order."""
    moved: dict[tuple[str, tuple[Any, ...]], tuple[Table, list[int]]] = {}
    for sign, shares in ((-1, before), (1, after)):
        for part in shares:
            _table, sums = moved.setdefault(
                (part.table.name, part.key), (part.table, [0] * len(part.sums))
            )
            for index, value in enumerate(part.sums):
                sums[index] += sign * value
    return [
        Share(table, key, tuple(sums))
        for (_name, key), (table, sums) in sorted(moved.items(), key=lambda item: item[0])
        if any(sums)
    ]


def _upsert(session: DbSession, change: Share) -> None:
    """Add ``change`` to its row, made when missing: one atomic statement on both databases."""
    table = change.table
    key_names = TOTAL_KEY if table.name == DailyTotal.__tablename__ else AVAILABILITY_KEY
    sum_names = TOTAL_SUMS if table.name == DailyTotal.__tablename__ else AVAILABILITY_SUMS
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = dict(zip(key_names, change.key, strict=True)) | dict(
        zip(sum_names, change.sums, strict=True)
    )
    statement = dialect.insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key_names],
        set_={name: table.c[name] + statement.excluded[name] for name in sum_names},
    )
    session.execute(statement)


def move_totals(session: DbSession, before: list[Share], after: list[Share]) -> None:
    """Apply a payment's change of share (``share`` before and after it was recorded)."""
    for change in _differences(before, after):
        _upsert(session, change)


# Rebuilding from the payments (the migration's backfill does the same in SQL of its own)


def _counted(merchant_id: int) -> Any:
    return select(Payment).where(
        Payment.merchant_id == merchant_id, Payment.status.in_([s.value for s in COUNTED])
    )


def rebuild_daily_totals(session: DbSession, merchant_id: int) -> int:
    """Recompute a merchant's totals from their payments (idempotent); how many payments count.

    On PostgreSQL the totals tables are locked against other writers meanwhile, so a payment
    recorded during the rebuild is counted once: it waits, then adds its change to the rebuilt
    rows. SQLite lets one writer in at a time anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("LOCK TABLE daily_totals, daily_availability IN SHARE ROW EXCLUSIVE MODE")
        )
    for model in (DailyTotal, DailyAvailability):
        session.execute(delete(model).where(model.merchant_id == merchant_id))
    day = utc_day(Payment.created_at)
    settled_in = func.coalesce(Payment.settlement_currency, Payment.currency)
    dispute = Payment.status == PaymentStatus.DISPUTED.value
    disputed = func.sum(case((dispute, Payment.amount - Payment.amount_refunded), else_=0))
    totals = (
        _counted(merchant_id)
        .with_only_columns(
            Payment.merchant_id, day, Payment.currency, Payment.method_type,
            Payment.document_type, settled_in, func.count(), func.sum(Payment.amount),
            func.sum(func.coalesce(Payment.fee, 0)), func.sum(Payment.amount_refunded),
            disputed, func.sum(func.coalesce(Payment.net, 0)),
        )
        .group_by(Payment.merchant_id, day, Payment.currency, Payment.method_type,
                  Payment.document_type, settled_in)
    )  # fmt: skip
    session.execute(DailyTotal.__table__.insert().from_select([*TOTAL_KEY, *TOTAL_SUMS], totals))
    availability = (
        _counted(merchant_id)
        .where(Payment.available_on.is_not(None), Payment.net.is_not(None))
        .with_only_columns(
            Payment.merchant_id, day, Payment.available_on, settled_in, func.count(),
            func.sum(Payment.net),
        )
        .group_by(Payment.merchant_id, day, Payment.available_on, settled_in)
    )  # fmt: skip
    session.execute(
        DailyAvailability.__table__.insert().from_select(
            [*AVAILABILITY_KEY, *AVAILABILITY_SUMS], availability
        )
    )
    counted = _counted(merchant_id).with_only_columns(func.count(literal(1)))
    return int(session.scalar(counted) or 0)
