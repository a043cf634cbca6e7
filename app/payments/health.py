"""Webhook health: what the events page shows besides the events (deliveries refused for their
signature, reconciliation's last run for the merchant) and the panel's warning when events stop
arriving while payments wait for them.

The counters live in one ``WebhookHealth`` row per merchant, made on first need; each change is
a single ``UPDATE`` that adds to the stored value, so concurrent deliveries and runs never lose
a count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.core.clock import aware
from app.extensions import DbSession
from app.payments.models import Payment, PaymentStatus, WebhookEvent, WebhookHealth, WebhookOutcome

EVENTS_PER_PAGE = 50
# How long without any event, while a payment is processing, before the panel warns.
SILENCE = timedelta(days=1)


def _ensure_row(session: DbSession, merchant_id: int) -> None:
    """The merchant's row, inserted unless it exists (also when another request inserts it at
    the same moment)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(WebhookHealth)
        .values(
            merchant_id=merchant_id,
            signature_failures=0,
            last_reconcile_read=0,
            last_reconcile_recovered=0,
            recovered_total=0,
        )
        .on_conflict_do_nothing(index_elements=["merchant_id"])
    )


def count_signature_failure(session: DbSession, merchant_id: int, now: datetime) -> None:
    _ensure_row(session, merchant_id)
    session.execute(
        update(WebhookHealth)
        .where(WebhookHealth.merchant_id == merchant_id)
        .values(
            signature_failures=WebhookHealth.signature_failures + 1,
            last_signature_failure_at=now,
        )
    )


def record_reconcile_run(
    session: DbSession, merchant_id: int, now: datetime, *, read: int, recovered: int
) -> None:
    """What one reconciliation run did for a merchant: payments read from Stripe, and of those
    the ones it found moved on (an event that never arrived, or arrived and failed)."""
    _ensure_row(session, merchant_id)
    session.execute(
        update(WebhookHealth)
        .where(WebhookHealth.merchant_id == merchant_id)
        .values(
            reconciled_at=now,
            last_reconcile_read=read,
            last_reconcile_recovered=recovered,
            recovered_total=WebhookHealth.recovered_total + recovered,
        )
    )


def health_of(session: DbSession, merchant_id: int) -> WebhookHealth | None:
    return session.scalar(select(WebhookHealth).where(WebhookHealth.merchant_id == merchant_id))


def failed(merchant_id: int) -> list[ColumnElement[bool]]:
    """Conditions of an event whose handling failed and was not applied since."""
    return [
        WebhookEvent.merchant_id == merchant_id,
        WebhookEvent.outcome == WebhookOutcome.RECEIVED,
        WebhookEvent.error != "",
    ]


def recent_events(
    session: DbSession, merchant_id: int, *, failures_only: bool, before_id: int | None
) -> list[WebhookEvent]:
    """A page of the merchant's events, newest first (by id: the order they were stored)."""
    conditions = failed(merchant_id) if failures_only else [WebhookEvent.merchant_id == merchant_id]
    if before_id is not None:
        conditions.append(WebhookEvent.id < before_id)
    query = select(WebhookEvent).where(*conditions).order_by(WebhookEvent.id.desc())
    return list(session.scalars(query.limit(EVENTS_PER_PAGE)))


def failure_count(session: DbSession, merchant_id: int) -> int:
    query = select(func.count()).select_from(WebhookEvent).where(*failed(merchant_id))
    return session.scalar(query) or 0


def events_silent(session: DbSession, merchant_id: int, now: datetime) -> bool:
    """No event for ``SILENCE`` (or none ever) while a payment is processing: a settled debit
    would have sent one, so deliveries have probably stopped."""
    processing = exists().where(
        Payment.merchant_id == merchant_id, Payment.status == PaymentStatus.PROCESSING
    )
    if not session.scalar(select(processing)):
        return False
    latest = session.scalar(
        select(func.max(WebhookEvent.received_at)).where(WebhookEvent.merchant_id == merchant_id)
    )
    return latest is None or aware(latest) < now - SILENCE
