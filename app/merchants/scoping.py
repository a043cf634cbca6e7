"""The only way routes load merchant-owned rows: always filtered by the current merchant.

Nothing is fetched by id alone (DESIGN rule 6). A row of another merchant is simply not found,
so a request naming it gets the same 404 as one naming a row that never existed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy import Select, select

from app.data.bases import MerchantOwned
from app.extensions import db
from app.merchants.auth import current_merchant

M = TypeVar("M", bound=MerchantOwned)


def scoped_select(model: type[M]) -> Select[Any]:
    """``SELECT model WHERE merchant_id = <current merchant>``, to refine further."""
    return select(model).where(model.merchant_id == current_merchant().id)


def get_owned_or_404(model: type[M], object_id: Any, **filters: Any) -> M:
    """The current merchant's row with this primary key (and ``filters``), else 404."""
    query = scoped_select(model).where(model.id == object_id)  # type: ignore[attr-defined]
    for column, value in filters.items():
        query = query.where(getattr(model, column) == value)
    row: M | None = db.session.scalar(query)
    if row is None:
        abort(404)
    return row
