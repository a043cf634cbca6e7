"""How a merchant's exports are written, and the exports that run in the background."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.data.bases import MerchantOwned
from app.extensions import db, str_enum


class ExportSettings(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """The separator and decimal mark of the merchant's CSV files (one row per merchant, made
    when the merchant first saves a choice; until then they follow the merchant's country)."""

    __tablename__ = "export_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    decimal_comma: Mapped[bool] = mapped_column(Boolean, default=False)


class ExportKind(enum.StrEnum):
    PAYMENTS = "payments"
    INVOICES = "invoices"
    CUSTOMERS = "customers"


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # its file is deleted; the link no longer works


class ExportJob(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """An export too large to stream while the browser waits: written to a file in the instance
    folder by a task, then downloaded from an emailed link until ``expires_at``."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    kind: Mapped[ExportKind] = mapped_column(str_enum(ExportKind))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus), default=ExportStatus.QUEUED
    )
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(64))  # random: the file under exports/
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
