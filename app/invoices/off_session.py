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
    """The customer's saved method an invoice is charged to, its Stripe customer, and for a
    bank debit the mandate the charge is made under (Stripe otherwise takes the method's
    active one)."""

    customer: str
    payment_method: str
    method_type: str
    mandate: str | None = None


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

    def to_charge(checkout: CheckoutSession, _document: object = None) -> None:
        checkout.status = CheckoutStatus.OPEN
        checkout.method = method_type
        checkout.priced = {
            "currency": invoice.currency,
            "amounts": {method_type: invoice.payable},
            "discount_id": None,
        }

    if checkout is None:
        document = InvoiceDocument(invoice)
        checkout = open_checkout(session, document, locale, None, first_change=to_charge)
    else:
        to_charge(checkout)
    session.flush()
    return checkout


@dataclass(frozen=True)
class PreparedCharge:
    """An off-session charge ready to be asked of Stripe: the invoice, its checkout (written
    and to be committed before the call) and the request under its key."""

    invoice: Invoice
    checkout: CheckoutSession
    request: OffSessionCharge
    key: str
    payer: BuyerDetails


@dataclass(frozen=True)
class ChargeAnswer:
    """What Stripe answered: the intent it made (a declined one too, read back), the error,
    or neither (no answer: ask again later under the same key)."""

    intent: IntentState | None = None
    error: GatewayError | None = None

    @property
    def answered(self) -> bool:
        return self.intent is not None or self.error is not None


def prepare_charge(
    session: DbSession,
    invoice: Invoice,
    saved: SavedMethod,
    *,
    key: str,
    payer: BuyerDetails,
    metadata: dict[str, str],
) -> PreparedCharge:
    """The invoice's checkout and the request for its payable amount by ``saved``: the
    caller commits before ``ask_stripe``, so a repeat of the call finds the checkout."""
    checkout = invoice_checkout(session, invoice, payer.locale, saved.method_type)
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
        mandate=saved.mandate,
        description=invoice.lines[0].description if invoice.lines else None,
    )
    return PreparedCharge(invoice, checkout, request, key, payer)


def ask_stripe(gateway: PaymentGateway, prepared: PreparedCharge) -> ChargeAnswer:
    """Ask Stripe for the charge (no database: a batch's calls may run side by side). A
    declined charge's intent is read back, so it is recorded like any other."""
    try:
        return ChargeAnswer(intent=gateway.charge_off_session(prepared.request, prepared.key))
    except GatewayError as error:
        if error.failure in (GatewayFailure.UNAVAILABLE, GatewayFailure.AUTHENTICATION):
            log.warning("off-session charge unanswered", extra={"fields": {"key": prepared.key}})
            return ChargeAnswer()
        if not error.intent_id:
            return ChargeAnswer(error=error)
        try:
            return ChargeAnswer(gateway.retrieve_payment_intent(error.intent_id), error)
        except GatewayError:
            log.warning("declined intent unread", extra={"fields": {"key": prepared.key}})
            return ChargeAnswer()


def record_answer(
    session: DbSession, prepared: PreparedCharge, answer: ChargeAnswer
) -> OffSessionResult:
    """Record Stripe's answer through the one recording path, as the invoice's payment by
    the payer (no buyer email: the customer hears from the invoice's receipt and the
    caller's own emails)."""
    if not answer.answered:
        return OffSessionResult(answered=False)
    payment = None
    if answer.intent is not None:
        prepared.checkout.payment_intent_id = answer.intent.id
        payment = start_payment(
            session,
            prepared.invoice.merchant,
            intent=answer.intent,
            document_type=prepared.checkout.document_type,
            document_id=prepared.checkout.document_id,
            checkout_reference=prepared.checkout.public_id,
            buyer=prepared.payer,
            document_number=prepared.invoice.number or "",
            checkout=prepared.checkout,
        )
    intent_id = answer.intent.id if answer.intent is not None else ""
    if answer.error is None:
        return OffSessionResult(True, intent_id, None, payment)
    code = answer.error.decline_code or answer.error.code or "failed"
    return OffSessionResult(True, intent_id, code, payment)


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
    """Charge ``invoice``'s payable amount to ``saved`` under ``key`` and record it (the
    three steps above, one charge). Commits the invoice's checkout before the call."""
    prepared = prepare_charge(session, invoice, saved, key=key, payer=payer, metadata=metadata)
    session.commit()
    return record_answer(session, prepared, ask_stripe(gateway, prepared))
