"""The periods a report is cut into: days, weeks (Monday to Sunday, as ISO 8601 counts them)
or calendar months, in UTC. Pure: dates in, dates out."""

from __future__ import annotations

import enum
from datetime import date, timedelta


class Granularity(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_start(day: date, granularity: Granularity) -> date:
    """The first day of the period ``day`` falls in."""
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def next_period(start: date, granularity: Granularity) -> date:
    """The first day of the period after the one starting on ``start``."""
    if granularity is Granularity.WEEK:
        return start + timedelta(days=7)
    if granularity is Granularity.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def periods(first: date, last: date, granularity: Granularity) -> list[date]:
    """The start of every period from the one holding ``first`` to the one holding ``last``
    (empty when ``last`` is before ``first``)."""
    found: list[date] = []
    current = period_start(first, granularity)
    while current <= last:
        found.append(current)
        current = next_period(current, granularity)
    return found
