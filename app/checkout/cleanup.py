"""Abandoned checkouts: the open checkouts nobody changed for a while are deleted, so the table
stays the size of what buyers are doing.

A checkout without a PaymentIntent is deleted. One whose intent never left
``requires_payment_method`` (nobody tried to pay, or every attempt failed) has its intent
cancelled at Stripe first, recorded through the one recording path (its payment becomes
canceled), then deleted. Anything else is kept: a paid or processing checkout, and an open one
whose intent is in any other state (confirming, waiting for 3-D Secure or micro-deposits,
processing, paid meanwhile), or that Stripe could not be asked about now (tried again on the
next run).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.checkout.models import CheckoutSession, CheckoutStatus
from app.extensions import DbSession
from app.payments.service import GatewayLookup, record_intent
from app.processors.access import connected_gateway
from app.processors.gateway import GatewayError
from app.processors.idempotency import idempotency_key

log = logging.getLogger("kassa.checkout")

BATCH = 500  # checkouts looked at per run, oldest first: a long backlog clears over runs
NEVER_PAID = "requires_payment_method"


@dataclass(frozen=True)
class Cleaned:
    deleted: int  # without an intent, or with one cancelled at Stripe
    canceled: int  # of those, the ones whose intent was cancelled
    kept: int  # an intent in another state, or Stripe not reachable now


def clean_abandoned(
    session: DbSession,
    now: datetime,
    older_than: timedelta,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> Cleaned:
    """Delete the open checkouts last changed before ``now - older_than`` (see the module)."""
    abandoned = session.scalars(
        select(CheckoutSession)
        .where(
            CheckoutSession.status == CheckoutStatus.OPEN,
            CheckoutSession.updated_at < now - older_than,
        )
        .order_by(CheckoutSession.updated_at)
        .limit(BATCH)
    ).all()
    deleted = canceled = 0
    for checkout in abandoned:
        if checkout.payment_intent_id is not None:
            if not _intent_canceled(session, checkout, gateway_for):
                continue
            canceled += 1
        session.delete(checkout)
        deleted += 1
    session.flush()
    return Cleaned(deleted, canceled, len(abandoned) - deleted)


def _intent_canceled(
    session: DbSession, checkout: CheckoutSession, gateway_for: GatewayLookup
) -> bool:
    """Cancel the checkout's intent at Stripe if it never left ``requires_payment_method``,
    and record it; False (keep the checkout) otherwise."""
    intent_id = checkout.payment_intent_id
    assert intent_id is not None
    try:
        gateway = gateway_for(session, checkout.merchant_id)
        intent = gateway.retrieve_payment_intent(intent_id)
        if intent.status != NEVER_PAID:
            return False
        key = idempotency_key(session, "checkout", checkout.id, "abandoned", intent_id)
        intent = gateway.cancel_payment_intent(intent_id, idempotency_key=key)
    except GatewayError as error:  # a confirm won the race, or Stripe cannot be asked now
        log.info(
            "abandoned checkout kept",
            extra={"checkout": checkout.public_id, "failure": error.failure.value},
        )
        return False
    record_intent(session, checkout.merchant, intent, gateway_for=gateway_for)
    return intent.status == "canceled"
