"""The only code that changes payments. ``record_intent`` is the one recording path (rule 5).

The return page, webhooks and reconciliation all read the PaymentIntent from Stripe and hand it
to ``record_intent``, which is idempotent: recording the same state twice changes nothing and
appends no event. A payment never moves backwards (a late ``processing`` after ``succeeded`` is
ignored); refunds and disputes are read from the intent's latest charge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import DbSession
from app.mail import public_url_for, send_email
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentEvent, PaymentStatus
from app.payments.reasons import failure_reason
from app.processors.access import connected_gateway
from app.processors.gateway import GatewayError, IntentState, PaymentGateway

log = logging.getLogger("kassa.payments")
GatewayLookup = Callable[[DbSession, int], PaymentGateway]

# Metadata Kassa puts on every PaymentIntent, so an intent can be traced back without Kassa's DB.
METADATA_CHECKOUT = "kassa_checkout"
METADATA_DOCUMENT_TYPE = "kassa_document_type"
METADATA_DOCUMENT_ID = "kassa_document_id"
METADATA_MERCHANT = "kassa_merchant"

# How far along a payment is; it only ever moves to a later stage (with the exceptions in
# ``_may_move``).
_STAGE = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.FAILED: 1,
    PaymentStatus.PROCESSING: 2,
    PaymentStatus.CANCELED: 3,
    PaymentStatus.SUCCEEDED: 4,
    PaymentStatus.PARTIALLY_REFUNDED: 5,
    PaymentStatus.REFUNDED: 6,
    PaymentStatus.DISPUTED: 7,
}
_REFUND_STAGES = (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
PAID = frozenset(
    {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.DISPUTED,
    }
)
OPEN = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)


# What a document does once it is paid (or its bank debit started), by document type: a
# storefront cart empties itself. Registered by the documents' own code, which payments does not
# import; called from ``record_intent`` once per payment, never for a refunded duplicate.
PaidHook = Callable[[DbSession, Payment], None]
_PAID_HOOKS: dict[str, PaidHook] = {}


def register_paid_hook(document_type: str, hook: PaidHook) -> None:
    _PAID_HOOKS[document_type] = hook


# A concurrent recording (a webhook, the return page) wrote the same payment first.
CONFLICTS = (StaleDataError, IntegrityError, OperationalError)
ATTEMPTS = 3
Result = TypeVar("Result")


def retry_on_conflict(session: DbSession, action: Callable[[], Result]) -> Result:
    """Run ``action``; when a concurrent recording won, roll back and run it on fresh data
    (at most ``ATTEMPTS`` times, then the conflict is raised)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return action()
        except CONFLICTS:
            session.rollback()
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class BuyerDetails:
    """Who pays, as the checkout collected it. Addresses are plain dicts (line1, city, ...)."""

    email: str
    name: str = ""
    phone: str = ""
    locale: str = "en"
    billing_address: dict[str, Any] | None = None
    shipping_address: dict[str, Any] | None = None


def intent_metadata(
    merchant: Merchant, *, document_type: str, document_id: str, checkout_reference: str
) -> dict[str, str]:
    """The metadata the checkout puts on the PaymentIntent it creates."""
    return {
        METADATA_MERCHANT: merchant.public_id,
        METADATA_CHECKOUT: checkout_reference,
        METADATA_DOCUMENT_TYPE: document_type,
        METADATA_DOCUMENT_ID: document_id,
    }


def payment_for_intent(session: DbSession, merchant_id: int, intent_id: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(Payment.merchant_id == merchant_id, Payment.intent_id == intent_id)
    )


def start_payment(
    session: DbSession,
    merchant: Merchant,
    *,
    intent: IntentState,
    document_type: str,
    document_id: str,
    checkout_reference: str,
    buyer: BuyerDetails,
) -> Payment:
    """The ``pending`` payment for an intent the checkout just created (or updated).

    Calling it again for the same intent updates the buyer details and records the intent.
    """
    payment = payment_for_intent(session, merchant.id, intent.id)
    if payment is None:
        payment = _new_payment(merchant, intent)
        payment.document_type = document_type
        payment.document_id = document_id
        payment.checkout_reference = checkout_reference
        session.add(payment)
        session.flush()
        _append(session, payment, "created", {"amount": intent.amount.amount})
    _set_buyer(payment, buyer)
    return record_intent(session, merchant, intent)


def _set_buyer(payment: Payment, buyer: BuyerDetails) -> None:
    payment.buyer_email = buyer.email
    payment.buyer_name = buyer.name
    payment.buyer_phone = buyer.phone
    payment.buyer_locale = buyer.locale
    payment.billing_address = buyer.billing_address
    payment.shipping_address = buyer.shipping_address


def _new_payment(merchant: Merchant, intent: IntentState) -> Payment:
    return Payment(
        merchant_id=merchant.id,
        intent_id=intent.id,
        status=PaymentStatus.PENDING,
        document_type=intent.metadata.get(METADATA_DOCUMENT_TYPE, ""),
        document_id=intent.metadata.get(METADATA_DOCUMENT_ID, ""),
        checkout_reference=intent.metadata.get(METADATA_CHECKOUT, ""),
        currency=intent.amount.currency,
        amount=intent.amount.amount,
        amount_refunded=0,
        method_details={},
        livemode=intent.livemode,
        buyer_locale=merchant.default_locale,
    )


def status_of(intent: IntentState) -> PaymentStatus:
    """Our status for Stripe's, refunds and disputes read from the latest charge."""
    if intent.status == "succeeded":
        refunded = intent.amount_refunded.amount if intent.amount_refunded else 0
        if intent.disputed:
            return PaymentStatus.DISPUTED
        if refunded >= intent.amount_received.amount > 0:
            return PaymentStatus.REFUNDED
        return PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.SUCCEEDED
    if intent.status == "processing":
        return PaymentStatus.PROCESSING
    if intent.status == "canceled":
        return PaymentStatus.CANCELED
    if intent.status == "requires_payment_method" and intent.error_code:
        return PaymentStatus.FAILED
    return PaymentStatus.PENDING


def _may_move(current: PaymentStatus, new: PaymentStatus) -> bool:
    if new is current or current is PaymentStatus.CANCELED:
        return False
    if current in _REFUND_STAGES and new in (PaymentStatus.SUCCEEDED, *_REFUND_STAGES):
        # A refund failed (a bank debit's refund can, days later): Stripe lowered the charge's
        # refunded amount, so the payment is refunded less, or not at all, again. Every
        # recording reads the intent from Stripe just before (and concurrent recordings collide
        # on the version), so a lower refunded status is Stripe's word, not an old snapshot.
        return True
    if current is PaymentStatus.PROCESSING and new is PaymentStatus.FAILED:
        return True  # a bank debit that did not clear
    if current is PaymentStatus.FAILED and new is PaymentStatus.PENDING:
        return False  # the buyer may try again; the failure stays visible until then
    return _STAGE[new] > _STAGE[current]


def record_intent(
    session: DbSession,
    merchant: Merchant,
    intent: IntentState,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> Payment:
    """Record what Stripe says of this PaymentIntent: the one path that records money.

    Idempotent: each real change appends one event; a replay appends none. The first time the
    payment is taken (or starts processing, for bank debits) the buyer and the merchant are
    emailed. A second paid intent for the same checkout is flagged and refunded.
    """
    payment = payment_for_intent(session, merchant.id, intent.id)
    if payment is None:
        payment = _new_payment(merchant, intent)
        session.add(payment)
        session.flush()
        _append(session, payment, "created", {"amount": intent.amount.amount})
    previous = payment.status
    _record_details(payment, intent)
    _record_amount(session, payment, intent)
    _record_balance(session, payment, intent)
    _record_refunds(session, payment, intent)
    new = status_of(intent)
    if _may_move(previous, new):
        payment.status = new
        _append(session, payment, "status_changed", _status_detail(previous, new, intent))
    session.flush()  # a concurrent recording of the same payment fails here (version check)
    if payment.status is not previous:
        _after_status_change(session, merchant, payment, previous, gateway_for)
    return payment


def _record_details(payment: Payment, intent: IntentState) -> None:
    """Method details and the latest charge: facts, not changes of money, so no event."""
    if intent.method is not None:
        payment.method_type = intent.method.type
        payment.method_details = intent.method.as_dict()
        payment.mandate_id = intent.method.mandate_id or payment.mandate_id
    payment.latest_charge_id = intent.latest_charge_id or payment.latest_charge_id
    if intent.error_code:
        payment.failure_code = intent.decline_code or intent.error_code
        payment.failure_message = intent.error_message


def _record_amount(session: DbSession, payment: Payment, intent: IntentState) -> None:
    """The amount may change while the buyer has not paid (quantity, method surcharge)."""
    unpaid = payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
    if unpaid and intent.amount.amount != payment.amount:
        _append(
            session, payment, "amount_changed", {"from": payment.amount, "to": intent.amount.amount}
        )
        payment.amount = intent.amount.amount


def _record_balance(session: DbSession, payment: Payment, intent: IntentState) -> None:
    if intent.fee is None or intent.net is None:
        return
    if (intent.fee.amount, intent.net.amount) == (payment.fee, payment.net):
        return
    payment.fee, payment.net = intent.fee.amount, intent.net.amount
    _append(
        session,
        payment,
        "fee_recorded",
        {"fee": payment.fee, "net": payment.net, "balance_status": intent.balance_status},
    )


def _record_refunds(session: DbSession, payment: Payment, intent: IntentState) -> None:
    """The charge's refunded amount as Stripe has it: higher after a refund, lower after a
    refund that failed (the money went back to the merchant's Stripe balance)."""
    refunded = intent.amount_refunded.amount if intent.amount_refunded else 0
    if refunded == payment.amount_refunded:
        return
    kind = "refund_recorded" if refunded > payment.amount_refunded else "refund_failed"
    detail = {"amount_refunded": refunded, "previously": payment.amount_refunded}
    if kind == "refund_failed":
        detail["amount_failed"] = payment.amount_refunded - refunded
    _append(session, payment, kind, detail)
    payment.amount_refunded = refunded


def _status_detail(
    previous: PaymentStatus, new: PaymentStatus, intent: IntentState
) -> dict[str, Any]:
    detail: dict[str, Any] = {"from": previous.value, "to": new.value}
    if new is PaymentStatus.FAILED:
        detail.update(
            code=intent.error_code, decline_code=intent.decline_code, message=intent.error_message
        )
    return detail


def _append(session: DbSession, payment: Payment, kind: str, detail: dict[str, Any]) -> None:
    session.add(
        PaymentEvent(
            merchant_id=payment.merchant_id, payment_id=payment.id, kind=kind, detail=detail
        )
    )


def _after_status_change(
    session: DbSession,
    merchant: Merchant,
    payment: Payment,
    previous: PaymentStatus,
    gateway_for: GatewayLookup,
) -> None:
    """Emails and duplicate handling, once per transition (the caller saw a real change)."""
    if previous is PaymentStatus.PROCESSING and payment.status is PaymentStatus.FAILED:
        _notify_bounced(merchant, payment)
        _notify_merchant(merchant, payment, "merchant_payment_failed")
        return
    first_paid = payment.status in PAID and previous not in PAID
    first_processing = payment.status is PaymentStatus.PROCESSING
    if not (first_paid or first_processing):
        return
    if first_paid:
        original = _paid_twin(session, payment)
        if original is not None:
            _refund_duplicate(session, payment, original, gateway_for)
            return
    hook = _PAID_HOOKS.get(payment.document_type)
    if hook is not None and previous is not PaymentStatus.PROCESSING:
        hook(session, payment)
    if payment.buyer_email:
        template = "receipt" if first_paid else "payment_processing"
        send_email(
            payment.buyer_email, template, payment.buyer_locale, merchant=merchant, payment=payment
        )
    if previous is not PaymentStatus.PROCESSING:
        _notify_merchant(merchant, payment)


def _notify_bounced(merchant: Merchant, payment: Payment) -> None:
    """A bank debit the buyer was told is processing did not clear: they would otherwise wait
    for a receipt that never comes. The email says why and where to pay again."""
    if not payment.buyer_email:
        return
    send_email(
        payment.buyer_email,
        "payment_failed",
        payment.buyer_locale,
        merchant=merchant,
        payment=payment,
        reason=failure_reason(payment.failure_code),
        pay_again_url=(
            public_url_for("checkout.pay", token=payment.checkout_reference)
            if payment.checkout_reference
            else None
        ),
    )


def _notify_merchant(
    merchant: Merchant, payment: Payment, template: str = "merchant_payment"
) -> None:
    """The owners hear of each new payment, and of a bank debit that did not clear."""
    for user in merchant.users:
        if user.is_owner:
            send_email(
                user.email,
                template,
                merchant.default_locale,
                merchant=merchant,
                payment=payment,
                reason=failure_reason(payment.failure_code),
            )


def _paid_twin(session: DbSession, payment: Payment) -> Payment | None:
    """An earlier paid payment of the same checkout: then this one is a duplicate.

    The checkout's payments are locked first (PostgreSQL; SQLite serializes writers anyway), so
    two intents of one checkout paid at the same moment cannot both miss each other.
    """
    if not payment.checkout_reference:
        return None
    same_checkout = (
        Payment.merchant_id == payment.merchant_id,
        Payment.checkout_reference == payment.checkout_reference,
    )
    session.scalars(select(Payment.id).where(*same_checkout).with_for_update()).all()
    return session.scalar(
        select(Payment)
        .where(
            *same_checkout,
            Payment.id != payment.id,
            Payment.duplicate_of_id.is_(None),
            Payment.status.in_(PAID),
        )
        .order_by(Payment.id)
        .limit(1)
    )


def _refund_duplicate(
    session: DbSession, payment: Payment, original: Payment, gateway_for: GatewayLookup
) -> None:
    """Flag the second payment of one checkout and give the buyer their money back."""
    payment.duplicate_of_id = original.id
    _append(session, payment, "flagged_duplicate", {"duplicate_of": original.id})
    try:
        refund = gateway_for(session, payment.merchant_id).create_refund(
            payment.intent_id,
            f"payment:{payment.id}:duplicate-refund",
            reason="duplicate",
            metadata={"kassa_payment": str(payment.id)},
        )
    except GatewayError as error:
        log.warning(
            "duplicate refund failed",
            extra={"fields": {"payment_id": payment.id, "failure": str(error.failure)}},
        )
        _append(session, payment, "duplicate_refund_failed", {"failure": str(error.failure)})
        return
    _append(
        session,
        payment,
        "duplicate_refunded",
        {"refund": refund.id, "amount": refund.amount.amount, "refund_status": refund.status},
    )
    payment.amount_refunded = refund.amount.amount
    payment.status = PaymentStatus.REFUNDED


def refresh_from_stripe(
    session: DbSession,
    merchant: Merchant,
    intent_id: str,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> Payment:
    """Read the intent from Stripe now and record it: what the return page calls.

    Raises ``GatewayError`` when Stripe cannot be read (the page then says it will update).
    """
    intent = gateway_for(session, merchant.id).retrieve_payment_intent(intent_id)
    return record_intent(session, merchant, intent, gateway_for=gateway_for)


def record_mandate_update(
    session: DbSession, merchant: Merchant, mandate_id: str, mandate_status: str
) -> Payment | None:
    """A bank debit mandate changed (Bacs becomes active or inactive): an event on its payment."""
    payment = session.scalar(
        select(Payment)
        .where(Payment.merchant_id == merchant.id, Payment.mandate_id == mandate_id)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if payment is None:
        return None
    _append(session, payment, "mandate_updated", {"mandate": mandate_id, "status": mandate_status})
    return payment


def payments_to_reconcile(
    session: DbSession, now: datetime, older_than: timedelta
) -> list[Payment]:
    """Payments still pending or processing that no event has moved for ``older_than``.

    Intents abandoned for more than a week are left alone: Stripe cancels nothing by itself,
    and re-reading every abandoned checkout forever would only cost requests.
    """
    return list(
        session.scalars(
            select(Payment)
            .where(
                Payment.status.in_(OPEN),
                Payment.updated_at <= now - older_than,
                Payment.created_at >= now - timedelta(days=7),
            )
            .order_by(Payment.id)
        )
    )


def reconcile(
    session: DbSession,
    now: datetime,
    older_than: timedelta,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> int:
    """Re-read open payments' intents from Stripe and record them; how many were read.

    Each payment is recorded in its own savepoint, so one that fails (Stripe unreachable, a
    disconnected merchant) leaves the others recorded; it is tried again on the next run.
    """
    read = 0
    for payment in payments_to_reconcile(session, now, older_than):
        merchant = session.get(Merchant, payment.merchant_id)
        if merchant is None:
            continue
        try:
            with session.begin_nested():
                refresh_from_stripe(session, merchant, payment.intent_id, gateway_for=gateway_for)
            read += 1
        except (GatewayError, StaleDataError) as error:  # Stripe unreachable; a webhook won
            log.warning(
                "reconcile could not record an intent",
                extra={"fields": {"payment_id": payment.id, "error": type(error).__name__}},
            )
    return read
