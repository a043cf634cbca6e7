"""SQL that the two databases spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class utc_day(FunctionElement[Any]):  # noqa: N801  (used like an SQL function)
    """The UTC day of a timezone-aware timestamp column, as a date."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day)
def _sqlite_day(element: utc_day, compiler: Any, **kw: Any) -> str:
    # SQLite keeps Kassa's timestamps as UTC text; date() takes the day part.
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _postgresql_day(element: utc_day, compiler: Any, **kw: Any) -> str:
    # Whatever the session's time zone, the day is counted in UTC.
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"
