"""The only code that changes payments. ``record_intent`` is the one recording path (rule 5).

The return page, webhooks and reconciliation all read the PaymentIntent from Stripe and hand it
to ``record_intent``, which is idempotent: recording the same state twice changes nothing and
appends no event. A payment never moves backwards (a late ``processing`` after ``succeeded`` is
ignored); refunds and disputes are read from the intent's latest charge.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.core.clock import aware
from app.customers.service import CustomerDetails, customer_for_buyer
from app.extensions import DbSession
from app.mail import email_owners, public_url_for, send_email
from app.mail_log.service import about_payment
from app.merchants.models import Merchant
from app.payments import health
from app.payments.models import IMPORTED_DOCUMENT, Payment, PaymentEvent, PaymentStatus
from app.payments.reasons import failure_reason, rejection_reason
from app.payments.receipts import issue_receipt, send_receipt
from app.payments.totals import COUNTED, move_totals, share
from app.processors.access import connected_gateway
from app.processors.connection import current_connection
from app.processors.gateway import (
    GatewayError,
    GatewayFailure,
    IntentState,
    PaymentGateway,
    SetupState,
)
from app.processors.idempotency import idempotency_key

if TYPE_CHECKING:
    from app.checkout.models import CheckoutSession

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
PAID = frozenset(COUNTED)  # Stripe took the money: what the daily totals count


class Rejection(enum.StrEnum):
    """Why the confirmation refused a payment Stripe took: it is refunded, flagged to the
    merchant and told to the buyer, and never counts as paid for its document."""

    DUPLICATE = "duplicate"  # the checkout was paid already (another tab, a second intent)
    AMOUNT_MISMATCH = "amount_mismatch"  # amount, currency or method other than priced
    LIMIT_REACHED = "limit_reached"  # the document sold out while this buyer paid
    DISCOUNT_USED_UP = "discount_used_up"  # the code's last use went to another buyer
    BALANCE_PAID = "balance_paid"  # the invoice's balance was paid (or it was voided) meanwhile


class CheckoutHooks(Protocol):
    """What the checkout does when the one recording path moves a payment it took. The checkout
    registers itself (``register_checkout_hooks``); payments does not import it."""

    def confirm(
        self, session: DbSession, payment: Payment, intent: IntentState
    ) -> Rejection | None:
        """Check what was paid against what was priced and claim the document's limits and the
        discount's use (atomically); a reason when the payment cannot be accepted."""

    def taken(self, session: DbSession, payment: Payment) -> None:
        """An accepted payment was paid, or its bank debit started."""

    def settled(self, session: DbSession, payment: Payment) -> bool:
        """An accepted payment's money is in: paid at once (right after ``taken``), or a bank
        debit that cleared. Once per accepted payment. True when its document sent the payer a
        receipt of its own (then the payment's receipt is not sent)."""

    def released(self, session: DbSession, payment: Payment) -> None:
        """An accepted bank debit bounced: give back what ``confirm`` claimed."""

    def refunded(self, session: DbSession, payment: Payment, change: int) -> None:
        """An accepted, settled payment was refunded by ``change`` (minor units; below zero
        when a refund failed and the money came back)."""

    def rejected(self, session: DbSession, payment: Payment) -> None:
        """A payment was refused: the buyer may pay again (unless it was a duplicate)."""

    def tells_owners(self, session: DbSession, payment: Payment) -> bool:
        """Whether the payment's document emails the owners of it itself (an invoice: paid, or
        a part and what is left): then they get no "New payment" email as well."""


_checkout_hooks: list[CheckoutHooks] = []


def register_checkout_hooks(hooks: CheckoutHooks) -> None:
    _checkout_hooks[:] = [hooks]


# SetupIntents: a document that saves a buyer's method without a payment (a quote with nothing
# due at acceptance) registers what it does when one of its setups succeeds or fails; payments
# do not import it. Found by the intent's ``kassa_document_type`` metadata.
SetupHandler = Callable[[DbSession, Merchant, SetupState], bool]
_setup_handlers: dict[str, SetupHandler] = {}
# The SetupIntents a document still waits on (the buyer confirmed, never came back, and the
# webhook was lost), listed for reconciliation: (merchant, SetupIntent id) pairs, given the
# run's ``now`` and how long a SetupIntent is left to its return page and webhook first.
AwaitedSetups = Callable[[DbSession, datetime, timedelta], list[tuple[Merchant, str]]]
_awaited_setups: dict[str, AwaitedSetups] = {}


def register_setup_handler(
    document_type: str, handler: SetupHandler, awaited: AwaitedSetups | None = None
) -> None:
    _setup_handlers[document_type] = handler
    if awaited is not None:
        _awaited_setups[document_type] = awaited


def setup_metadata(merchant: Merchant, *, document_type: str, document_id: str) -> dict[str, str]:
    """The metadata a document puts on the SetupIntent it creates."""
    return {
        METADATA_MERCHANT: merchant.public_id,
        METADATA_DOCUMENT_TYPE: document_type,
        METADATA_DOCUMENT_ID: document_id,
    }


def record_setup_intent(session: DbSession, merchant: Merchant, setup: SetupState) -> bool:
    """Hand a SetupIntent Kassa made for ``merchant`` to its document; False when it is not
    one of Kassa's (made outside Kassa, or another merchant's) or its document ignored it."""
    if setup.metadata.get(METADATA_MERCHANT) != merchant.public_id:
        return False
    handler = _setup_handlers.get(setup.metadata.get(METADATA_DOCUMENT_TYPE, ""))
    return handler(session, merchant, setup) if handler is not None else False


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
    # The customer the document is addressed to (an invoice's), when the document knows them;
    # otherwise the payment finds or makes its customer by ``email`` once it is taken.
    customer_id: int | None = None


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
    document_number: str = "",
    checkout: CheckoutSession | None = None,
) -> Payment:
    """The ``pending`` payment for an intent the checkout just created (or updated).

    Calling it again for the same intent updates the buyer details and records the intent.
    ``document_number`` is the document's own number, when it has one (an invoice's).
    ``checkout``, when the caller holds it, is kept as the payment's (the recording's hooks
    read it there instead of asking the database again).
    """
    payment = payment_for_intent(session, merchant.id, intent.id)
    if payment is None:
        payment = _new_payment(merchant, intent)
        payment.document_type = document_type
        payment.document_id = document_id
        payment.checkout_reference = checkout_reference
        payment.document_number = document_number
        session.add(payment)
        session.flush()
        _append(session, payment, "created", {"amount": intent.amount.amount})
    if checkout is not None and checkout.public_id == payment.checkout_reference:
        set_committed_value(payment, "checkout", checkout)
    _set_buyer(payment, buyer)
    return _record_payment(session, merchant, intent, payment, connected_gateway)


def record_imported_charge(
    session: DbSession,
    merchant: Merchant,
    intent: IntentState,
    *,
    customer_id: int,
    reference: str,
) -> Payment | None:
    """Keep a PaymentIntent Stripe charged before Kassa (``reference``: what paid it there,
    a Stripe invoice) as the customer's payment, dated when Stripe charged it, through
    ``record_intent`` like every payment: amount, fee and net from its balance transaction,
    refunds, the report's totals. None when Kassa has the intent already (a rerun, or one
    Kassa charged itself): a PaymentIntent is one payment (``intent_id`` is unique)."""
    if payment_for_intent(session, merchant.id, intent.id) is not None:
        return None
    payment = _new_payment(merchant, intent)
    payment.document_type, payment.document_id = IMPORTED_DOCUMENT, reference
    payment.checkout_reference = ""
    payment.customer_id, payment.created_at = customer_id, intent.created
    session.add(payment)
    session.flush()
    _append(session, payment, "created", {"amount": intent.amount.amount, "imported": True})
    return record_intent(session, merchant, intent)


def _set_buyer(payment: Payment, buyer: BuyerDetails) -> None:
    payment.buyer_email = buyer.email
    payment.buyer_name = buyer.name
    payment.buyer_phone = buyer.phone
    payment.buyer_locale = buyer.locale
    payment.billing_address = buyer.billing_address
    payment.shipping_address = buyer.shipping_address
    if buyer.customer_id is not None:
        payment.customer_id = buyer.customer_id


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

    Idempotent: each real change appends one event; a replay appends none. The daily totals
    the revenue report reads move with the payment, in its transaction. The first time the
    payment is taken (or starts processing, for bank debits) the buyer and the merchant are
    emailed. A second paid intent for the same checkout is flagged and refunded.
    """
    payment = payment_for_intent(session, merchant.id, intent.id)
    if payment is None:
        payment = _new_payment(merchant, intent)
        session.add(payment)
        session.flush()
        _append(session, payment, "created", {"amount": intent.amount.amount})
    return _record_payment(session, merchant, intent, payment, gateway_for)


def _record_payment(
    session: DbSession,
    merchant: Merchant,
    intent: IntentState,
    payment: Payment,
    gateway_for: GatewayLookup,
) -> Payment:
    """``record_intent`` once the intent's payment is found (or made): what ``start_payment``
    calls with the payment it holds, so it is not looked up again."""
    previous, refunded_before = payment.status, payment.amount_refunded
    counted_before = share(payment)
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
        _after_status_change(session, merchant, payment, previous, intent, gateway_for)
    _after_refund_change(session, payment, payment.amount_refunded - refunded_before)
    session.flush()  # the version check first: a recording that lost moves no totals
    move_totals(session, counted_before, share(payment))
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
    """Fee and net as Stripe booked them, in the currency it settled in (which may not be the
    payment's: then with the exchange rate it converted at)."""
    if intent.fee is None or intent.net is None:
        return
    # When the money is expected in the balance: a fact of Stripe's timing, not a change of
    # money, so it is kept without an event.
    payment.available_on = intent.available_on or payment.available_on
    settled = intent.settlement_currency or intent.fee.currency
    settlement = None if settled == payment.currency else settled
    rate = None if settlement is None or intent.exchange_rate is None else str(intent.exchange_rate)
    recorded = (payment.fee, payment.net, payment.settlement_currency, payment.exchange_rate)
    if (intent.fee.amount, intent.net.amount, settlement, rate) == recorded:
        return
    payment.fee, payment.net = intent.fee.amount, intent.net.amount
    payment.settlement_currency, payment.exchange_rate = settlement, rate
    _append(
        session,
        payment,
        "fee_recorded",
        {
            "fee": payment.fee,
            "net": payment.net,
            "currency": settled,
            "exchange_rate": rate,
            "balance_status": intent.balance_status,
        },
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


def _after_refund_change(session: DbSession, payment: Payment, change: int) -> None:
    """Part of an accepted, paid payment went back to the buyer (``change`` above zero: they
    are emailed), or a refund failed and the money came back (below zero): its document
    counts it. A refused
    payment's refund never counted for it. After the status change, so a payment first seen
    paid and refunded at once has been settled before its refund counts."""
    accepted = payment.rejection is None and payment.duplicate_of_id is None
    if not change or not accepted or payment.status not in PAID:
        return
    for hooks in _checkout_hooks:
        hooks.refunded(session, payment, change)
    if change > 0 and payment.buyer_email:
        merchant = session.get(Merchant, payment.merchant_id)
        send_email(
            payment.buyer_email, "refund", payment.buyer_locale, merchant=merchant,
            payment=payment, refunded=payment.money(change),
            logged_as=about_payment(payment, "refund"),
        )  # fmt: skip


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
    intent: IntentState,
    gateway_for: GatewayLookup,
) -> None:
    """Confirmation, claims, emails and refunds, once per transition (the caller saw a real
    change). A payment is confirmed the first time money moves (paid, or a debit started).
    An imported charge is none of these: Stripe confirmed and receipted it before Kassa."""
    if payment.document_type == IMPORTED_DOCUMENT:
        return
    if previous is PaymentStatus.PROCESSING and payment.status is PaymentStatus.FAILED:
        _debit_bounced(session, merchant, payment)
        return
    taken = payment.status in PAID or payment.status is PaymentStatus.PROCESSING
    if not taken or previous in PAID:
        return
    if previous is PaymentStatus.PROCESSING:  # a debit cleared: confirmed when it started
        if payment.rejection is not None:
            _refund_rejected(session, payment, gateway_for)
            return
        receipted = _settle(session, payment)
        if payment.buyer_email and not receipted:
            send_receipt(session, payment)
        return
    rejection = _confirm(session, payment, intent)
    if rejection is not None:
        _reject(session, merchant, payment, rejection, gateway_for)
        return
    _link_customer(session, payment)
    for hooks in _checkout_hooks:
        hooks.taken(session, payment)
    receipted = payment.status in PAID and _settle(session, payment)
    if payment.buyer_email and not receipted and payment.status in PAID:
        send_receipt(session, payment)
    elif payment.buyer_email and not receipted:
        send_email(
            payment.buyer_email, "payment_processing", payment.buyer_locale, merchant=merchant,
            payment=payment, logged_as=about_payment(payment, "payment_processing"),
        )  # fmt: skip
    if not any([hooks.tells_owners(session, payment) for hooks in _checkout_hooks]):
        _notify_merchant(merchant, payment)  # one email a payment, not two of an invoice's


def _settle(session: DbSession, payment: Payment) -> bool:
    """The payment's money is in: it takes its receipt number, and the checkout is told; True
    when its document sent the payer a receipt of its own."""
    issue_receipt(session, payment)
    return any([hooks.settled(session, payment) for hooks in _checkout_hooks])


def _link_customer(session: DbSession, payment: Payment) -> None:
    """An accepted payment, paid or on its way, belongs to the merchant's customer with the
    buyer's email (found, or made from what the buyer typed at checkout), unless its document
    named the customer already. Runs once: on the payment's first taken transition."""
    if payment.customer_id is not None:
        return
    buyer = CustomerDetails(
        name=payment.buyer_name,
        email=payment.buyer_email,
        phone=payment.buyer_phone,
        billing_address=payment.billing_address,
        shipping_address=payment.shipping_address,
        locale=payment.buyer_locale,
        currency=payment.currency,
    )
    customer = customer_for_buyer(session, payment.merchant_id, buyer)
    if customer is not None:
        payment.customer_id = customer.id


def _confirm(session: DbSession, payment: Payment, intent: IntentState) -> Rejection | None:
    """A second payment of one checkout is a duplicate; the checkout checks the rest."""
    original = _paid_twin(session, payment)
    if original is not None:
        payment.duplicate_of_id = original.id
        _append(session, payment, "flagged_duplicate", {"duplicate_of": original.id})
        return Rejection.DUPLICATE
    for hooks in _checkout_hooks:
        rejection = hooks.confirm(session, payment, intent)
        if rejection is not None:
            return rejection
    return None


def _reject(
    session: DbSession,
    merchant: Merchant,
    payment: Payment,
    rejection: Rejection,
    gateway_for: GatewayLookup,
) -> None:
    """Flag a payment the confirmation refused, refund it once it is paid (a debit still
    processing is refunded when it clears), and tell the buyer and the owners."""
    payment.rejection = rejection.value
    if rejection is not Rejection.DUPLICATE:
        _append(session, payment, "rejected", {"reason": rejection.value})
    for hooks in _checkout_hooks:
        hooks.rejected(session, payment)
    if payment.status in PAID:
        _refund_rejected(session, payment, gateway_for)
    if payment.buyer_email:
        send_email(
            payment.buyer_email,
            "payment_rejected",
            payment.buyer_locale,
            merchant=merchant,
            payment=payment,
            reason=rejection_reason(payment.rejection),
            pay_again_url=_pay_again_url(payment) if rejection is not Rejection.DUPLICATE else None,
            logged_as=about_payment(payment, "payment_rejected"),
        )
    _notify_merchant(merchant, payment, "merchant_payment_rejected")


def _debit_bounced(session: DbSession, merchant: Merchant, payment: Payment) -> None:
    """A bank debit the buyer was told is processing did not clear: what it claimed is given
    back, and the buyer (who would otherwise wait for a receipt) and the owners are told."""
    if payment.rejection is not None:
        return  # refused when it started: the buyer was told then, nothing was claimed
    for hooks in _checkout_hooks:
        hooks.released(session, payment)
    _notify_bounced(merchant, payment)
    _notify_merchant(merchant, payment, "merchant_payment_failed")


def _pay_again_url(payment: Payment) -> str | None:
    checkout = payment.checkout
    if checkout is None:
        return None
    return public_url_for("checkout.pay", token=checkout.token)


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
        pay_again_url=_pay_again_url(payment),
        logged_as=about_payment(payment, "payment_failed"),
    )


def _notify_merchant(
    merchant: Merchant, payment: Payment, template: str = "merchant_payment"
) -> None:
    """The owners hear of each new payment, and of a bank debit that did not clear."""
    email_owners(
        merchant, template, payment=payment, reason=failure_reason(payment.failure_code),
        logged_as=about_payment(payment, template),
    )  # fmt: skip


def _paid_twin(session: DbSession, payment: Payment) -> Payment | None:
    """An earlier accepted payment of the same checkout (paid, or a debit on its way): then
    this one is a duplicate.

    The checkout's payments are locked first (PostgreSQL; SQLite serializes writers anyway), so
    two intents of one checkout paid at the same moment cannot both miss each other.
    """
    if not payment.checkout_reference:
        return None
    same_checkout = (
        Payment.merchant_id == payment.merchant_id,
        Payment.checkout_reference == payment.checkout_reference,
    )
    # One query: the lock reads the others as they are now (a checkout has a payment or two;
    # this one's row is this transaction's already), and the rule is applied here.
    others = session.scalars(
        select(Payment)
        .where(*same_checkout, Payment.id != payment.id)
        .order_by(Payment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return next(
        (
            other
            for other in others
            if other.duplicate_of_id is None
            and other.rejection is None
            and other.status in (*PAID, PaymentStatus.PROCESSING)
        ),
        None,
    )


def _refund_rejected(session: DbSession, payment: Payment, gateway_for: GatewayLookup) -> None:
    """Give the buyer back a refused payment. The key is the intent's id (Stripe's, durable
    before the call); the payment shows the refund by its real status: refunded only once
    Stripe says the refund succeeded (a bank refund may stay pending, or fail, for days)."""
    duplicate = payment.rejection == Rejection.DUPLICATE
    kind = "duplicate_refund" if duplicate else "rejection_refund"
    try:
        refund = gateway_for(session, payment.merchant_id).create_refund(
            payment.intent_id,
            idempotency_key(session, "refund", payment.intent_id, "rejected"),
            reason="duplicate" if duplicate else None,
            metadata={"kassa_rejection": payment.rejection or ""},
        )
    except GatewayError as error:
        log.warning(
            "refund of a rejected payment failed",
            extra={"fields": {"payment_id": payment.id, "failure": str(error.failure)}},
        )
        _append(session, payment, f"{kind}_failed", {"failure": str(error.failure)})
        return
    _append(
        session,
        payment,
        f"{kind}ed",
        {"refund": refund.id, "amount": refund.amount.amount, "refund_status": refund.status},
    )
    if refund.status == "succeeded":
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


# Reconciliation reads payments that are not final yet; a failed intent is not final either, as
# the buyer may pay the same intent again. Bank debits take longest to settle: SEPA Direct Debit
# up to 14 business days, nearly three weeks with weekends and holidays. Payments created within
# this window are read, so a lost webhook for the slowest debit is recovered; older ones are
# abandoned checkouts that nothing will move.
NOT_FINAL = (PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.FAILED)
RECONCILE_WINDOW = timedelta(days=30)
# An idle payment is read again after a tenth of its age (at least ``older_than``, at most this):
# a fresh one soon, an abandoned one rarely, a settled debit within hours at worst.
RECONCILE_MAX_INTERVAL = timedelta(hours=6)


def reconcile_interval(age: timedelta, older_than: timedelta) -> timedelta:
    """How long a payment of this age waits between two reconciliation reads."""
    return max(older_than, min(age / 10, RECONCILE_MAX_INTERVAL))


def reconcile_due(
    now: datetime,
    older_than: timedelta,
    *,
    created_at: datetime,
    updated_at: datetime,
    reconciled_at: datetime | None,
) -> bool:
    """Whether reconciliation should read a payment that is not final now: it was created within
    ``RECONCILE_WINDOW``, nothing moved it for ``older_than``, and its last read is older than
    its ``reconcile_interval``."""
    created, updated = aware(created_at), aware(updated_at)
    if created < now - RECONCILE_WINDOW or updated > now - older_than:
        return False
    if reconciled_at is None:
        return True
    return now - aware(reconciled_at) >= reconcile_interval(now - created, older_than)


def payments_to_reconcile(
    session: DbSession, now: datetime, older_than: timedelta
) -> list[Payment]:
    """Payments not final yet that are due for a read (``reconcile_due``), oldest first."""
    candidates = session.scalars(
        select(Payment)
        .where(
            Payment.status.in_(NOT_FINAL),
            Payment.updated_at <= now - older_than,
            Payment.created_at >= now - RECONCILE_WINDOW,
            or_(Payment.reconciled_at.is_(None), Payment.reconciled_at <= now - older_than),
        )
        .order_by(Payment.id)
    )
    return [
        payment
        for payment in candidates
        if reconcile_due(
            now,
            older_than,
            created_at=payment.created_at,
            updated_at=payment.updated_at,
            reconciled_at=payment.reconciled_at,
        )
    ]


class _Read(enum.Enum):
    RECORDED = "recorded"
    PASSED = "passed"  # a concurrent webhook recorded it first, or Stripe refused this intent
    STOP = "stop"  # Stripe was not reached or refused the keys: read no more of this merchant's


_STOPS_READING = (
    GatewayFailure.UNAVAILABLE,
    GatewayFailure.AUTHENTICATION,
    GatewayFailure.PERMISSION,
)


def _read_and_record(
    session: DbSession,
    merchant: Merchant,
    payment: Payment,
    now: datetime,
    gateway_for: GatewayLookup,
) -> _Read:
    """Re-read one payment's intent and record it, in its own savepoint.

    A read Stripe answered, even with an error, stamps ``reconciled_at``; one that did not reach
    Stripe, or lost to a webhook that recorded the payment meanwhile, is left for the next run.
    """
    payment_id, intent_id = payment.id, payment.intent_id
    try:
        with session.begin_nested():
            refresh_from_stripe(session, merchant, intent_id, gateway_for=gateway_for)
    except StaleDataError:
        log.info("reconcile lost to a webhook", extra={"fields": {"payment_id": payment_id}})
        return _Read.PASSED
    except GatewayError as error:
        log.warning(
            "reconcile could not record an intent",
            extra={"fields": {"payment_id": payment_id, "failure": str(error.failure)}},
        )
        if error.failure is not GatewayFailure.UNAVAILABLE:
            _stamp_reconciled(session, payment, now)
        return _Read.STOP if error.failure in _STOPS_READING else _Read.PASSED
    _stamp_reconciled(session, payment, now)
    return _Read.RECORDED


def _stamp_reconciled(session: DbSession, payment: Payment, now: datetime) -> None:
    """Bookkeeping, not a change of the payment: neither ``updated_at`` nor ``version`` moves,
    so a webhook recording the same payment meanwhile does not collide with it."""
    payments = Payment.__table__
    session.execute(
        update(payments)
        .where(payments.c.id == payment.id)
        .values(reconciled_at=now, updated_at=payments.c.updated_at)
    )
    session.expire(payment, ["reconciled_at"])


def reconcile(
    session: DbSession,
    now: datetime,
    older_than: timedelta,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> int:
    """Re-read the due payments' intents from Stripe and record them; how many were recorded.

    Each payment is recorded in its own savepoint, so one that fails leaves the others recorded.
    A merchant with no Stripe connection is skipped; one whose keys Stripe refuses, or when
    Stripe cannot be reached, is not read further in this run.
    """
    read = 0
    readable: dict[int, bool] = {}
    runs: dict[int, _ReconcileRun] = {}
    for payment in payments_to_reconcile(session, now, older_than):
        merchant_id = payment.merchant_id
        if merchant_id not in readable:
            readable[merchant_id] = current_connection(session, merchant_id) is not None
            if not readable[merchant_id]:
                log.info(
                    "reconcile skipped a merchant with no Stripe connection",
                    extra={"fields": {"merchant_id": merchant_id}},
                )
        merchant = session.get(Merchant, merchant_id)
        if not readable[merchant_id] or merchant is None:
            continue
        status_before = payment.status
        outcome = _read_and_record(session, merchant, payment, now, gateway_for)
        run = runs.setdefault(merchant_id, _ReconcileRun())
        if outcome is _Read.RECORDED:
            read += 1
            run.read += 1
            run.recovered += payment.status != status_before
        elif outcome is _Read.STOP:
            readable[merchant_id] = False
    for merchant_id, run in runs.items():
        health.record_reconcile_run(
            session, merchant_id, now, read=run.read, recovered=run.recovered
        )
    return read


def reconcile_setups(
    session: DbSession,
    now: datetime,
    older_than: timedelta,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> int:
    """Read the SetupIntents documents still wait on from Stripe and hand each that succeeded
    to its document, as its ``setup_intent.succeeded`` webhook would (``record_setup_intent``:
    the same handler, which saves a method once); how many were handed over.

    A failed one is left alone: its buyer saw why on the page. Each is handled in its own
    savepoint; a merchant whose keys Stripe refuses, or when Stripe cannot be reached, is not
    read further in this run.
    """
    handed = 0
    stopped: set[int] = set()
    for awaited in _awaited_setups.values():
        for merchant, setup_id in awaited(session, now, older_than):
            if merchant.id in stopped:
                continue
            try:
                with session.begin_nested():
                    setup = gateway_for(session, merchant.id).retrieve_setup_intent(setup_id)
                    if setup.status == "succeeded" and record_setup_intent(
                        session, merchant, setup
                    ):
                        handed += 1
            except GatewayError as error:
                log.warning(
                    "reconcile could not read a SetupIntent",
                    extra={"fields": {"setup_intent": setup_id, "failure": str(error.failure)}},
                )
                if error.failure in _STOPS_READING:
                    stopped.add(merchant.id)
    return handed


@dataclass
class _ReconcileRun:
    """One merchant's part of a reconciliation run: payments read, and those found moved on
    (what a webhook should have told, recovered here)."""

    read: int = 0
    recovered: int = 0


@dataclass(frozen=True)
class Settlement:
    """What a merchant's payments look like just before Stripe is disconnected."""

    still_clearing: list[Payment]  # processing: only Stripe's dashboard will tell how they end
    unread: int  # payments not final that could not be read (the keys refused, Stripe down)


def settle_before_disconnect(
    session: DbSession,
    merchant: Merchant,
    now: datetime,
    *,
    gateway_for: GatewayLookup | None = connected_gateway,
) -> Settlement:
    """Read every payment of the merchant that is not final (within ``RECONCILE_WINDOW``, as
    reconciliation does) from Stripe while its keys still work, record it, and say which are
    still clearing.

    After disconnecting nothing can read these intents again, so this is their last chance to
    be recorded. Best effort, so that the merchant can always leave: with ``gateway_for=None``
    (the stored key cannot be decrypted), or once Stripe refuses the keys or cannot be reached,
    the rest keep their last known state and count as ``unread``.
    """
    open_payments = list(
        session.scalars(
            select(Payment)
            .where(
                Payment.merchant_id == merchant.id,
                Payment.status.in_(NOT_FINAL),
                Payment.created_at >= now - RECONCILE_WINDOW,
            )
            .order_by(Payment.id)
        )
    )
    unread = len(open_payments) if gateway_for is None else 0
    if gateway_for is not None:
        for index, payment in enumerate(open_payments):
            if _read_and_record(session, merchant, payment, now, gateway_for) is _Read.STOP:
                unread = len(open_payments) - index
                break
    clearing = session.scalars(
        select(Payment)
        .where(Payment.merchant_id == merchant.id, Payment.status == PaymentStatus.PROCESSING)
        .order_by(Payment.created_at, Payment.id)
    )
    log.info(
        "payments settled before disconnecting",
        extra={"fields": {"merchant_id": merchant.id, "unread": unread}},
    )
    return Settlement(list(clearing), unread)
