"""The Stripe implementation of the gateway: the only module that imports ``stripe``."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import stripe

from app.config import STRIPE_API_VERSION
from app.core.money import Money, from_stripe_amount, to_stripe_amount
from app.processors.billing_import import (
    PAGE_SIZE,
    SUBSCRIPTION_EXPAND,
    BillingCustomer,
    BillingPaidInvoice,
    BillingProduct,
    BillingSubscription,
    BillingSubscriptionPage,
    billing_customer,
    billing_paid_invoice,
    billing_product,
    billing_subscription,
    id_of,
    method_details,
    saved_method,
)
from app.processors.gateway import (
    MICRODEPOSITS,
    AccountInfo,
    CustomerRequest,
    DisputeState,
    GatewayError,
    GatewayFailure,
    IntentRequest,
    IntentState,
    MethodDetails,
    OffSessionCharge,
    RefundResult,
    SetupRequest,
    SetupState,
    WebhookEndpoint,
    WebhookEventData,
    WebhookPayloadError,
    WebhookSignatureError,
)

log = logging.getLogger("kassa.stripe")
TIMEOUT_SECONDS = 20
# Seconds before each retry of a call Stripe could not take just now (each shortened by up to
# half, at random, so callers that collided do not collide again): three retries, under four
# seconds in all, then the caller hears UNAVAILABLE.
RETRY_DELAYS = (0.5, 1.0, 2.0)
T = TypeVar("T")
# What every PaymentIntent read brings along: the fee and net, and the method's safe details.
INTENT_EXPAND = ["latest_charge.balance_transaction", "payment_method"]
# What every SetupIntent read brings along: the method saved and its mandate's reference.
SETUP_EXPAND = ["payment_method", "mandate"]


def _error_field(error: stripe.StripeError, name: str) -> str | None:
    """A field of Stripe's error body (``code``, ``param``, ``decline_code``, ``type``)."""
    body = error.error
    value = getattr(body, name, None) if body is not None else None
    return str(value) if value else None


def _gateway_error(error: stripe.StripeError) -> GatewayError:
    """Stripe's exception as our ``GatewayError``, its detail logged (never shown to buyers:
    only a card error's message is written for them)."""
    code = _error_field(error, "code")
    if isinstance(error, stripe.AuthenticationError):
        failure = GatewayFailure.AUTHENTICATION
    elif isinstance(error, stripe.PermissionError):
        failure = GatewayFailure.PERMISSION
    elif isinstance(error, stripe.CardError):
        failure = GatewayFailure.CARD
    elif isinstance(error, stripe.InvalidRequestError | stripe.IdempotencyError):
        failure = GatewayFailure.NOT_FOUND if code == "resource_missing" else GatewayFailure.INVALID
    else:  # connection trouble, Stripe's own errors, a busy object or rate limit not retried away
        failure = GatewayFailure.UNAVAILABLE
    detail = str(error.user_message or error)
    log.log(
        logging.INFO
        if failure in (GatewayFailure.CARD, GatewayFailure.NOT_FOUND)
        else logging.WARNING,
        "stripe refused a call",
        extra={
            "fields": {
                "failure": str(failure),
                "status": error.http_status,
                "type": _error_field(error, "type"),
                "code": code,
                "param": _error_field(error, "param"),
                "stripe_request_id": error.request_id,
                "detail": detail,
            }
        },
    )
    return GatewayError(
        failure,
        detail,
        code=code,
        param=_error_field(error, "param"),
        decline_code=_error_field(error, "decline_code"),
        buyer_message=detail if failure is GatewayFailure.CARD else None,
        intent_id=_error_intent(error),
    )


def _error_intent(error: stripe.StripeError) -> str | None:
    """The PaymentIntent a declined confirmation names in its error (Stripe sends it whole)."""
    intent = getattr(error.error, "payment_intent", None) if error.error is not None else None
    if intent is None or isinstance(intent, str):
        return intent
    found = getattr(intent, "id", None)
    return str(found) if found else None


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Stripe's exceptions as our ``GatewayError``, so callers never import ``stripe``."""
    try:
        yield
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


def _worth_retrying(error: stripe.StripeError) -> bool:
    """Whether the same request (same idempotency key) may get through a moment later: Stripe
    says so (``Stripe-Should-Retry``), or it could not be reached, was busy with the object
    (``lock_timeout``, 429), had too many requests (``rate_limit``, 429), had the key in use
    (409) or failed itself (5xx). The library retries a 429 only when told to, never a rate
    limit, so Kassa keeps the one retry policy here."""
    if isinstance(error, stripe.APIConnectionError):
        return bool(error.should_retry)
    advice = (error.headers or {}).get("Stripe-Should-Retry")
    if advice in ("true", "false"):
        return advice == "true"
    status = error.http_status or 0
    return status in (409, 429) or status >= 500


def _with_retries(operation: Callable[[], T]) -> T:
    """Run ``operation``, again after each of ``RETRY_DELAYS`` while Stripe answers that it
    could not take it just now. The operation carries its idempotency key, so a retry is the
    same request: Stripe does it once, or replays what it did."""
    for delay in RETRY_DELAYS:
        try:
            return operation()
        except stripe.StripeError as error:
            if not _worth_retrying(error):
                raise
            log.info(
                "stripe busy; retrying",
                extra={
                    "fields": {"code": _error_field(error, "code"), "status": error.http_status}
                },
            )
            time.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not a secret
    return operation()


# One HTTP client for every gateway, as the library's own default client is: it keeps a
# connection per thread open to Stripe, so a request does not open (and handshake) a new one.
# The key travels in each request's header, never in the client.
_HTTP = stripe.RequestsClient(timeout=TIMEOUT_SECONDS)


def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    """A client speaking Kassa's pinned API version. The library's own retries are off: every
    retry goes through ``_with_retries``."""
    return stripe.StripeClient(
        api_key,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base},
        max_network_retries=0,
        http_client=_HTTP,
    )


class StripeGateway:
    """One Stripe account, reached with its secret (or restricted) key."""

    def __init__(self, secret_key: str, api_base: str) -> None:
        self._api_base = api_base
        self._client = _client(secret_key, api_base)

    def _call(self, operation: Callable[[], T]) -> T:
        with _translated_errors():
            return _with_retries(operation)

    def retrieve_account(self) -> AccountInfo:
        account = self._call(lambda: self._client.v1.accounts.retrieve_current())
        data: dict[str, Any] = account.to_dict()
        capabilities = data.get("capabilities") or {}
        profile = data.get("business_profile") or {}
        settings = data.get("settings") or {}
        return AccountInfo(
            id=data["id"],
            country=str(data.get("country") or "").upper(),
            default_currency=str(data.get("default_currency") or "").upper(),
            business_name=profile.get("name")
            or (settings.get("dashboard") or {}).get("display_name")
            or "",
            active_capabilities=frozenset(
                name for name, state in capabilities.items() if state == "active"
            ),
        )

    def publishable_key_matches(self, publishable_key: str, idempotency_key: str) -> bool:
        """Does this publishable key belong to the same account as the secret key?

        Stripe has no endpoint that answers this directly, so we do what Stripe.js will do: a
        SetupIntent made with the secret key is read back with the publishable key and its client
        secret. Another account's key gets "not found". The SetupIntent is then canceled. Both
        POSTs derive their idempotency keys from ``idempotency_key``, so checking the same
        connect attempt again replays them instead of making another SetupIntent.
        """
        check: Any = {
            "payment_method_types": ["card"],
            "usage": "off_session",
            "metadata": {"kassa": "key-check"},
        }
        intent = self._call(
            lambda: self._client.v1.setup_intents.create(
                params=check, options={"idempotency_key": f"{idempotency_key}:create"}
            )
        )
        try:
            public = _client(publishable_key, self._api_base)
            secret: Any = {"client_secret": intent.client_secret}
            self._call(lambda: public.v1.setup_intents.retrieve(intent.id, params=secret))
            return True
        except GatewayError as error:
            if error.failure in (GatewayFailure.NOT_FOUND, GatewayFailure.AUTHENTICATION):
                return False
            raise
        finally:
            self._call(
                lambda: self._client.v1.setup_intents.cancel(
                    intent.id, options={"idempotency_key": f"{idempotency_key}:cancel"}
                )
            )

    def list_webhook_endpoints(self) -> list[WebhookEndpoint]:
        """Every endpoint of the account: Stripe allows 16, one page holds 100."""
        params: Any = {"limit": 100}
        listing = self._call(lambda: self._client.v1.webhook_endpoints.list(params=params))
        return [_webhook_endpoint(item.to_dict()) for item in listing.data]

    def create_webhook_endpoint(
        self,
        url: str,
        events: tuple[str, ...],
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Events reach it in Kassa's pinned API version, whatever the account's default."""
        params: Any = {
            "url": url,
            "enabled_events": list(events),
            "api_version": STRIPE_API_VERSION,
            "description": "Kassa",
            "metadata": metadata or {},
        }
        endpoint = self._call(
            lambda: self._client.v1.webhook_endpoints.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return _webhook_endpoint(endpoint.to_dict())

    def update_webhook_endpoint(
        self, endpoint_id: str, events: tuple[str, ...], idempotency_key: str
    ) -> WebhookEndpoint:
        """Kassa's event list, and enabled again if Stripe disabled it after failures."""
        params: Any = {"enabled_events": list(events), "disabled": False}
        endpoint = self._call(
            lambda: self._client.v1.webhook_endpoints.update(
                endpoint_id, params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return _webhook_endpoint(endpoint.to_dict())

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        self._call(lambda: self._client.v1.webhook_endpoints.delete(endpoint_id))

    def create_payment_intent(self, request: IntentRequest, idempotency_key: str) -> IntentState:
        params: Any = {
            **_intent_params(request),
            "currency": request.amount.currency.lower(),
            "expand": INTENT_EXPAND,
        }
        intent = self._call(
            lambda: self._client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return intent_state(intent.to_dict())

    def update_payment_intent(
        self, intent_id: str, request: IntentRequest, idempotency_key: str
    ) -> IntentState:
        """Change amount, methods or metadata while the intent still waits for a method."""
        params: Any = {**_intent_params(request), "expand": INTENT_EXPAND}
        intent = self._call(
            lambda: self._client.v1.payment_intents.update(
                intent_id, params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return intent_state(intent.to_dict())

    def retrieve_payment_intent(self, intent_id: str) -> IntentState:
        params: Any = {"expand": INTENT_EXPAND}
        intent = self._call(
            lambda: self._client.v1.payment_intents.retrieve(intent_id, params=params)
        )
        return intent_state(intent.to_dict())

    def charge_off_session(self, charge: OffSessionCharge, idempotency_key: str) -> IntentState:
        """Create and confirm a PaymentIntent on the customer's saved method, the customer
        away (``off_session``): a card succeeds or is declined at once (402, the decline and
        ``authentication_required`` as a CARD ``GatewayError`` naming the intent), a bank debit
        starts processing under its mandate."""
        params: Any = {
            "amount": to_stripe_amount(charge.amount),
            "currency": charge.amount.currency.lower(),
            "customer": charge.customer,
            "payment_method": charge.payment_method,
            "payment_method_types": [charge.method_type],
            "metadata": dict(charge.metadata),
            "off_session": True,
            "confirm": True,
            "expand": INTENT_EXPAND,
        }
        if charge.mandate:
            params["mandate"] = charge.mandate
        if charge.description:
            params["description"] = charge.description
        intent = self._call(
            lambda: self._client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return intent_state(intent.to_dict())

    def retrieve_method(self, payment_method_id: str) -> MethodDetails:
        """A saved method's safe details (brand and last four, or bank and mandate)."""
        method = self._call(lambda: self._client.v1.payment_methods.retrieve(payment_method_id))
        data: dict[str, Any] = method.to_dict()
        details = _method_details({"payment_method": data}, None)
        return details or MethodDetails(type=str(data.get("type") or ""))

    def cancel_payment_intent(self, intent_id: str, idempotency_key: str) -> IntentState:
        params: Any = {"expand": INTENT_EXPAND}
        intent = self._call(
            lambda: self._client.v1.payment_intents.cancel(
                intent_id, params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return intent_state(intent.to_dict())

    def create_refund(
        self,
        intent_id: str,
        idempotency_key: str,
        *,
        amount: Money | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> RefundResult:
        """Refund what is left of the intent's charge, or ``amount`` of it."""
        params: Any = {"payment_intent": intent_id}
        if amount is not None:
            params["amount"] = to_stripe_amount(amount)
        if reason:
            params["reason"] = reason
        if metadata:
            params["metadata"] = metadata
        refund = self._call(
            lambda: self._client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return _refund_result(refund.to_dict())

    def retrieve_refund(self, refund_id: str) -> RefundResult:
        refund = self._call(lambda: self._client.v1.refunds.retrieve(refund_id))
        return _refund_result(refund.to_dict())

    def retrieve_event(self, event_id: str) -> WebhookEventData:
        event = self._call(lambda: self._client.v1.events.retrieve(event_id))
        return _event_of(event.to_dict())

    def create_customer(self, request: CustomerRequest, idempotency_key: str) -> str:
        """A customer for saved methods; only its id is kept."""
        params: Any = {
            "name": request.name,
            "email": request.email,
            "metadata": dict(request.metadata),
        }
        customer = self._call(
            lambda: self._client.v1.customers.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return str(customer.id)

    def update_customer(
        self, customer_id: str, request: CustomerRequest, idempotency_key: str
    ) -> None:
        params: Any = {"name": request.name, "email": request.email}
        if request.metadata:
            params["metadata"] = dict(request.metadata)
        self._call(
            lambda: self._client.v1.customers.update(
                customer_id, params=params, options={"idempotency_key": idempotency_key}
            )
        )

    def create_setup_intent(self, request: SetupRequest, idempotency_key: str) -> SetupState:
        """Save a method for off-session payments; the buyer confirms it with Stripe.js."""
        params: Any = {
            "customer": request.customer,
            "payment_method_types": list(request.payment_method_types),
            "usage": "off_session",
            "metadata": dict(request.metadata),
            "expand": SETUP_EXPAND,
        }
        if request.description:
            params["description"] = request.description
        intent = self._call(
            lambda: self._client.v1.setup_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return setup_state(intent.to_dict())

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupState:
        params: Any = {"expand": SETUP_EXPAND}
        intent = self._call(
            lambda: self._client.v1.setup_intents.retrieve(setup_intent_id, params=params)
        )
        return setup_state(intent.to_dict())

    def retrieve_dispute(self, dispute_id: str) -> DisputeState:
        dispute = self._call(lambda: self._client.v1.disputes.retrieve(dispute_id))
        data: dict[str, Any] = dispute.to_dict()
        due = (data.get("evidence_details") or {}).get("due_by")
        return DisputeState(
            id=data["id"],
            amount=from_stripe_amount(int(data["amount"]), data["currency"]),
            reason=str(data.get("reason") or "general"),
            status=str(data.get("status") or ""),
            payment_intent_id=id_of(data.get("payment_intent")),
            charge_id=id_of(data.get("charge")),
            evidence_due_by=_moment(due) if due else None,
            created=_moment(data.get("created")),
        )

    # -- reading Stripe Billing, to move its subscriptions to Kassa (billing_import.py) --------
    def list_billing_subscriptions(self, starting_after: str | None) -> BillingSubscriptionPage:
        """One page of the account's subscriptions (canceled ones too: a dry run lists them as
        not moving), in the order Stripe lists them, after ``starting_after``."""
        params: Any = {
            "status": "all",
            "limit": PAGE_SIZE,
            "expand": [f"data.{path}" for path in SUBSCRIPTION_EXPAND],
        }
        if starting_after:
            params["starting_after"] = starting_after
        listing = self._call(lambda: self._client.v1.subscriptions.list(params=params))
        return BillingSubscriptionPage(
            subscriptions=tuple(billing_subscription(item.to_dict()) for item in listing.data),
            has_more=bool(listing.has_more),
        )

    def list_paid_invoices(self, subscription_id: str) -> list[BillingPaidInvoice]:
        """Every paid invoice of a Stripe subscription, newest first, with the PaymentIntents
        that paid it (``payments`` is included only when asked for)."""
        found: list[BillingPaidInvoice] = []
        after: str | None = None
        while True:
            listing = self._call(partial(self._paid_invoices, subscription_id, after))
            found += [billing_paid_invoice(item.to_dict()) for item in listing.data]
            if not listing.has_more or not listing.data:
                return found
            after = listing.data[-1].id

    def _paid_invoices(self, subscription_id: str, starting_after: str | None) -> Any:
        params: Any = {
            "subscription": subscription_id,
            "status": "paid",
            "limit": PAGE_SIZE,
            "expand": ["data.payments"],
        }
        if starting_after:
            params["starting_after"] = starting_after
        return self._client.v1.invoices.list(params=params)

    def retrieve_billing_subscription(self, subscription_id: str) -> BillingSubscription:
        params: Any = {"expand": list(SUBSCRIPTION_EXPAND)}
        found = self._call(
            lambda: self._client.v1.subscriptions.retrieve(subscription_id, params=params)
        )
        return billing_subscription(found.to_dict())

    def retrieve_billing_customer(self, customer_id: str) -> BillingCustomer:
        found = self._call(lambda: self._client.v1.customers.retrieve(customer_id))
        return billing_customer(found.to_dict())

    def retrieve_billing_product(self, product_id: str) -> BillingProduct:
        found = self._call(lambda: self._client.v1.products.retrieve(product_id))
        return billing_product(found.to_dict())

    def retrieve_saved_method(self, payment_method_id: str) -> MethodDetails:
        """A saved method with the mandate it was saved under (a bank debit's)."""
        method = self._call(lambda: self._client.v1.payment_methods.retrieve(payment_method_id))
        params: Any = {"payment_method": payment_method_id, "expand": ["data.mandate"]}
        setups = self._call(lambda: self._client.v1.setup_intents.list(params=params))
        return saved_method(method.to_dict(), [setup.to_dict() for setup in setups.data])

    def end_billing_subscription_at_period_end(
        self, subscription_id: str, idempotency_key: str
    ) -> BillingSubscription:
        """Stripe bills the current period (already paid) and no other: the next is Kassa's."""
        params: Any = {
            "cancel_at_period_end": True,
            "expand": list(SUBSCRIPTION_EXPAND),
        }
        updated = self._call(
            lambda: self._client.v1.subscriptions.update(
                subscription_id, params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return billing_subscription(updated.to_dict())


def _refund_result(data: dict[str, Any]) -> RefundResult:
    return RefundResult(
        id=data["id"],
        status=str(data.get("status") or ""),
        amount=from_stripe_amount(int(data["amount"]), data["currency"]),
        charge_id=id_of(data.get("charge")),
        payment_intent_id=id_of(data.get("payment_intent")),
        failure_reason=data.get("failure_reason") or None,
    )


def _intent_params(request: IntentRequest) -> dict[str, Any]:
    """The fields create and update share. Kassa sends its own receipts: no receipt_email."""
    params: dict[str, Any] = {
        "amount": to_stripe_amount(request.amount),
        "payment_method_types": list(request.payment_method_types),
        "metadata": dict(request.metadata),
    }
    if request.setup_future_usage:
        params["setup_future_usage"] = request.setup_future_usage
    if request.customer:
        params["customer"] = request.customer
    if request.description:
        params["description"] = request.description
    return params


# How far a webhook's signature time may be from now, either way, in seconds (Stripe's own
# default): an old delivery cannot be replayed, and a clock far off is not trusted either.
WEBHOOK_TOLERANCE_SECONDS = 300


def parse_webhook(payload: bytes, signature_header: str, signing_secret: str) -> WebhookEventData:
    """Verify a webhook's ``Stripe-Signature`` with the endpoint's secret and read the event.

    Stripe's library refuses a signature older than the tolerance but accepts any from the
    future; one signed later than now plus the tolerance is refused here too.
    """
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature_header, signing_secret, WEBHOOK_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise WebhookSignatureError(str(error)) from error
    if _signed_at(signature_header) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookSignatureError("Timestamp in the future, outside the tolerance zone")
    return _webhook_event(payload)


def _signed_at(signature_header: str) -> int:
    """The header's ``t=`` time, read as Stripe's library read it to verify the signature."""
    items = [item.split("=", 2) for item in signature_header.split(",")]
    return int(next(item[1] for item in items if item[0] == "t"))


def _webhook_event(payload: bytes) -> WebhookEventData:
    """The event of a verified body; ``WebhookPayloadError`` when it is not one."""
    try:
        data = json.loads(payload)
    except ValueError as error:
        raise WebhookPayloadError("the body is not JSON") from error
    if not isinstance(data, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    return _event_of(data)


def _event_of(data: dict[str, Any]) -> WebhookEventData:
    """An event object, delivered or read back from Stripe; ``WebhookPayloadError`` when its
    fields are not an event's."""
    event_data = data.get("data")
    obj = event_data.get("object") if isinstance(event_data, dict) else None
    for name, value in (("id", data.get("id")), ("type", data.get("type"))):
        if not isinstance(value, str) or not value:
            raise WebhookPayloadError(f"the event has no {name}")
    if not isinstance(obj, dict):
        raise WebhookPayloadError("the event has no data.object")
    account = data.get("account")
    try:
        created = _moment(data.get("created"))
    except (TypeError, ValueError, OverflowError, OSError) as error:
        raise WebhookPayloadError("the event's created time is not a time") from error
    if not isinstance(account, str | None):
        raise WebhookPayloadError("the event's account is not an account id")
    return WebhookEventData(
        id=data["id"],
        type=data["type"],
        created=created,
        object_id=str(obj.get("id") or ""),
        object_type=str(obj.get("object") or ""),
        account=account,
        livemode=bool(data.get("livemode")),
        data_object=obj,
    )


def _webhook_endpoint(data: dict[str, Any]) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=data["id"],
        url=str(data.get("url") or ""),
        secret=data.get("secret") or None,
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


def _moment(timestamp: Any) -> datetime:
    return datetime.fromtimestamp(int(timestamp or 0), UTC)


def _day(timestamp: Any) -> date | None:
    """A Unix timestamp Stripe gives for a day (``available_on``) as that day in UTC."""
    return None if timestamp is None else _moment(timestamp).date()


def intent_state(data: dict[str, Any]) -> IntentState:
    """Our ``IntentState`` from a PaymentIntent expanded with ``INTENT_EXPAND``."""
    currency = str(data["currency"])
    charge = data.get("latest_charge") if isinstance(data.get("latest_charge"), dict) else None
    balance = (charge or {}).get("balance_transaction")
    balance = balance if isinstance(balance, dict) else None
    error = data.get("last_payment_error") or {}
    next_action = data.get("next_action") or {}
    return IntentState(
        id=data["id"],
        client_secret=str(data.get("client_secret") or ""),
        status=str(data["status"]),
        amount=from_stripe_amount(int(data["amount"]), currency),
        amount_received=from_stripe_amount(int(data.get("amount_received") or 0), currency),
        created=_moment(data.get("created")),
        livemode=bool(data.get("livemode")),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        payment_method_types=tuple(data.get("payment_method_types") or ()),
        method=_method_details(data, charge),
        latest_charge_id=id_of(data.get("latest_charge")),
        charge_status=charge.get("status") if charge else None,
        amount_refunded=from_stripe_amount(int(charge.get("amount_refunded") or 0), currency)
        if charge
        else None,
        disputed=bool(charge and charge.get("disputed")),
        fee=from_stripe_amount(int(balance["fee"]), balance["currency"]) if balance else None,
        net=from_stripe_amount(int(balance["net"]), balance["currency"]) if balance else None,
        balance_status=balance.get("status") if balance else None,
        available_on=_day(balance.get("available_on")) if balance else None,
        settlement_currency=str(balance["currency"]).upper() if balance else None,
        exchange_rate=_exchange_rate(balance),
        error_type=error.get("type"),
        error_code=error.get("code"),
        decline_code=error.get("decline_code"),
        error_message=error.get("message"),
        next_action=next_action.get("type"),
        verification_url=(next_action.get(MICRODEPOSITS) or {}).get("hosted_verification_url"),
        microdeposit_type=(next_action.get(MICRODEPOSITS) or {}).get("microdeposit_type"),
        customer=id_of(data.get("customer")),
        setup_future_usage=data.get("setup_future_usage") or None,
    )


def setup_state(data: dict[str, Any]) -> SetupState:
    """Our ``SetupState`` from a SetupIntent expanded with ``SETUP_EXPAND``."""
    error = data.get("last_setup_error") or {}
    next_action = data.get("next_action") or {}
    return SetupState(
        id=data["id"],
        client_secret=str(data.get("client_secret") or ""),
        status=str(data["status"]),
        created=_moment(data.get("created")),
        customer=id_of(data.get("customer")),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        payment_method_types=tuple(data.get("payment_method_types") or ()),
        method=_setup_method(data),
        error_type=error.get("type"),
        error_code=error.get("code"),
        decline_code=error.get("decline_code"),
        error_message=error.get("message"),
        next_action=next_action.get("type"),
        verification_url=(next_action.get(MICRODEPOSITS) or {}).get("hosted_verification_url"),
    )


def _setup_method(data: dict[str, Any]) -> MethodDetails | None:
    """The saved method's safe details, with its mandate (a bank debit's) and reference."""
    method = data.get("payment_method")
    if not isinstance(method, dict) or not method.get("type"):
        return None
    return method_details(method, data.get("mandate"))


def _exchange_rate(balance: dict[str, Any] | None) -> Decimal | None:
    """The balance transaction's ``exchange_rate`` as an exact decimal. The library hands it
    over as a float; its shortest text is the number Stripe sent (rates have few digits)."""
    rate = (balance or {}).get("exchange_rate")
    return None if rate is None else Decimal(str(rate))


def _method_details(intent: dict[str, Any], charge: dict[str, Any] | None) -> MethodDetails | None:
    """Brand, last four, expiry, bank and mandate: from the charge, else the payment method."""
    source = (charge or {}).get("payment_method_details") or intent.get("payment_method")
    if not isinstance(source, dict) or not source.get("type"):
        return None
    kind = str(source["type"])
    details: dict[str, Any] = source.get(kind) or {}
    mandate = details.get("mandate")
    return MethodDetails(
        type=kind,
        id=id_of(intent.get("payment_method")),
        brand=details.get("brand"),
        last4=details.get("last4"),
        exp_month=details.get("exp_month"),
        exp_year=details.get("exp_year"),
        bank_name=details.get("bank_name"),
        mandate_id=id_of(mandate),
        mandate_reference=mandate.get("reference") if isinstance(mandate, dict) else None,
    )
