"""Stripe's webhooks: verify with the merchant's signing secret, store by event id, dispatch.

An event is stored before it is handled, so a duplicate delivery is acknowledged and not applied
twice. Event ids are unique per merchant, not across merchants: each merchant signs its own
deliveries, so one merchant posting another's event id first cannot make Kassa drop the real one.
Handlers never trust the event's snapshot of a PaymentIntent: deliveries may arrive out of order,
so they re-read the intent from Stripe and hand it to ``record_intent``. An event about an object
the merchant's account does not hold (another account's) is acknowledged and stored as ignored:
answering an error would only make Stripe retry it for days.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.core.crypto import InvalidToken
from app.core.errors import ServiceError
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.payments import disputes, health, refunds, service
from app.payments.models import WebhookEvent, WebhookOutcome
from app.processors.access import connected_gateway, verified_webhook
from app.processors.connection import current_connection
from app.processors.gateway import (
    GatewayError,
    GatewayFailure,
    WebhookEventData,
    WebhookPayloadError,
    WebhookSignatureError,
)
from app.processors.models import ProcessorConnection

log = logging.getLogger("kassa.webhooks")
Handler = Callable[[DbSession, Merchant, WebhookEventData], WebhookOutcome]


@dataclass(frozen=True)
class Answer:
    status: int
    message: str


def _record_intent_by_id(
    session: DbSession, merchant: Merchant, intent_id: str | None
) -> WebhookOutcome:
    """Re-read the intent from Stripe (order matters) and record it, if Kassa made it."""
    if not intent_id:
        return WebhookOutcome.IGNORED
    try:
        intent = connected_gateway(session, merchant.id).retrieve_payment_intent(intent_id)
    except GatewayError as error:
        if error.failure is GatewayFailure.NOT_FOUND:
            return WebhookOutcome.IGNORED  # not an intent of this account: another account's
        raise
    known = service.payment_for_intent(session, merchant.id, intent_id) is not None
    if not known and service.METADATA_CHECKOUT not in intent.metadata:
        return WebhookOutcome.IGNORED  # an intent made outside Kassa on the same account
    service.record_intent(session, merchant, intent)
    return WebhookOutcome.APPLIED


def _intent_event(
    session: DbSession, merchant: Merchant, event: WebhookEventData
) -> WebhookOutcome:
    return _record_intent_by_id(session, merchant, event.object_id)


def _charge_event(
    session: DbSession, merchant: Merchant, event: WebhookEventData
) -> WebhookOutcome:
    """Charges, refunds and disputes: the charge, refund or dispute names its PaymentIntent."""
    intent_id = event.data_object.get("payment_intent")
    return _record_intent_by_id(session, merchant, str(intent_id) if intent_id else None)


def _refund_event(
    session: DbSession, merchant: Merchant, event: WebhookEventData
) -> WebhookOutcome:
    """A refund changed: the panel's refund follows its status, and its payment is recorded."""
    refunds.follow_refund(session, merchant, event.object_id)
    return _charge_event(session, merchant, event)


def _dispute_event(
    session: DbSession, merchant: Merchant, event: WebhookEventData
) -> WebhookOutcome:
    """A dispute opened, changed or was decided: its payment is recorded first (its charge says
    it is disputed), then the dispute as Stripe has it now."""
    outcome = _charge_event(session, merchant, event)
    if outcome is WebhookOutcome.APPLIED:
        disputes.follow_dispute(session, merchant, event.object_id)
    return outcome


def _mandate_event(
    session: DbSession, merchant: Merchant, event: WebhookEventData
) -> WebhookOutcome:
    status = str(event.data_object.get("status") or "")
    payment = service.record_mandate_update(session, merchant, event.object_id, status)
    return WebhookOutcome.APPLIED if payment else WebhookOutcome.IGNORED


def _setup_event(session: DbSession, merchant: Merchant, event: WebhookEventData) -> WebhookOutcome:
    """A SetupIntent succeeded or failed: re-read it (order matters) and hand it to the
    document that made it (a quote saving the method for its later parts)."""
    try:
        setup = connected_gateway(session, merchant.id).retrieve_setup_intent(event.object_id)
    except GatewayError as error:
        if error.failure is GatewayFailure.NOT_FOUND:
            return WebhookOutcome.IGNORED  # another account's
        raise
    applied = service.record_setup_intent(session, merchant, setup)
    return WebhookOutcome.APPLIED if applied else WebhookOutcome.IGNORED


# Every type ``processors.connection.WEBHOOK_EVENTS`` subscribes to has a handler (a test
# checks it): an event Kassa asks for and then ignores would be a change nobody records.
HANDLERS: dict[str, Handler] = {
    "payment_intent.processing": _intent_event,
    "payment_intent.succeeded": _intent_event,
    "payment_intent.payment_failed": _intent_event,
    "payment_intent.canceled": _intent_event,
    "payment_intent.requires_action": _intent_event,
    "charge.succeeded": _charge_event,
    "charge.failed": _charge_event,
    "charge.refunded": _charge_event,
    "charge.dispute.created": _dispute_event,
    "charge.dispute.updated": _dispute_event,
    "charge.dispute.closed": _dispute_event,
    "charge.dispute.funds_withdrawn": _dispute_event,
    "charge.dispute.funds_reinstated": _dispute_event,
    # A refund can fail days later (bank debits): Stripe then lowers the charge's refunded
    # amount, which the re-read intent carries.
    "refund.updated": _refund_event,
    "refund.failed": _refund_event,
    "charge.refund.updated": _refund_event,
    "mandate.updated": _mandate_event,
    "setup_intent.succeeded": _setup_event,
    "setup_intent.setup_failed": _setup_event,
}


def _payment_id(session: DbSession, merchant: Merchant, event: WebhookEventData) -> int | None:
    """The payment an event is about (its intent, or the intent its charge, refund or dispute
    names), for the payment's page."""
    intent_id = event.object_id if event.object_type == "payment_intent" else None
    intent_id = intent_id or event.data_object.get("payment_intent")
    if not isinstance(intent_id, str) or not intent_id:
        return None
    payment = service.payment_for_intent(session, merchant.id, intent_id)
    return payment.id if payment is not None else None


def _merchant(session: DbSession, public_id: str) -> Merchant | None:
    return session.scalar(select(Merchant).where(Merchant.public_id == public_id))


def _stored(session: DbSession, merchant: Merchant, event: WebhookEventData) -> WebhookEvent | None:
    """The stored event to handle now; None when it was handled already (a duplicate)."""
    query = select(WebhookEvent).where(
        WebhookEvent.merchant_id == merchant.id, WebhookEvent.stripe_event_id == event.id
    )
    existing = session.scalar(query)
    if existing is not None:
        return None if existing.processed_at else existing
    row = WebhookEvent(
        merchant_id=merchant.id,
        stripe_event_id=event.id,
        type=event.type,
        object_id=event.object_id,
        outcome=WebhookOutcome.RECEIVED,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the same event is being stored by a concurrent delivery
        return None
    return row


def _handle(
    session: DbSession,
    merchant: Merchant,
    connection: ProcessorConnection,
    event: WebhookEventData,
) -> WebhookOutcome:
    handler = HANDLERS.get(event.type)
    if handler is None or (event.account and event.account != connection.account_id):
        return WebhookOutcome.IGNORED  # a type Kassa does not act on, or another account's
    return service.retry_on_conflict(session, lambda: handler(session, merchant, event))


def receive(session: DbSession, merchant_public_id: str, payload: bytes, signature: str) -> Answer:
    """Verify, store and apply one delivery; the answer tells Stripe whether to retry.

    Commits: a webhook is its own unit of work, stored first and then marked handled.
    """
    merchant = _merchant(session, merchant_public_id)
    connection = current_connection(session, merchant.id) if merchant else None
    if merchant is None or connection is None:
        return Answer(404, "unknown endpoint")
    try:
        event = verified_webhook(connection, payload, signature)
    except (WebhookSignatureError, InvalidToken):
        health.count_signature_failure(session, merchant.id, utcnow())
        session.commit()
        return Answer(400, "signature does not verify")
    except WebhookPayloadError as error:
        log.warning(
            "signed webhook body is not an event",
            extra={"fields": {"merchant": merchant.public_id, "error": str(error)}},
        )
        return Answer(400, "not an event")
    stored = _stored(session, merchant, event)
    if stored is None:
        return Answer(200, "already received")
    started = time.monotonic()
    try:
        outcome = _handle(session, merchant, connection, event)
    except (GatewayError, *service.CONFLICTS) as error:
        session.rollback()
        _note_failure(session, stored.id, error)
        log.warning(
            "webhook not applied; Stripe will retry",
            extra={
                "fields": {"event": event.id, "type": event.type, "error": type(error).__name__}
            },
        )
        return Answer(503, "try again")
    _note_outcome(session, session.merge(stored), merchant, event, outcome, started)
    session.commit()
    return Answer(200, outcome.value)


def _note_outcome(
    session: DbSession,
    stored: WebhookEvent,
    merchant: Merchant,
    event: WebhookEventData,
    outcome: WebhookOutcome,
    started: float,
) -> None:
    stored.outcome = outcome
    stored.payment_id = _payment_id(session, merchant, event)
    stored.processed_at = stored.processed_at or utcnow()
    stored.handling_ms = round((time.monotonic() - started) * 1000)
    stored.error = ""


def _note_failure(session: DbSession, event_row_id: int, error: Exception) -> None:
    """Why handling failed, for the events page (the stored row stays unhandled, so Stripe's
    retry or a replay applies it)."""
    detail = f"{type(error).__name__}: {error}"[:500]
    session.execute(
        update(WebhookEvent).where(WebhookEvent.id == event_row_id).values(error=detail)
    )
    session.commit()


def replay(session: DbSession, merchant: Merchant, stored: WebhookEvent) -> WebhookOutcome:
    """Read a stored event from Stripe again and handle it as its delivery would have.

    Handlers re-read the objects the event names and record what Stripe says now, so replaying
    an event that was applied changes nothing; one whose handling failed is applied. Commits.
    """
    connection = current_connection(session, merchant.id)
    if connection is None:
        raise ServiceError(_l("Connect your Stripe account to replay its events."))
    started = time.monotonic()
    try:
        event = connected_gateway(session, merchant.id).retrieve_event(stored.stripe_event_id)
        outcome = _handle(session, merchant, connection, event)
    except (GatewayError, *service.CONFLICTS) as error:
        session.rollback()
        _note_failure(session, stored.id, error)
        raise ServiceError(
            _l("Stripe could not be asked for this event now. Nothing changed; try again later.")
        ) from error
    stored = session.merge(stored)
    _note_outcome(session, stored, merchant, event, outcome, started)
    stored.replayed_at = utcnow()
    session.commit()
    return outcome
