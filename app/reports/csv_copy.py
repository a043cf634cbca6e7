"""CSV written by PostgreSQL: ``COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)`` streamed
through psycopg, so a large export is not bound by building and quoting each row in Python.

The SELECT gives each cell as the text the Python path writes (``exports.CsvFormat`` and its
words); the helpers here spell that text in SQL. Three differences of PostgreSQL's CSV from
Python's ``csv`` writer are bridged so both give the same bytes for the same rows: an empty
string would be quoted (``""``) where a NULL is written as nothing, so empty text is NULL
(``blank_as_null``); rows end with ``\\n`` where Python (and RFC 4180) ends them with
``\\r\\n``, so line ends outside quotes are rewritten as the copy streams (``_LineEnds``); and
the header row, which COPY would take from column names (at most 63 bytes, too short for
some translations), is written by Python's writer. Both quote a field only when it holds the
separator, a quote or a line break.
"""

from __future__ import annotations

import codecs
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, String, case, cast, func, literal, null

from app.core.money import THREE_DECIMAL, ZERO_DECIMAL
from app.extensions import DbSession

PIECE_BYTES = 256 * 1024  # text handed on at a time: memory stays flat whatever the size


@dataclass(frozen=True)
class Piece:
    """Some rows of a CSV file as text."""

    text: str
    rows: int


def blank_as_null(value: Any) -> ColumnElement[Any]:
    """Text as Python's writer writes it: an empty cell unquoted (COPY writes NULL so)."""
    return func.nullif(cast(value, String), "")


def words_for(code: Any, words: dict[str, str], missing: str) -> ColumnElement[Any]:
    """The word for a code (``app.settings.labels.method_name``'s rule: an unknown code as it
    is, none as ``missing``)."""
    return case(
        *((code == key, literal(word, String)) for key, word in words.items()),
        (code == "", literal(missing, String)),
        else_=code,
    )


def _minor_units(value: Any, places: int, mark: str) -> ColumnElement[Any]:
    if not places:
        return cast(value, String)
    unit = 10**places
    sign = case((value < 0, "-"), else_="")
    whole = cast(func.abs(value) // unit, String)
    part = func.lpad(cast(func.abs(value) % unit, String), places, "0")
    return sign + whole + literal(mark, String) + part


def amount_text(value: Any, currency: Any, decimal_comma: bool) -> ColumnElement[Any]:
    """``CsvFormat.amount`` in SQL: minor units as a plain number in the currency's units."""
    mark = "," if decimal_comma else "."
    return case(
        (value.is_(None), null()),
        (currency.in_(sorted(ZERO_DECIMAL)), _minor_units(value, 0, mark)),
        (currency.in_(sorted(THREE_DECIMAL)), _minor_units(value, 3, mark)),
        else_=_minor_units(value, 2, mark),
    )


def floor_share(part: Any, whole: Any, amount: Any) -> ColumnElement[Any]:
    """``part * amount // whole`` as Python floors it (SQL's division truncates toward zero),
    for ``whole`` above zero; NULL when ``part`` is NULL or ``whole`` is NULL or zero."""
    product = cast(part, BigInteger) * amount
    return case(
        (part.is_(None) | whole.is_(None) | (whole == 0), null()),
        (product >= 0, product // whole),
        else_=-((-product + whole - 1) // whole),
    )


class _LineEnds:
    """Rewrites COPY's ``\\n`` row ends as ``\\r\\n``, leaving line breaks inside quoted cells
    as they are (a quote opens or closes a quoted cell; a doubled quote does both), and counts
    the rows. Works on bytes: in UTF-8 a quote or a line feed is never part of another letter."""

    def __init__(self) -> None:
        self.quoted = False

    def convert(self, data: bytes) -> tuple[bytes, int]:
        if not self.quoted and b'"' not in data:
            return data.replace(b"\n", b"\r\n"), data.count(b"\n")
        parts, rows = data.split(b'"'), 0
        for index, part in enumerate(parts):
            if self.quoted == (index % 2 == 1):  # outside a quoted cell
                rows += part.count(b"\n")
                parts[index] = part.replace(b"\n", b"\r\n")
        self.quoted ^= (len(parts) - 1) % 2 == 1
        return b'"'.join(parts), rows


def _statement(
    session: DbSession, query: Select[Any], delimiter: str
) -> tuple[str, dict[str, Any]]:
    if delimiter not in (",", ";"):
        raise ValueError(f"unexpected delimiter {delimiter!r}")
    compiled = query.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    params = {
        name: value.value if isinstance(value, enum.Enum) else value
        for name, value in compiled.params.items()
    }
    return f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')", params


def copy_pieces(session: DbSession, query: Select[Any], delimiter: str) -> Iterator[Piece]:
    """The query's rows as CSV text, written by PostgreSQL and handed on in pieces of about
    ``PIECE_BYTES`` (in the session's transaction)."""
    statement, params = _statement(session, query, delimiter)
    line_ends, decoder = _LineEnds(), codecs.getincrementaldecoder("utf-8")()
    driver = session.connection().connection.driver_connection
    assert driver is not None
    waiting: list[bytes] = []
    size = 0
    with driver.cursor() as cursor, cursor.copy(statement, params) as copy:
        for data in copy:
            waiting.append(bytes(data))
            size += len(data)
            if size >= PIECE_BYTES:
                converted, rows = line_ends.convert(b"".join(waiting))
                yield Piece(decoder.decode(converted), rows)
                waiting, size = [], 0
    converted, rows = line_ends.convert(b"".join(waiting))
    yield Piece(decoder.decode(converted, final=True), rows)
