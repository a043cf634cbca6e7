"""Paying an issued invoice with a customer's saved method while they are away: what a quote's
schedule part and a subscription's period both do.

The invoice is paid through a checkout of its own (one per invoice, no browser), so the one
recording path (``payments.service``) claims and settles it as it does any invoice payment and
the invoice's receipt with its PDF goes to the customer. The checkout is committed before
Stripe is called, so a repeat of the call (same idempotency key, the caller's) finds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.checkout.models import CheckoutSession, CheckoutStatus
from app.checkout.service import open_checkout
from app.core.money import Money
from app.extensions import DbSession
from app.invoices.document import InvoiceDocument
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.payments.service import (
    METADATA_CHECKOUT,
    METADATA_DOCUMENT_ID,
    METADATA_DOCUMENT_TYPE,
    METADATA_MERCHANT,
    BuyerDetails,
    start_payment,
)
from app.processors.gateway import (
    GatewayError,
    GatewayFailure,
    IntentState,
    OffSessionCharge,
    PaymentGateway,
)

log = logging.getLogger("kassa.invoices")


@dataclass(frozen=True)
class SavedMethod:
    """The customer's saved method an invoice is charged to, and its Stripe customer."""

    customer: str
    payment_method: str
    method_type: str


@dataclass(frozen=True)
class OffSessionResult:
    """What one charge did. ``answered`` False: Stripe gave no answer (repeat it later under
    the same key). ``failure_code``: the decline code (or error code) when it failed."""

    answered: bool
    intent_id: str = ""
    failure_code: str | None = None
    payment: Payment | None = None

    @property
    def failed(self) -> bool:
        return self.answered and self.failure_code is not None


def invoice_checkout(
    session: DbSession, invoice: Invoice, locale: str, method_type: str
) -> CheckoutSession:
    """The checkout an invoice's off-session charges go through (one per invoice, no
    browser): what the confirmation checks the payment against is the invoice's payable
    amount by the saved method."""
    checkout = session.scalar(
        select(CheckoutSession).where(
            CheckoutSession.merchant_id == invoice.merchant_id,
            CheckoutSession.document_type == InvoiceDocument.type,
            CheckoutSession.document_id == str(invoice.id),
            CheckoutSession.browser_key.is_(None),
        )
    )
    if checkout is None:
        checkout = open_checkout(session, InvoiceDocument(invoice), locale, None)
    checkout.status = CheckoutStatus.OPEN
    checkout.method = method_type
    checkout.priced = {
        "currency": invoice.currency,
        "amounts": {method_type: invoice.payable},
        "discount_id": None,
    }
    session.flush()
    return checkout


def charge_invoice(
    session: DbSession,
    invoice: Invoice,
    saved: SavedMethod,
    *,
    key: str,
    gateway: PaymentGateway,
    payer: BuyerDetails,
    metadata: dict[str, str],
) -> OffSessionResult:
    """Charge ``invoice``'s payable amount to ``saved`` under ``key``, recorded through the
    one recording path as the invoice's payment by ``payer`` (no buyer email: the customer
    hears from the invoice's receipt and the caller's own emails). Commits the invoice's
    checkout before the call."""
    checkout = invoice_checkout(session, invoice, payer.locale, saved.method_type)
    session.commit()
    request = OffSessionCharge(
        amount=Money(invoice.payable, invoice.currency),
        customer=saved.customer,
        payment_method=saved.payment_method,
        method_type=saved.method_type,
        metadata={
            METADATA_MERCHANT: invoice.merchant.public_id,
            METADATA_CHECKOUT: checkout.public_id,
            METADATA_DOCUMENT_TYPE: checkout.document_type,
            METADATA_DOCUMENT_ID: checkout.document_id,
            **metadata,
        },
        description=invoice.lines[0].description if invoice.lines else None,
    )
    try:
        intent = gateway.charge_off_session(request, key)
    except GatewayError as error:
        if error.failure in (GatewayFailure.UNAVAILABLE, GatewayFailure.AUTHENTICATION):
            log.warning("off-session charge unanswered", extra={"fields": {"key": key}})
            return OffSessionResult(answered=False)
        payment = None
        if error.intent_id:
            failed = gateway.retrieve_payment_intent(error.intent_id)
            payment = _record(session, invoice, checkout, failed, payer)
        code = error.decline_code or error.code or "failed"
        return OffSessionResult(True, error.intent_id or "", code, payment)
    payment = _record(session, invoice, checkout, intent, payer)
    return OffSessionResult(True, intent.id, None, payment)


def _record(
    session: DbSession,
    invoice: Invoice,
    checkout: CheckoutSession,
    intent: IntentState,
    payer: BuyerDetails,
) -> Payment:
    checkout.payment_intent_id = intent.id
    return start_payment(
        session,
        invoice.merchant,
        intent=intent,
        document_type=checkout.document_type,
        document_id=checkout.document_id,
        checkout_reference=checkout.public_id,
        buyer=payer,
        document_number=invoice.number or "",
    )
