"""SQL that the two databases spell differently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Date, Index
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


# Indexes of one database only: ``info={"only_on": <dialect>}``. The migrations make them there
# alone, and comparing the models with a database of another kind leaves them out.
ONLY_ON = "only_on"


def trigram_index(name: str, column: str) -> Index:
    """A PostgreSQL trigram (``pg_trgm``) GIN index on a text column, which a ``LIKE
    '%term%'`` (``contains``) search uses. SQLite has nothing like it and gets no index."""
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        info={ONLY_ON: "postgresql"},
    )


def in_schema_of(dialect_name: str) -> Callable[..., bool]:
    """An Alembic ``include_object`` that leaves out the models' indexes of another database."""

    def include(item: Any, _name: Any, kind: str, reflected: bool, _compare_to: Any) -> bool:
        if kind != "index" or reflected:
            return True
        only_on = item.info.get(ONLY_ON)
        return only_on is None or only_on == dialect_name

    return include
