"""Counting the SQL statements a request runs, on the app's engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from app.extensions import db


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, in order."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def writes(statements: list[str]) -> list[str]:
    """The statements among ``statements`` that change something."""
    return [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "WITH"))]
