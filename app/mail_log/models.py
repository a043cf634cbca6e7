"""A sent email, as the merchant's pages list it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.data.bases import MerchantOwned
from app.extensions import db


class SentStatus(enum.StrEnum):
    SENT = "sent"  # the SMTP server accepted it
    LOGGED = "logged"  # no SMTP server is configured (the demo): written to the log instead


class SentEmail(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One email handed over, about a payment and/or a document. ``kind`` names what it was
    (the template's name, or ``receipt_resent``); the merchant's pages label it."""

    __tablename__ = "sent_emails"
    __table_args__ = (Index("ix_sent_emails_payment", "merchant_id", "payment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    document_type: Mapped[str] = mapped_column(String(32), default="")
    document_id: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(48))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[SentStatus] = mapped_column(
        Enum(
            SentStatus, native_enum=False, length=16, values_callable=lambda s: [i.value for i in s]
        )
    )
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
