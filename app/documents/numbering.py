"""Document numbers: one series per merchant and kind (invoice, credit note, quote, receipt),
taken only when a document is finalized (a receipt: when its payment's money is in), in that
transaction, so numbers have no gaps and never repeat.

The counter moves in one guarded UPDATE on a row that is locked first (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite lets one writer at a time), so two finalizations at once wait for each
other instead of taking the same number. A rolled-back finalization gives its number back with
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


def take_number(session: DbSession, merchant_id: int, kind: SeriesKind, today: date) -> str:
    """The next number of the merchant's ``kind`` series, taken in the caller's transaction.

    The counter restarts at 1 when the pattern shows the year and the year changed; a pattern
    without the year counts on whatever it was changed from, so no number comes twice. The
    increment is one UPDATE guarded by the pattern read under the row lock, so a merchant
    changing the pattern meanwhile makes it read again rather than number with a stale one.
    """
    while True:
        locked = session.execute(
            select(NumberSeries.pattern, NumberSeries.padding)
            .where(NumberSeries.merchant_id == merchant_id, NumberSeries.kind == kind)
            .with_for_update()
        ).one_or_none()
        if locked is None:  # its first number: the series is made, then locked
            series_of(session, merchant_id, kind)
            continue
        pattern, padding = locked
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
            .values(
                next_number=following,
                period=period,
            )
            .returning(NumberSeries.next_number - 1, NumberSeries.padding)
            .execution_options(synchronize_session=False)
        ).first()
        if taken is not None:
            number, padding = taken
            _expire_series(session, merchant_id, kind)
            return format_number(pattern, padding, number, today)


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
