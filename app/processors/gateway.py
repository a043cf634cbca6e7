"""The boundary between Kassa and the payment processor.

Everything outside ``app/processors/`` talks to Stripe through these plain dataclasses and
functions; only ``stripe_gateway.py`` imports ``stripe`` (DESIGN rule 3).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from app.core.money import Money

if TYPE_CHECKING:
    from app.processors.billing_import import (
        BillingCustomer,
        BillingPaidInvoice,
        BillingProduct,
        BillingSubscription,
        BillingSubscriptionPage,
    )


class GatewayFailure(enum.StrEnum):
    """Why a processor call failed, in terms a merchant-facing message can be chosen from."""

    AUTHENTICATION = "authentication"  # the key was refused (wrong, revoked, or of another mode)
    PERMISSION = "permission"  # a restricted key lacks a permission this call needs
    NOT_FOUND = "not_found"  # the object does not exist for this key's account
    CARD = "card"  # the buyer's card or bank refused: the processor's message is for the buyer
    INVALID = "invalid"  # the request was refused as invalid
    # Network trouble, timeouts, the processor's own errors, and a busy object or too many
    # requests that retrying with backoff did not get through.
    UNAVAILABLE = "unavailable"


class GatewayError(Exception):
    """A processor call that failed. ``detail`` is the processor's own text, for logs and the
    merchant's eyes; only ``buyer_message`` (a card error's) may be shown to a buyer."""

    def __init__(
        self,
        failure: GatewayFailure,
        detail: str = "",
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        buyer_message: str | None = None,
        intent_id: str | None = None,
    ) -> None:
        super().__init__(f"{failure}: {detail}")
        self.failure = failure
        self.detail = detail
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.buyer_message = buyer_message
        # The PaymentIntent a declined confirmation left behind (Stripe names it in the error).
        self.intent_id = intent_id


@dataclass(frozen=True)
class AccountInfo:
    id: str
    country: str
    default_currency: str
    business_name: str
    active_capabilities: frozenset[str]


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    url: str
    secret: str | None = None  # Stripe gives it only when the endpoint is created
    metadata: dict[str, str] = field(default_factory=dict)


# Stripe's cap on webhook endpoints per account.
MAX_WEBHOOK_ENDPOINTS = 16


class WebhookSignatureError(Exception):
    """A webhook whose signature does not verify with the merchant's signing secret, or was
    made outside the tolerance (earlier, or later than now)."""


class WebhookPayloadError(Exception):
    """A webhook whose signature verifies but whose body is not an event Kassa can read (not
    JSON, not an object, or without an id, a type or a ``data.object``)."""


@dataclass(frozen=True)
class IntentRequest:
    """What Kassa asks of a new (or updated) PaymentIntent; amounts come from pricing."""

    amount: Money
    payment_method_types: tuple[str, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    customer: str | None = None
    setup_future_usage: str | None = None  # "off_session" when a subscription follows
    description: str | None = None


@dataclass(frozen=True)
class OffSessionCharge:
    """A charge of a customer's saved method while they are away (a schedule's later part):
    created and confirmed at once, under the method's mandate when it is a bank debit."""

    amount: Money
    customer: str
    payment_method: str
    method_type: str  # card, sepa_debit, us_bank_account, bacs_debit
    metadata: dict[str, str] = field(default_factory=dict)
    mandate: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class MethodDetails:
    """What may be shown of a payment method: never a full number."""

    type: str
    id: str | None = None  # the payment method (pm_...), reusable when it was saved
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    bank_name: str | None = None
    mandate_id: str | None = None
    mandate_reference: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


# What a document keeps of a method saved for later charges, to show its customer.
SHOWN_METHOD_DETAILS = (
    "type",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "bank_name",
    "mandate_reference",
)


def shown_method_details(details: dict[str, Any]) -> dict[str, Any]:
    """What may be kept and shown of a saved method (``MethodDetails.as_dict``, or a payment's
    ``method_details``): never a full number, no ids."""
    return {key: details[key] for key in SHOWN_METHOD_DETAILS if details.get(key) is not None}


@dataclass(frozen=True)
class IntentState:
    """A PaymentIntent as Stripe reports it, with its latest charge and balance transaction."""

    id: str
    client_secret: str
    status: str  # Stripe's: requires_payment_method, processing, succeeded, canceled, ...
    amount: Money
    amount_received: Money
    created: datetime
    livemode: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    payment_method_types: tuple[str, ...] = ()  # what the intent may be paid with
    method: MethodDetails | None = None
    latest_charge_id: str | None = None
    charge_status: str | None = None
    amount_refunded: Money | None = None
    disputed: bool = False
    fee: Money | None = None  # fee and net are in the settlement currency
    net: Money | None = None
    balance_status: str | None = None  # pending or available
    # The day (UTC) Stripe expects the net to be in the account's available balance, and so in
    # a payout after it: the balance transaction's ``available_on``.
    available_on: date | None = None
    # What the charge settled in (the balance transaction's currency) and, when Stripe
    # converted it, at how many settlement units per charge unit; None when not converted.
    settlement_currency: str | None = None
    exchange_rate: Decimal | None = None
    error_type: str | None = None  # of the last error: card_error, invalid_request_error, ...
    error_code: str | None = None
    decline_code: str | None = None
    error_message: str | None = None
    next_action: str | None = None  # what ``requires_action`` waits for (Stripe's type)
    verification_url: str | None = None  # ACH micro-deposits: Stripe's hosted verification page
    microdeposit_type: str | None = None  # what was sent: "descriptor_code" or "amounts"
    customer: str | None = None  # the processor's customer it is (to be) saved to
    setup_future_usage: str | None = None  # "off_session" when the method is saved for later


@dataclass(frozen=True)
class CustomerRequest:
    """A processor customer for one of the merchant's customers: a saved method belongs to it.
    Empty strings clear the name and email (an erased customer)."""

    name: str
    email: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SetupRequest:
    """A SetupIntent: save a method of ``customer`` for off-session payments, nothing charged."""

    customer: str
    payment_method_types: tuple[str, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True)
class SetupState:
    """A SetupIntent as Stripe reports it, with the method saved (or tried) and its mandate."""

    id: str
    client_secret: str
    status: str  # requires_payment_method, requires_action, processing, succeeded, canceled
    created: datetime
    customer: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    payment_method_types: tuple[str, ...] = ()
    method: MethodDetails | None = None
    error_type: str | None = None  # of the last error (``last_setup_error``)
    error_code: str | None = None
    decline_code: str | None = None
    error_message: str | None = None
    next_action: str | None = None
    verification_url: str | None = None


# ``next_action`` of a bank account typed in by hand (ACH): the buyer confirms what Stripe sent to
# the account before the debit starts: by default one deposit whose description holds a code
# starting with SM (``microdeposit_type`` "descriptor_code"), else two small "amounts".
MICRODEPOSITS = "verify_with_microdeposits"


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str  # Stripe's: pending, requires_action, succeeded, failed, canceled
    amount: Money
    charge_id: str | None
    payment_intent_id: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class DisputeState:
    """A dispute as Stripe reports it: the buyer's bank took the amount back until it decides."""

    id: str
    amount: Money
    reason: str  # Stripe's: fraudulent, product_not_received, debit_not_authorized, ...
    status: str  # Stripe's: needs_response, under_review, won, lost, warning_*
    payment_intent_id: str | None
    charge_id: str | None
    evidence_due_by: datetime | None
    created: datetime


@dataclass(frozen=True)
class WebhookEventData:
    """A verified webhook event, in our terms."""

    id: str
    type: str
    created: datetime
    object_id: str
    object_type: str
    account: str | None
    livemode: bool
    data_object: dict[str, Any]


class PaymentGateway(Protocol):
    """What Kassa needs from a processor account, given its secret key."""

    def retrieve_account(self) -> AccountInfo: ...

    def publishable_key_matches(self, publishable_key: str, idempotency_key: str) -> bool: ...

    def list_webhook_endpoints(self) -> list[WebhookEndpoint]: ...

    def create_webhook_endpoint(
        self,
        url: str,
        events: tuple[str, ...],
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> WebhookEndpoint: ...

    def update_webhook_endpoint(
        self, endpoint_id: str, events: tuple[str, ...], idempotency_key: str
    ) -> WebhookEndpoint: ...

    def delete_webhook_endpoint(self, endpoint_id: str) -> None: ...

    def create_payment_intent(
        self, request: IntentRequest, idempotency_key: str
    ) -> IntentState: ...

    def update_payment_intent(
        self, intent_id: str, request: IntentRequest, idempotency_key: str
    ) -> IntentState: ...

    def retrieve_payment_intent(self, intent_id: str) -> IntentState: ...

    def charge_off_session(self, charge: OffSessionCharge, idempotency_key: str) -> IntentState: ...

    def retrieve_method(self, payment_method_id: str) -> MethodDetails: ...

    def cancel_payment_intent(self, intent_id: str, idempotency_key: str) -> IntentState: ...

    def create_refund(
        self,
        intent_id: str,
        idempotency_key: str,
        *,
        amount: Money | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> RefundResult: ...

    def retrieve_refund(self, refund_id: str) -> RefundResult: ...

    def retrieve_dispute(self, dispute_id: str) -> DisputeState: ...

    def retrieve_event(self, event_id: str) -> WebhookEventData:
        """An event as Stripe keeps it (30 days), for replaying one a delivery failed on."""
        ...

    def create_customer(self, request: CustomerRequest, idempotency_key: str) -> str: ...

    def update_customer(
        self, customer_id: str, request: CustomerRequest, idempotency_key: str
    ) -> None: ...

    def create_setup_intent(self, request: SetupRequest, idempotency_key: str) -> SetupState: ...

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupState: ...

    def list_billing_subscriptions(self, starting_after: str | None) -> BillingSubscriptionPage: ...

    def retrieve_billing_subscription(self, subscription_id: str) -> BillingSubscription: ...

    def retrieve_billing_customer(self, customer_id: str) -> BillingCustomer: ...

    def retrieve_billing_product(self, product_id: str) -> BillingProduct: ...

    def retrieve_saved_method(self, payment_method_id: str) -> MethodDetails: ...

    def list_paid_invoices(self, subscription_id: str) -> list[BillingPaidInvoice]: ...

    def end_billing_subscription_at_period_end(
        self, subscription_id: str, idempotency_key: str
    ) -> BillingSubscription: ...
