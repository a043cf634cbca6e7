"""Refunds the merchant asks for in the panel, in full or in parts, and how their status follows
Stripe's.

What may still be refunded is held on the payment (``Payment.refund_reserved``), raised by one
guarded UPDATE before Stripe is asked: two refunds asked at the same moment (two tabs, two staff
members) that together pass the amount cannot both be held, so only one reaches Stripe. A form
sent twice carries one ``request_id`` (made when it was shown): it is one refund, and the id is
the Stripe request's idempotency key. A refund Stripe refuses, or that fails later (a bank
refund can, days later), gives its amount back. A refund changes the payment through the one
recording path (the intent re-read), so its document counts it as it counts any refund, and
nothing else is cancelled. The receipt can be sent again from the same page.
"""

from __future__ import annotations

import contextlib
import logging

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from app.core.errors import ServiceError
from app.core.money import Money, format_money
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentEvent, PaymentStatus, Refund, RefundStatus
from app.payments.receipts import send_receipt
from app.payments.service import PAID, GatewayLookup, refresh_from_stripe
from app.processors.access import connected_gateway
from app.processors.gateway import GatewayError, RefundResult
from app.processors.idempotency import idempotency_key

log = logging.getLogger("kassa.payments")

# Stripe's reasons for a refund (``None``: none given).
REASONS = ("requested_by_customer", "duplicate", "fraudulent")
REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
_FINAL_FAILURES = (RefundStatus.FAILED, RefundStatus.CANCELED)


def refundable(payment: Payment) -> Money:
    """What may still be refunded: the amount less what the panel's refunds hold or Stripe
    already refunded (a refund made in Stripe's dashboard counts too)."""
    taken = max(payment.refund_reserved, payment.amount_refunded)
    return Money(max(payment.amount - taken, 0), payment.currency)


def refunds_of(session: DbSession, payment: Payment) -> list[Refund]:
    return list(
        session.scalars(
            select(Refund)
            .where(Refund.merchant_id == payment.merchant_id, Refund.payment_id == payment.id)
            .order_by(Refund.id)
        )
    )


def _by_request(session: DbSession, merchant_id: int, request_id: str) -> Refund | None:
    return session.scalar(
        select(Refund).where(Refund.merchant_id == merchant_id, Refund.request_id == request_id)
    )


def _hold(session: DbSession, payment: Payment, amount: int) -> bool:
    """Raise what the panel's refunds hold by ``amount`` if it still fits in the payment (and
    the payment is refundable), in one UPDATE: whoever comes second sees the first's hold."""
    payments = Payment.__table__
    taken = case(
        (payments.c.refund_reserved >= payments.c.amount_refunded, payments.c.refund_reserved),
        else_=payments.c.amount_refunded,
    )
    held = session.execute(
        update(payments)
        .where(
            payments.c.id == payment.id,
            payments.c.merchant_id == payment.merchant_id,
            payments.c.status.in_([status.value for status in REFUNDABLE]),
            taken + amount <= payments.c.amount,
        )
        .values(refund_reserved=payments.c.refund_reserved + amount)
    )
    session.expire(payment, ["refund_reserved"])
    return held.rowcount == 1  # type: ignore[attr-defined]


def _release(session: DbSession, payment: Payment, amount: int) -> None:
    """A refund that will not happen gives its amount back (bookkeeping: no version change)."""
    payments = Payment.__table__
    session.execute(
        update(payments)
        .where(payments.c.id == payment.id)
        .values(refund_reserved=payments.c.refund_reserved - amount)
    )
    session.expire(payment, ["refund_reserved"])


def _event(
    session: DbSession, payment: Payment, kind: str, refund: Refund, **extra: object
) -> None:
    detail = {"refund": refund.id, "amount": refund.amount, "reason": refund.reason, **extra}
    session.add(
        PaymentEvent(
            merchant_id=payment.merchant_id, payment_id=payment.id, kind=kind, detail=detail
        )
    )


def _refusal(payment: Payment) -> ServiceError | None:
    if payment.status is PaymentStatus.DISPUTED:
        return ServiceError(_l("A disputed payment cannot be refunded: the dispute decides."))
    if payment.status is PaymentStatus.REFUNDED:
        return ServiceError(_l("This payment is refunded in full already."))
    if payment.status not in REFUNDABLE:
        return ServiceError(_l("Only a payment that went through can be refunded."))
    return None


def refund_payment(
    session: DbSession,
    merchant: Merchant,
    payment: Payment,
    *,
    amount: Money,
    reason: str | None,
    request_id: str,
    user_id: int | None,
    gateway_for: GatewayLookup = connected_gateway,
) -> Refund:
    """Refund ``amount`` of the payment (refused above what may still be refunded), and record
    what Stripe answered: a refund Stripe refused is returned ``failed`` with its reason, its
    amount given back. The same ``request_id`` again returns the refund it made."""
    existing = _by_request(session, merchant.id, request_id)
    if existing is not None:
        return existing
    refusal = _refusal(payment)
    if refusal is not None:
        raise refusal
    if amount.currency != payment.currency or amount.amount <= 0:
        raise ServiceError(_l("Enter an amount above zero."), "amount")
    if not _hold(session, payment, amount.amount):
        most = format_money(refundable(payment), str(get_locale()))
        raise ServiceError(gettext("At most %(amount)s can be refunded.", amount=most), "amount")
    refund = Refund(
        merchant_id=merchant.id,
        payment_id=payment.id,
        request_id=request_id,
        amount=amount.amount,
        reason=reason,
        status=RefundStatus.REQUESTED,
        user_id=user_id,
    )
    try:
        with session.begin_nested():
            session.add(refund)
            session.flush()
    except IntegrityError:  # the same form, sent twice at the same moment: the other one won
        _release(session, payment, amount.amount)
        found = _by_request(session, merchant.id, request_id)
        if found is None:
            raise
        return found
    _ask_stripe(session, merchant, payment, refund, gateway_for)
    return refund


def _ask_stripe(
    session: DbSession,
    merchant: Merchant,
    payment: Payment,
    refund: Refund,
    gateway_for: GatewayLookup,
) -> None:
    try:
        result = gateway_for(session, merchant.id).create_refund(
            payment.intent_id,
            idempotency_key(session, "refund", refund.request_id),
            amount=refund.money,
            reason=refund.reason,
            metadata={"kassa_refund": refund.request_id},
        )
    except GatewayError as error:
        log.warning(
            "refund refused",
            extra={"fields": {"payment_id": payment.id, "failure": str(error.failure)}},
        )
        refund.status = RefundStatus.FAILED
        refund.failure_reason = error.code or str(error.failure)
        _release(session, payment, refund.amount)
        _event(session, payment, "refund_refused", refund, failure=refund.failure_reason)
        return
    refund.stripe_refund_id = result.id
    _event(session, payment, "refund_requested", refund, user=refund.user_id)
    _follow(session, payment, refund, result)
    with contextlib.suppress(GatewayError):  # else the webhooks and reconciliation record it
        refresh_from_stripe(session, merchant, payment.intent_id, gateway_for=gateway_for)


def _follow(session: DbSession, payment: Payment, refund: Refund, result: RefundResult) -> None:
    """Take Stripe's status of the refund; one that failed (or was canceled) gives its amount
    back, once."""
    try:
        status = RefundStatus(result.status)
    except ValueError:
        return
    if status is refund.status:
        return
    failed_now = status in _FINAL_FAILURES and refund.holds_its_amount
    refund.status = status
    refund.failure_reason = result.failure_reason or refund.failure_reason
    if failed_now:
        _release(session, payment, refund.amount)
        _event(session, payment, "refund_request_failed", refund, failure=refund.failure_reason)


def follow_refund(
    session: DbSession,
    merchant: Merchant,
    refund_id: str,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> Refund | None:
    """A webhook said a refund changed: read it from Stripe and follow its status, if it is one
    the panel asked for (None otherwise)."""
    refund = session.scalar(
        select(Refund).where(
            Refund.merchant_id == merchant.id, Refund.stripe_refund_id == refund_id
        )
    )
    if refund is None:
        return None
    result = gateway_for(session, merchant.id).retrieve_refund(refund_id)
    _follow(session, refund.payment, refund, result)
    return refund


def resend_receipt(session: DbSession, merchant: Merchant, payment: Payment) -> str:
    """Email the buyer the receipt of a payment that went through, again; the address it went
    to. An event on the payment says so."""
    if payment.status not in PAID or not payment.accepted:
        raise ServiceError(_l("Only a payment that went through has a receipt."))
    if not payment.buyer_email:
        raise ServiceError(_l("The buyer left no email address."))
    send_receipt(session, payment, "receipt_resent")
    session.add(
        PaymentEvent(
            merchant_id=payment.merchant_id,
            payment_id=payment.id,
            kind="receipt_resent",
            detail={"to": payment.buyer_email},
        )
    )
    return payment.buyer_email
