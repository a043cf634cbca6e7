"""SetupIntents: save a card (with 3-D Secure when the card asks), a SEPA or Bacs mandate,
or a micro-deposit-verified US bank account for later off-session payments."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, background_ctx, endpoint, metadata_update
from ..errors import card_error, invalid_request
from ..params import BOOL, MAP, STR, Enum
from ..rules import BANK_DEBIT_TYPES
from ..sandbox import JOB_HANDLERS, Sandbox
from ..state import new_id, now, random_token
from ..testdata import AUTHENTICATE, AUTHENTICATE_UNLESS_SET_UP, DECLINE
from .intents import (
    CONFIRMABLE,
    VERIFY_MICRODEPOSITS_PARAMS,
    ask_for_authentication,
    ask_for_microdeposits,
    automatic_payment_methods,
    awaits_microdeposits,
    begin_confirmation,
    fail_authentication,
    finish_creation,
    get_with_client_secret,
    mandate_for,
    method_types_to_create,
    options_for,
    record_decline,
    take_payment_method,
    verify_microdeposits,
)
from .mandates import MANDATE_DATA, set_mandate_status
from .payment_methods import PAYMENT_METHOD_DATA, attach_payment_method, outcome_of

SETUP_PAYMENT_METHOD_OPTIONS = {
    "card": {"request_three_d_secure": Enum("any", "automatic", "challenge")},
    "sepa_debit": {},
    "us_bank_account": {"verification_method": Enum("automatic", "instant", "microdeposits")},
}
CONFIRM_PARAMS: dict[str, Any] = {
    "payment_method": STR,
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": SETUP_PAYMENT_METHOD_OPTIONS,
    "mandate_data": MANDATE_DATA,
    "return_url": STR,
    "client_secret": STR,
}
CREATE_PARAMS: dict[str, Any] = {
    "customer": STR,
    "description": STR,
    "metadata": MAP,
    "payment_method": STR,
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_types": [STR],
    "payment_method_options": SETUP_PAYMENT_METHOD_OPTIONS,
    "usage": Enum("off_session", "on_session"),
    "confirm": BOOL,
    "return_url": STR,
    "mandate_data": MANDATE_DATA,
    "automatic_payment_methods": {"enabled": BOOL, "allow_redirects": Enum("always", "never")},
}


def succeed_setup(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> None:
    intent.update({"status": "succeeded", "next_action": None, "last_setup_error": None})
    method["_set_up"] = True
    if intent.get("customer"):
        attach_payment_method(ctx, method, ctx.get("customer", intent["customer"], "customer"))
    ctx.emit("setup_intent.succeeded", intent)


def _setup_card(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> None:
    outcome = outcome_of(method)
    if outcome.kind in (AUTHENTICATE, AUTHENTICATE_UNLESS_SET_UP):
        ask_for_authentication(ctx, intent)
        return
    if outcome.kind == DECLINE:
        error = card_error(
            outcome.message or "Your card was declined.",
            outcome.code or "card_declined",
            decline_code=outcome.decline_code,
        )
        raise record_decline(ctx, intent, method, error)
    succeed_setup(ctx, intent, method)


def confirm_setup(ctx: Ctx, intent: dict[str, Any], params: dict[str, Any]) -> None:
    begin_confirmation(intent, params)
    method = take_payment_method(ctx, intent, params)
    if method["type"] in BANK_DEBIT_TYPES:
        mandate = mandate_for(ctx, method, params, multi_use=True, amount=None, currency=None)
        intent["mandate"] = mandate["id"]
        if mandate["status"] == "pending":
            ctx.sandbox.schedule(
                ctx.account_id,
                "activate_mandate",
                mandate["id"],
                ctx.sandbox.settle_delay(outcome_of(method).delayed),
            )
    if method["type"] == "card":
        _setup_card(ctx, intent, method)
    elif awaits_microdeposits(method):
        ask_for_microdeposits(ctx, intent)
    else:
        succeed_setup(ctx, intent, method)


def finish_setup_authentication(ctx: Ctx, intent: dict[str, Any], success: bool) -> None:
    method = ctx.get("payment_method", intent["payment_method"])
    if success:
        succeed_setup(ctx, intent, method)
        return
    fail_authentication(
        ctx,
        intent,
        method,
        "The latest attempt to set up the payment method has failed because authentication failed.",
    )


def _activate_mandate(sandbox: Sandbox, account_id: str, job: dict[str, Any]) -> None:
    ctx = background_ctx(sandbox, account_id)
    mandate = sandbox.store.get(account_id, job["object"], "mandate")
    if mandate is None or mandate["status"] != "pending":
        return
    method = sandbox.store.get(account_id, mandate["payment_method"], "payment_method")
    revoked = method is not None and outcome_of(method).code == "debit_not_authorized"
    set_mandate_status(
        ctx, mandate, "inactive" if revoked else "active", "account_closed" if revoked else None
    )


JOB_HANDLERS["activate_mandate"] = _activate_mandate


@endpoint("POST", "/v1/setup_intents", CREATE_PARAMS)
def create_setup_intent(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    types = method_types_to_create(ctx, params, None)
    if params.get("customer"):
        ctx.get("customer", params["customer"], "customer")
    intent_id = new_id("seti")
    intent = ctx.add(
        {
            "id": intent_id,
            "object": "setup_intent",
            "application": None,
            "automatic_payment_methods": automatic_payment_methods(params),
            "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_{random_token(32)}",
            "created": now(),
            "customer": params.get("customer"),
            "description": params.get("description"),
            "excluded_payment_method_types": None,
            "flow_directions": None,
            "last_setup_error": None,
            "latest_attempt": None,
            "livemode": False,
            "mandate": None,
            "metadata": metadata_update({}, params.get("metadata")),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": options_for(types, params.get("payment_method_options")),
            "payment_method_types": types,
            "single_use_mandate": None,
            "status": "requires_payment_method",
            "usage": params.get("usage") or "off_session",
            "_return_url": params.get("return_url"),
        }
    )
    finish_creation(ctx, intent, params, confirm_setup)
    return ctx.render(intent)


@endpoint("GET", "/v1/setup_intents/<intent>", {"client_secret": STR}, publishable=True)
def retrieve_setup_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    return ctx.render(get_with_client_secret(ctx, "setup_intent", intent))


@endpoint("POST", "/v1/setup_intents/<intent>/confirm", CONFIRM_PARAMS, publishable=True)
def confirm_setup_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = get_with_client_secret(ctx, "setup_intent", intent)
    confirm_setup(ctx, record, ctx.params)
    return ctx.render(record)


@endpoint(
    "POST",
    "/v1/setup_intents/<intent>/cancel",
    {"cancellation_reason": Enum("abandoned", "duplicate", "requested_by_customer")},
)
def cancel_setup_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = ctx.get("setup_intent", intent)
    if record["status"] not in CONFIRMABLE:
        raise invalid_request(
            f"You cannot cancel this SetupIntent because it has a status of {record['status']}.",
            code="setup_intent_unexpected_state",
        )
    record.update(
        {
            "status": "canceled",
            "next_action": None,
            "cancellation_reason": ctx.params.get("cancellation_reason"),
        }
    )
    ctx.emit("setup_intent.canceled", record)
    return ctx.render(record)


@endpoint(
    "GET",
    "/v1/setup_intents",
    {"customer": STR, "payment_method": STR},
    paginated=True,
    created_filter=True,
)
def list_setup_intents(ctx: Ctx) -> dict[str, Any]:
    wanted = {key: ctx.params[key] for key in ("customer", "payment_method") if ctx.params.get(key)}
    found = ctx.store.select(
        ctx.account_id,
        "setup_intent",
        lambda obj: all(obj[key] == value for key, value in wanted.items()),
    )
    return ctx.list_response(found, "/v1/setup_intents")


@endpoint(
    "POST",
    "/v1/setup_intents/<intent>/verify_microdeposits",
    VERIFY_MICRODEPOSITS_PARAMS,
    publishable=True,
)
def verify_setup_microdeposits(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = get_with_client_secret(ctx, "setup_intent", intent)
    succeed_setup(ctx, record, verify_microdeposits(ctx, record))
    return ctx.render(record)
