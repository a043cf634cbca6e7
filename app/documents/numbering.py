"""Document numbers: one series per merchant and kind (invoice, credit note, quote, receipt),
taken only when a document is finalized (a receipt: when its payment's money is in), in that
transaction, so numbers have no gaps and never repeat.

The counter moves in one guarded UPDATE, which locks its row (PostgreSQL; SQLite lets one
writer at a time), so two finalizations at once wait for each other instead of taking the same
number. A rolled-back finalization gives its number back with
the rest of its transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from app.documents.models import NumberSeries, SeriesKind
from app.extensions import DbSession

YEAR = "{YYYY}"
DEFAULT_PATTERNS = {
    SeriesKind.INVOICE: "INV-{YYYY}-",
    SeriesKind.CREDIT_NOTE: "CN-{YYYY}-",
    SeriesKind.QUOTE: "Q-{YYYY}-",
    SeriesKind.RECEIPT: "R-{YYYY}-",
}
DEFAULT_PADDING = 4
MAX_PADDING = 10


def period_of(pattern: str, today: date) -> str:
    """The period a counter runs in: the year when the pattern shows it, else one forever."""
    return str(today.year) if YEAR in pattern else ""


def format_number(pattern: str, padding: int, number: int, today: date) -> str:
    """``INV-{YYYY}-``, 4 and 1 on a day of 2026 make ``INV-2026-0001``."""
    return pattern.replace(YEAR, str(today.year)) + str(number).zfill(padding)


def series_of(session: DbSession, merchant_id: int, kind: SeriesKind) -> NumberSeries:
    """The merchant's series for ``kind``, created with the default pattern on first use (two
    first uses at once: the unique key lets one insert win, the other reads it)."""
    found = _find_series(session, merchant_id, kind)
    if found is not None:
        return found
    series = NumberSeries(
        merchant_id=merchant_id,
        kind=kind,
        pattern=DEFAULT_PATTERNS[kind],
        padding=DEFAULT_PADDING,
        next_number=1,
        period="",
    )
    try:
        with session.begin_nested():
            session.add(series)
    except IntegrityError:
        found = _find_series(session, merchant_id, kind)
        if found is None:
            raise
        return found
    return series


def _find_series(session: DbSession, merchant_id: int, kind: SeriesKind) -> NumberSeries | None:
    return session.scalar(
        select(NumberSeries).where(
            NumberSeries.merchant_id == merchant_id, NumberSeries.kind == kind
        )
    )


# The pattern each series was last seen with, by merchant and kind. The counter's UPDATE is
# guarded by it, so a pattern changed since (or a series not made yet) finds no row and is
# read again: a read less on each number taken (two on each subscription charge).
_seen_patterns: dict[tuple[int, SeriesKind], str] = {}


def take_number(session: DbSession, merchant_id: int, kind: SeriesKind, today: date) -> str:
    """The next number of the merchant's ``kind`` series, taken in the caller's transaction.

    The counter restarts at 1 when the pattern shows the year and the year changed; a pattern
    without the year counts on whatever it was changed from, so no number comes twice. The
    increment is one UPDATE guarded by the pattern the number is formatted with, so a
    merchant changing the pattern meanwhile makes it read again (under the row lock) rather
    than number with a stale one.
    """
    pattern = _seen_patterns.get((merchant_id, kind))
    while True:
        if pattern is not None:
            taken = _count_on(session, merchant_id, kind, pattern, today)
            if taken is not None:
                number, padding = taken
                _expire_series(session, merchant_id, kind)
                return format_number(pattern, padding, number, today)
        pattern = _locked_pattern(session, merchant_id, kind)
        _seen_patterns[(merchant_id, kind)] = pattern


def _locked_pattern(session: DbSession, merchant_id: int, kind: SeriesKind) -> str:
    """The series' pattern as it is now, its row locked; the series is made on first use."""
    while True:
        locked = session.scalar(
            select(NumberSeries.pattern)
            .where(NumberSeries.merchant_id == merchant_id, NumberSeries.kind == kind)
            .with_for_update()
        )
        if locked is not None:
            return locked
        series_of(session, merchant_id, kind)


def _count_on(
    session: DbSession, merchant_id: int, kind: SeriesKind, pattern: str, today: date
) -> tuple[int, int] | None:
    """Move the counter if the series still has ``pattern``: the number taken and the
    padding, or None."""
    period = period_of(pattern, today)
    following = NumberSeries.next_number + 1
    if period:  # a new year starts a yearly series at 1; a plain series only counts on
        following = case((NumberSeries.period == period, following), else_=2)
    taken = session.execute(
        update(NumberSeries)
        .where(
            NumberSeries.merchant_id == merchant_id,
            NumberSeries.kind == kind,
            NumberSeries.pattern == pattern,
        )
        .values(next_number=following, period=period)
        .returning(NumberSeries.next_number - 1, NumberSeries.padding)
        .execution_options(synchronize_session=False)
    ).first()
    return None if taken is None else (int(taken[0]), int(taken[1]))


def _expire_series(session: DbSession, merchant_id: int, kind: SeriesKind) -> None:
    """Loaded copies of the series show the counter as it is now, not as before the UPDATE."""
    for row in session.identity_map.values():
        if isinstance(row, NumberSeries) and row.merchant_id == merchant_id and row.kind == kind:
            session.expire(row)


def peek_number(session: DbSession, merchant_id: int, kind: SeriesKind, today: date) -> str:
    """The number the next finalization would take (shown in settings; takes nothing)."""
    series = _find_series(session, merchant_id, kind)
    if series is None:
        return format_number(DEFAULT_PATTERNS[kind], DEFAULT_PADDING, 1, today)
    period = period_of(series.pattern, today)
    following = 1 if period and series.period != period else series.next_number
    return format_number(series.pattern, series.padding, following, today)
