"""PaymentIntents: create, retrieve, update, confirm, cancel, list, verify_microdeposits.

Cards decide at confirm time (succeed, decline with a 402, or ask for 3-D Secure through a
sandbox page); bank debits go ``processing`` and settle to their test number's outcome when
their settle job runs (after ``--debit-settle-seconds`` or on ``POST /_sandbox/advance``).
"""

from __future__ import annotations

from typing import Any

from ..api import Ctx, background_ctx, endpoint, metadata_update
from ..errors import StripeError, card_error, invalid_request, parameter_missing
from ..params import BOOL, INT, MAP, STR, Either, Enum
from ..rules import BANK_DEBIT_TYPES, MAXIMUM_AMOUNT, MINIMUM_AMOUNTS, format_amount
from ..sandbox import JOB_HANDLERS, Sandbox
from ..state import new_id, now, random_token
from ..testdata import AUTHENTICATE, AUTHENTICATE_UNLESS_SET_UP, DECLINE, SUCCEED_THEN_DISPUTE
from .charges import create_charge, fail_charge, open_dispute, settle_charge
from .intents import (
    VERIFY_MICRODEPOSITS_PARAMS,
    ask_for_authentication,
    ask_for_microdeposits,
    automatic_payment_methods,
    awaits_microdeposits,
    begin_confirmation,
    check_method_usable,
    fail_authentication,
    failure_record,
    finish_creation,
    get_with_client_secret,
    mandate_for,
    method_types,
    method_types_to_create,
    options_for,
    payment_method_for,
    record_decline,
    record_failure,
    take_payment_method,
    verify_microdeposits,
)
from .mandates import MANDATE_DATA, set_mandate_status
from .payment_methods import PAYMENT_METHOD_DATA, attach_payment_method, outcome_of

FUTURE_USAGE = Enum("off_session", "on_session")
PAYMENT_METHOD_OPTIONS = {
    "card": {
        "request_three_d_secure": Enum("any", "automatic", "challenge"),
        "setup_future_usage": Enum("", "none", "off_session", "on_session"),
    },
    "sepa_debit": {"setup_future_usage": Enum("", "none", "off_session", "on_session")},
    "us_bank_account": {
        "verification_method": Enum("automatic", "instant", "microdeposits"),
        "setup_future_usage": Enum("", "none", "off_session", "on_session"),
    },
}
CONFIRM_PARAMS: dict[str, Any] = {
    "payment_method": STR,
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "mandate": STR,
    "mandate_data": MANDATE_DATA,
    "return_url": STR,
    "off_session": Either(BOOL, Enum("one_off", "recurring")),
    "setup_future_usage": FUTURE_USAGE,
    "receipt_email": STR,
    "client_secret": STR,
}
UPDATE_PARAMS: dict[str, Any] = {
    "amount": INT,
    "currency": STR,
    "customer": STR,
    "description": STR,
    "metadata": MAP,
    "payment_method": STR,
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "payment_method_types": [STR],
    "receipt_email": STR,
    "setup_future_usage": FUTURE_USAGE,
    "statement_descriptor": STR,
    "statement_descriptor_suffix": STR,
}
CREATE_PARAMS: dict[str, Any] = {
    **UPDATE_PARAMS,
    "confirm": BOOL,
    "mandate": STR,
    "mandate_data": MANDATE_DATA,
    "return_url": STR,
    "off_session": Either(BOOL, Enum("one_off", "recurring")),
    "automatic_payment_methods": {"enabled": BOOL, "allow_redirects": Enum("always", "never")},
    "capture_method": Enum("automatic", "automatic_async"),
}
_UPDATABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_CANCELABLE = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
)


# -- validation ----------------------------------------------------------------------------
def check_amount(amount: int, currency: str) -> None:
    minimum = MINIMUM_AMOUNTS.get(currency, 50)
    if amount < minimum:
        raise invalid_request(
            f"Amount must be at least {format_amount(minimum, currency)} {currency}",
            code="amount_too_small",
            param="amount",
        )
    if amount > MAXIMUM_AMOUNT:
        raise invalid_request(
            f"Amount must be no more than {format_amount(MAXIMUM_AMOUNT, currency)} {currency}",
            code="amount_too_large",
            param="amount",
        )


def check_currency(currency: str) -> str:
    currency = currency.lower()
    if currency not in MINIMUM_AMOUNTS:
        raise invalid_request(
            f"Invalid currency: {currency}. The sandbox supports: "
            f"{', '.join(sorted(MINIMUM_AMOUNTS))}.",
            param="currency",
        )
    return currency


# -- the payment flow ----------------------------------------------------------------------
def after_successful_use(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> None:
    """Save the method for later when asked (attach to the customer), else use it up."""
    if intent.get("setup_future_usage") and intent.get("customer"):
        customer = ctx.get("customer", intent["customer"], "customer")
        attach_payment_method(ctx, method, customer)
        method["_set_up"] = True
    elif method["customer"] is None:
        method["_consumed"] = True


def _card_declined(
    ctx: Ctx,
    intent: dict[str, Any],
    method: dict[str, Any],
    code: str,
    message: str,
    decline_code: str | None,
) -> StripeError:
    charge = create_charge(
        ctx, intent, method, status="failed", failure=(code, message, decline_code)
    )
    intent["latest_charge"] = charge["id"]
    error = card_error(message, code, decline_code=decline_code)
    ctx.emit("charge.failed", charge)
    return record_decline(ctx, intent, method, error, charge["id"])


def _charge_made(
    ctx: Ctx,
    intent: dict[str, Any],
    method: dict[str, Any],
    charge: dict[str, Any],
    **changes: Any,
) -> None:
    """``charge`` (succeeded or pending) becomes the intent's latest: apply ``changes`` (its
    new status at least), record both events, then keep or use up the method."""
    intent.update(
        {
            **changes,
            "latest_charge": charge["id"],
            "next_action": None,
            "last_payment_error": None,
        }
    )
    ctx.emit(f"charge.{charge['status']}", charge)
    ctx.emit(f"payment_intent.{intent['status']}", intent)
    after_successful_use(ctx, intent, method)


def succeed_card_payment(
    ctx: Ctx, intent: dict[str, Any], method: dict[str, Any], *, authenticated: bool = False
) -> None:
    charge = create_charge(ctx, intent, method, status="succeeded", authenticated=authenticated)
    _charge_made(ctx, intent, method, charge, status="succeeded", amount_received=intent["amount"])
    if outcome_of(method).kind == SUCCEED_THEN_DISPUTE:
        open_dispute(ctx, charge)


def _pay_by_card(
    ctx: Ctx, intent: dict[str, Any], method: dict[str, Any], off_session: bool
) -> None:
    outcome = outcome_of(method)
    three_ds = (intent["payment_method_options"].get("card") or {}).get("request_three_d_secure")
    needs_authentication = (
        outcome.kind == AUTHENTICATE
        or (outcome.kind == AUTHENTICATE_UNLESS_SET_UP and not (off_session and method["_set_up"]))
        or (three_ds in ("any", "challenge") and not off_session)
    )
    if needs_authentication and off_session:
        raise _card_declined(
            ctx,
            intent,
            method,
            "authentication_required",
            "Your card was declined. This transaction requires authentication.",
            "authentication_required",
        )
    if needs_authentication:
        ask_for_authentication(ctx, intent)
        return
    if outcome.kind == DECLINE:
        raise _card_declined(
            ctx,
            intent,
            method,
            outcome.code or "card_declined",
            outcome.message or "Your card was declined.",
            outcome.decline_code,
        )
    succeed_card_payment(ctx, intent, method)


def start_debit(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> None:
    charge = create_charge(ctx, intent, method, status="pending")
    _charge_made(ctx, intent, method, charge, status="processing")
    ctx.sandbox.schedule(
        ctx.account_id,
        "settle_payment",
        intent["id"],
        ctx.sandbox.settle_delay(outcome_of(method).delayed),
    )


def confirm_intent(ctx: Ctx, intent: dict[str, Any], params: dict[str, Any]) -> None:
    begin_confirmation(intent, params)
    for key in ("setup_future_usage", "receipt_email"):
        if key in params:
            intent[key] = params[key]
    if params.get("payment_method_options"):
        intent["payment_method_options"] = options_for(
            intent["payment_method_types"],
            params["payment_method_options"],
            intent["payment_method_options"],
        )
    method = take_payment_method(ctx, intent, params)
    off_session = bool(params.get("off_session"))
    if method["type"] in BANK_DEBIT_TYPES:
        multi_use = bool(intent.get("setup_future_usage")) or method["customer"] is not None
        mandate_for(
            ctx,
            method,
            params,
            multi_use=multi_use,
            amount=intent["amount"],
            currency=intent["currency"],
        )
    if method["type"] == "card":
        _pay_by_card(ctx, intent, method, off_session)
    elif awaits_microdeposits(method):
        ask_for_microdeposits(ctx, intent)
    else:
        start_debit(ctx, intent, method)


def finish_authentication(ctx: Ctx, intent: dict[str, Any], success: bool) -> None:
    """The buyer completed or failed the 3-D Secure page."""
    method = ctx.get("payment_method", intent["payment_method"])
    if success:
        succeed_card_payment(ctx, intent, method, authenticated=True)
        return
    fail_authentication(
        ctx,
        intent,
        method,
        "The provided PaymentMethod has failed authentication. You can provide "
        "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent "
        "again.",
    )


def _settle_payment(sandbox: Sandbox, account_id: str, job: dict[str, Any]) -> None:
    ctx = background_ctx(sandbox, account_id)
    intent = sandbox.store.get(account_id, job["object"], "payment_intent")
    if intent is None or intent["status"] != "processing":
        return
    method = ctx.get("payment_method", intent["payment_method"])
    charge = ctx.get("charge", intent["latest_charge"])
    mandate = sandbox.store.get(account_id, method["_mandate"] or "", "mandate")
    outcome = outcome_of(method)
    revoked = outcome.code == "debit_not_authorized"
    if mandate is not None and mandate["status"] == "pending" and not revoked:
        set_mandate_status(ctx, mandate, "active")
    if outcome.kind == DECLINE:
        message = outcome.message or "The payment failed."
        fail_charge(ctx, charge, outcome.code or "generic_decline", message)
        ctx.emit("charge.failed", charge)
        error = card_error(message, outcome.code or "generic_decline")
        record_failure(ctx, intent, failure_record(error, method, charge["id"]))
        if revoked and mandate is not None:
            set_mandate_status(ctx, mandate, "inactive", "account_closed")
        return
    settle_charge(ctx, charge, method["type"])
    intent.update({"status": "succeeded", "amount_received": intent["amount"]})
    ctx.emit("charge.succeeded", charge)
    ctx.emit("payment_intent.succeeded", intent)
    if outcome.kind == SUCCEED_THEN_DISPUTE:
        open_dispute(ctx, charge)


JOB_HANDLERS["settle_payment"] = _settle_payment


# -- endpoints -----------------------------------------------------------------------------
@endpoint("POST", "/v1/payment_intents", CREATE_PARAMS)
def create_payment_intent(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    if params.get("amount") is None:
        raise parameter_missing("amount")
    if not params.get("currency"):
        raise parameter_missing("currency")
    currency = check_currency(params["currency"])
    check_amount(params["amount"], currency)
    automatic_methods = automatic_payment_methods(params)
    if (params.get("automatic_payment_methods") or {}).get(
        "enabled"
    ) is False and automatic_methods:
        raise parameter_missing("payment_method_types")
    types = method_types_to_create(ctx, params, currency)
    for only_confirming in ("off_session", "mandate"):
        if params.get(only_confirming) and not params.get("confirm"):
            raise invalid_request(
                f"{only_confirming} can only be used when confirm is true.", param=only_confirming
            )
    if params.get("customer"):
        ctx.get("customer", params["customer"], "customer")
    intent_id = new_id("pi")
    intent = ctx.add(
        {
            "id": intent_id,
            "object": "payment_intent",
            "amount": params["amount"],
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": automatic_methods,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": params.get("capture_method") or "automatic_async",
            "client_secret": f"{intent_id}_secret_{random_token(25)}",
            "confirmation_method": "automatic",
            "created": now(),
            "currency": currency,
            "customer": params.get("customer"),
            "customer_account": None,
            "description": params.get("description"),
            "excluded_payment_method_types": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "managed_payments": None,
            "metadata": metadata_update({}, params.get("metadata")),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": options_for(types, params.get("payment_method_options")),
            "payment_method_types": types,
            "processing": None,
            "receipt_email": params.get("receipt_email"),
            "review": None,
            "setup_future_usage": params.get("setup_future_usage"),
            "shipping": None,
            "source": None,
            "statement_descriptor": params.get("statement_descriptor"),
            "statement_descriptor_suffix": params.get("statement_descriptor_suffix"),
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
            "_return_url": params.get("return_url"),
        }
    )
    finish_creation(ctx, intent, params, confirm_intent)
    return ctx.render(intent)


@endpoint("GET", "/v1/payment_intents/<intent>", {"client_secret": STR}, publishable=True)
def retrieve_payment_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    return ctx.render(get_with_client_secret(ctx, "payment_intent", intent))


@endpoint("POST", "/v1/payment_intents/<intent>", UPDATE_PARAMS)
def update_payment_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = ctx.get("payment_intent", intent)
    params = ctx.params
    if record["status"] not in _UPDATABLE:
        raise invalid_request(
            f"You cannot update this PaymentIntent because it has a status of {record['status']}.",
            code="payment_intent_unexpected_state",
        )
    currency = check_currency(params["currency"]) if params.get("currency") else record["currency"]
    amount = params["amount"] if params.get("amount") is not None else record["amount"]
    check_amount(amount, currency)
    if params.get("payment_method_types"):
        record["payment_method_types"] = method_types(
            ctx, params["payment_method_types"], False, currency
        )
    elif currency != record["currency"]:
        method_types(ctx, record["payment_method_types"], False, currency)
    if params.get("customer"):
        ctx.get("customer", params["customer"], "customer")
        record["customer"] = params["customer"]
    changed = (amount, currency) != (record["amount"], record["currency"]) or bool(
        params.get("payment_method_types")
    )
    if record["status"] == "requires_action" and changed:
        # The authentication the buyer was asked for was for the old terms: it lapses, and the
        # intent waits for a method again (a challenge page still open answers "nothing to
        # authenticate").
        record.update({"status": "requires_payment_method", "next_action": None})
        record["payment_method"] = None
    record.update({"amount": amount, "currency": currency})
    for key in (
        "description",
        "receipt_email",
        "setup_future_usage",
        "statement_descriptor",
        "statement_descriptor_suffix",
    ):
        if key in params:
            record[key] = params[key] or None
    if "metadata" in params:
        record["metadata"] = metadata_update(record["metadata"], params["metadata"])
    record["payment_method_options"] = options_for(
        record["payment_method_types"],
        params.get("payment_method_options"),
        record["payment_method_options"],
    )
    method = payment_method_for(ctx, {**record, "payment_method": None}, params)
    if method is not None:
        check_method_usable(ctx, record, method)
        record.update(
            {"payment_method": method["id"], "status": "requires_confirmation", "next_action": None}
        )
    return ctx.render(record)


@endpoint("POST", "/v1/payment_intents/<intent>/confirm", CONFIRM_PARAMS, publishable=True)
def confirm_payment_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = get_with_client_secret(ctx, "payment_intent", intent)
    confirm_intent(ctx, record, ctx.params)
    return ctx.render(record)


@endpoint(
    "POST",
    "/v1/payment_intents/<intent>/cancel",
    {"cancellation_reason": Enum("duplicate", "fraudulent", "requested_by_customer", "abandoned")},
)
def cancel_payment_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = ctx.get("payment_intent", intent)
    if record["status"] not in _CANCELABLE:
        raise invalid_request(
            f"You cannot cancel this PaymentIntent because it has a status of "
            f"{record['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be canceled: {', '.join(_CANCELABLE)}.",
            code="payment_intent_unexpected_state",
        )
    record.update(
        {
            "status": "canceled",
            "canceled_at": now(),
            "next_action": None,
            "cancellation_reason": ctx.params.get("cancellation_reason"),
        }
    )
    ctx.emit("payment_intent.canceled", record)
    return ctx.render(record)


@endpoint("GET", "/v1/payment_intents", {"customer": STR}, paginated=True, created_filter=True)
def list_payment_intents(ctx: Ctx) -> dict[str, Any]:
    customer = ctx.params.get("customer")
    found = ctx.store.select(
        ctx.account_id, "payment_intent", lambda obj: customer in (None, obj["customer"])
    )
    return ctx.list_response(found, "/v1/payment_intents")


@endpoint(
    "POST",
    "/v1/payment_intents/<intent>/verify_microdeposits",
    VERIFY_MICRODEPOSITS_PARAMS,
    publishable=True,
)
def verify_payment_microdeposits(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = get_with_client_secret(ctx, "payment_intent", intent)
    start_debit(ctx, record, verify_microdeposits(ctx, record))
    return ctx.render(record)
