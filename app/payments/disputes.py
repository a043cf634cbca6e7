"""Disputes of payments: recorded from Stripe's ``charge.dispute.*`` events (the dispute re-read
from Stripe, as every event's object is), listed in the panel and shown on the payment; the
owners are emailed when a dispute opens, is won or is lost. The payment's own status (disputed)
comes from the one recording path, which reads the charge."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import DbSession
from app.mail import email_owners, public_url_for
from app.mail_log.service import about_payment
from app.merchants.models import Merchant
from app.payments.models import Dispute, Payment, PaymentEvent
from app.payments.service import GatewayLookup, payment_for_intent
from app.processors.access import connected_gateway
from app.processors.gateway import DisputeState

# What the owners are told of, by Stripe's status: opened (any open status), won, lost.
DECIDED = ("won", "lost")


def record_dispute(session: DbSession, merchant: Merchant, state: DisputeState) -> Dispute | None:
    """Keep the dispute as Stripe has it; None when its payment is not one of Kassa's. Each
    change of status is an event on the payment, and opening, winning and losing email the
    owners once (a replay changes nothing)."""
    payment = (
        payment_for_intent(session, merchant.id, state.payment_intent_id)
        if state.payment_intent_id
        else None
    )
    if payment is None:
        return None
    dispute = session.scalar(
        select(Dispute).where(
            Dispute.merchant_id == merchant.id, Dispute.stripe_dispute_id == state.id
        )
    )
    previous = None if dispute is None else dispute.status
    if dispute is None:
        dispute = Dispute(
            merchant_id=merchant.id, payment_id=payment.id, stripe_dispute_id=state.id
        )
        session.add(dispute)
    dispute.amount, dispute.currency = state.amount.amount, state.amount.currency
    dispute.reason, dispute.status = state.reason, state.status
    dispute.evidence_due_by = state.evidence_due_by
    session.flush()
    if previous == state.status:
        return dispute
    _event(session, payment, dispute, previous)
    if previous is None or state.status in DECIDED:
        _notify_owners(merchant, payment, dispute)
    return dispute


def _event(session: DbSession, payment: Payment, dispute: Dispute, previous: str | None) -> None:
    session.add(
        PaymentEvent(
            merchant_id=payment.merchant_id,
            payment_id=payment.id,
            kind="dispute_opened" if previous is None else "dispute_updated",
            detail={
                "dispute": dispute.stripe_dispute_id,
                "amount": dispute.amount,
                "reason": dispute.reason,
                "status": dispute.status,
                "from": previous,
            },
        )
    )


def _notify_owners(merchant: Merchant, payment: Payment, dispute: Dispute) -> None:
    email_owners(
        merchant, "merchant_dispute", payment=payment, dispute=dispute,
        payment_url=public_url_for("payments.payment", payment_id=payment.id),
        logged_as=about_payment(payment, "merchant_dispute"),
    )  # fmt: skip


def follow_dispute(
    session: DbSession,
    merchant: Merchant,
    dispute_id: str,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> Dispute | None:
    """A webhook said a dispute changed: read it from Stripe and record it."""
    state = gateway_for(session, merchant.id).retrieve_dispute(dispute_id)
    return record_dispute(session, merchant, state)


def disputes_of(session: DbSession, merchant_id: int) -> list[Dispute]:
    """The merchant's disputes, open ones first, each by the date its evidence is due."""
    disputes = session.scalars(
        select(Dispute).where(Dispute.merchant_id == merchant_id).order_by(Dispute.id.desc())
    )
    return sorted(disputes, key=lambda d: (not d.open, d.evidence_due_by is None))


def payment_disputes(session: DbSession, payment: Payment) -> list[Dispute]:
    return list(
        session.scalars(
            select(Dispute)
            .where(Dispute.merchant_id == payment.merchant_id, Dispute.payment_id == payment.id)
            .order_by(Dispute.id)
        )
    )
