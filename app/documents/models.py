"""What documents addressed to one customer share in the database: their number series."""

from __future__ import annotations

import enum

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.data.bases import MerchantOwned
from app.extensions import db, str_enum


class SeriesKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    QUOTE = "quote"
    RECEIPT = "receipt"  # a payment's receipt, numbered when its money is in


class NumberSeries(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A merchant's numbering for one kind of document: ``pattern`` with ``{YYYY}`` (the
    counter restarts each year) and ``next_number`` taken at finalization under a row lock."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("merchant_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SeriesKind] = mapped_column(str_enum(SeriesKind))
    pattern: Mapped[str] = mapped_column(String(40))
    padding: Mapped[int] = mapped_column(Integer, default=4)
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    period: Mapped[str] = mapped_column(String(8), default="")  # the year the counter is in
