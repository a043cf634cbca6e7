"""The invoice emails' tasks: one delivery rendered and handed to the SMTP server, and the
periodic reminder run. A delivery is enqueued only once the transaction that made its row has
committed, so the task always finds it."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.extensions import db, huey
from app.invoices.delivery import PENDING_KEY, compose, queue_due_reminders
from app.invoices.models import DeliveryKind, DeliveryStatus, Invoice, InvoiceDelivery
from app.mail import transmit

log = logging.getLogger("kassa.invoices")


@event.listens_for(Session, "after_commit")
def _enqueue_committed_deliveries(session: Session) -> None:
    """Once the outermost transaction committed (a savepoint's release fires this too)."""
    if session.in_nested_transaction():
        return
    for delivery_id in session.info.pop(PENDING_KEY, []):
        deliver(delivery_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_deliveries(session: Session) -> None:
    """A savepoint rolled back leaves the rest of the transaction (and its deliveries)."""
    if not session.in_nested_transaction():
        session.info.pop(PENDING_KEY, None)


@huey.task()
def deliver(delivery_id: int) -> str:
    """Send one queued delivery; it ends ``sent`` only when the SMTP server accepted it.

    It runs in a session of its own: in immediate mode (the demo, the tests) it runs inside
    the commit of the request that queued it, whose session takes no more statements.
    """
    with Session(db.engine) as session:
        delivery = session.get(InvoiceDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status is not DeliveryStatus.QUEUED:
            return "skipped"
        try:
            transmit(compose(session, delivery))
        except Exception as error:  # whatever stopped it, the merchant is told
            log.warning("invoice email failed", exc_info=True)
            delivery.status = DeliveryStatus.FAILED
            delivery.error = f"{type(error).__name__}: {error}"[:1000]
        else:
            _mark_sent(session, delivery)
        session.commit()
        return delivery.status.value


def _mark_sent(session: Session, delivery: InvoiceDelivery) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = utcnow()
    if delivery.kind is DeliveryKind.INVOICE:
        invoice = session.get_one(Invoice, delivery.invoice_id)
        invoice.sent_at = invoice.sent_at or delivery.sent_at


@huey.periodic_task(crontab(minute="7"))
def send_reminders() -> int:
    """Every hour: the reminders whose day has come (each at most once, see ``delivery``)."""
    queued = queue_due_reminders(db.session, utcnow().date())
    db.session.commit()
    return queued
