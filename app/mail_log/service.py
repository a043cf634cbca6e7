"""What goes into the sent-email log and what a page reads from it."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from app.extensions import DbSession
from app.mail import LogEntry
from app.mail_log.models import SentEmail


class EmailedAbout(Protocol):
    """A payment, as far as the log needs it (the log points at payments, not the reverse)."""

    id: int
    merchant_id: int
    document_type: str
    document_id: str


def about_payment(payment: EmailedAbout, kind: str) -> LogEntry:
    """The log entry of an email of ``kind`` about ``payment`` (and the document it paid)."""
    return LogEntry(
        merchant_id=payment.merchant_id,
        kind=kind,
        payment_id=payment.id,
        document_type=payment.document_type,
        document_id=payment.document_id,
    )


def sent_about_payment(session: DbSession, merchant_id: int, payment_id: int) -> list[SentEmail]:
    """The emails sent about one of the merchant's payments, oldest first."""
    return list(
        session.scalars(
            select(SentEmail)
            .where(SentEmail.merchant_id == merchant_id, SentEmail.payment_id == payment_id)
            .order_by(SentEmail.id)
        )
    )
