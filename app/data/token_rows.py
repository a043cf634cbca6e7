"""A public page's stamp row, found by the digest of the token in its address."""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import Engine, Row, Select

from app.core.tokens import token_digest

Columns = TypeVarTuple("Columns")


def row_by_token(engine: Engine, query: Select[*Columns], token: str) -> Row[*Columns] | None:
    """The one row ``query`` selects for ``token`` (bound as ``digest``), on a connection of
    its own so no ORM object or session is touched; None for an empty or unknown token."""
    if not token:
        return None
    with engine.connect() as connection:
        return connection.execute(query, {"digest": token_digest(token)}).one_or_none()
