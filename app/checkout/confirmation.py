"""The checkout's part in the one recording path (``payments.service.record_intent``).

Whichever of the return page, a webhook or reconciliation records a payment first, the same
code runs once: the payment is confirmed against what the buyer was shown (amount, currency and
the method Stripe says paid, against ``CheckoutSession.priced``); the document's limit and the
discount's use are claimed there, atomically; the checkout's status follows the payment, so a
paid checkout is never resumed. A refused payment is refunded by the recording path.
"""

from __future__ import annotations

from typing import Any

from app.checkout.documents import document_of
from app.checkout.later import later_released, later_settled, later_taken
from app.checkout.models import CheckoutSession, CheckoutStatus
from app.checkout.service import reopen
from app.extensions import DbSession
from app.payments.models import Payment
from app.payments.receipts import Purchase, keep_purchase
from app.payments.service import PAID, Rejection, register_checkout_hooks
from app.processors.gateway import IntentState
from app.settings.service import claim_discount_use, release_discount_use


def paid_as_priced(priced: dict[str, Any] | None, intent: IntentState) -> bool:
    """Whether Stripe took exactly the total priced for the method that paid.

    A checkout priced before confirmation existed has nothing to check against.
    """
    if priced is None:
        return True
    method = intent.method.type if intent.method is not None else None
    expected = (priced.get("amounts") or {}).get(method or "")
    return intent.amount.currency == priced.get("currency") and intent.amount.amount == expected


def _checkout_of(payment: Payment) -> CheckoutSession | None:
    """The payment's checkout, read once for all the hooks of one recording (and its emails):
    the payment's relationship keeps it (each hook reading it again was three queries a
    payment)."""
    if not payment.checkout_reference:
        return None
    return payment.checkout


def _discount_of(checkout: CheckoutSession) -> int | None:
    return (checkout.priced or {}).get("discount_id")


class CheckoutConfirmation:
    """Registered with payments at import (payments does not import the checkout)."""

    def confirm(
        self, session: DbSession, payment: Payment, intent: IntentState
    ) -> Rejection | None:
        checkout = _checkout_of(payment)
        if checkout is None:
            return None
        if not paid_as_priced(checkout.priced, intent):
            return Rejection.AMOUNT_MISMATCH
        discount_id = _discount_of(checkout)
        if discount_id is not None and not claim_discount_use(
            session, checkout.merchant_id, discount_id
        ):
            return Rejection.DISCOUNT_USED_UP
        document = document_of(session, checkout)
        if not document.claim(session, payment):
            if discount_id is not None:
                release_discount_use(session, checkout.merchant_id, discount_id)
            return document.claim_refusal
        return None

    def taken(self, session: DbSession, payment: Payment) -> None:
        checkout = _checkout_of(payment)
        if checkout is None:
            return
        paid = payment.status in PAID
        checkout.status = CheckoutStatus.PAID if paid else CheckoutStatus.PROCESSING
        bought = ((checkout.priced or {}).get("purchases") or {}).get(payment.method_type)
        if bought:
            keep_purchase(payment, Purchase.from_json(bought))
        document_of(session, checkout).paid(session, payment)
        later_taken(session, checkout, payment)

    def settled(self, session: DbSession, payment: Payment) -> bool:
        """The money is in (a debit that cleared: its checkout is paid now, not processing)."""
        checkout = _checkout_of(payment)
        if checkout is None:
            return False
        checkout.status = CheckoutStatus.PAID
        later_settled(session, checkout, payment)
        return document_of(session, checkout).settled(session, payment)

    def refunded(self, session: DbSession, payment: Payment, change: int) -> None:
        checkout = _checkout_of(payment)
        if checkout is not None:
            document_of(session, checkout).refunded(session, payment, change)

    def released(self, session: DbSession, payment: Payment) -> None:
        """A bounced debit: the sale and the code's use are given back and the buyer may pay
        again (the bounce email links to the pay step)."""
        checkout = _checkout_of(payment)
        if checkout is None:
            return
        discount_id = _discount_of(checkout)
        if discount_id is not None:
            release_discount_use(session, checkout.merchant_id, discount_id)
        document_of(session, checkout).release(session, payment)
        later_released(session, checkout, payment)
        reopen(session, checkout)

    def tells_owners(self, session: DbSession, payment: Payment) -> bool:
        checkout = _checkout_of(payment)
        return checkout is not None and document_of(session, checkout).tells_owners

    def rejected(self, session: DbSession, payment: Payment) -> None:
        """A refused payment (not a duplicate: its checkout was paid by the first one) leaves
        the checkout open with a new intent to come, priced as things are now."""
        checkout = _checkout_of(payment)
        if checkout is None or payment.rejection == Rejection.DUPLICATE:
            return
        reopen(session, checkout)
        if checkout.payment_intent_id == payment.intent_id:
            checkout.payment_intent_id = None
            checkout.priced = None


register_checkout_hooks(CheckoutConfirmation())
