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
from ..rules import (
    BANK_DEBIT_TYPES,
    MAXIMUM_AMOUNT,
    MINIMUM_AMOUNTS,
    PAYMENT_METHOD_RULES,
    format_amount,
    method_unavailable_reason,
)
from ..sandbox import JOB_HANDLERS, Sandbox
from ..state import new_id, now, public_view, random_token
from ..testdata import (
    AUTHENTICATE,
    AUTHENTICATE_UNLESS_SET_UP,
    DECLINE,
    MICRODEPOSIT_AMOUNTS,
    MICRODEPOSIT_DESCRIPTOR_CODE,
    MICRODEPOSIT_MAX_ATTEMPTS,
    SUCCEED_THEN_DISPUTE,
)
from .charges import create_charge, fail_charge, open_dispute, settle_charge
from .mandates import MANDATE_DATA, create_mandate, customer_acceptance, set_mandate_status
from .payment_methods import (
    PAYMENT_METHOD_DATA,
    attach_payment_method,
    build_payment_method,
    outcome_of,
    resolve_payment_method,
)

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
_DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "card": {
        "installments": None,
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    },
    "sepa_debit": {},
    "us_bank_account": {"verification_method": "automatic"},
    "bacs_debit": {},
}
CONFIRM_PARAMS: dict[str, Any] = {
    "payment_method": STR,
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
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


def method_types(
    ctx: Ctx, requested: list[str] | None, automatic: bool, currency: str | None
) -> list[str]:
    """The payment method types for an intent, checked against account and currency."""
    if requested and automatic:
        raise invalid_request(
            "You may only specify one of these parameters: "
            "automatic_payment_methods, payment_method_types.",
            param="payment_method_types",
        )

    def unavailable(kind: str) -> str | None:
        reason = method_unavailable_reason(kind, currency or "", ctx.account)
        return None if reason == "currency" and currency is None else reason

    if not requested:
        return [kind for kind in PAYMENT_METHOD_RULES if unavailable(kind) is None]
    for kind in requested:
        reason = unavailable(kind)
        if reason in ("unsupported", "capability", "country"):
            raise invalid_request(
                f"The payment method type provided: {kind} is invalid. Please ensure the "
                "provided type is activated in your dashboard "
                "(https://dashboard.stripe.com/account/payments/settings) and your account is "
                "enabled for any preview features that you are trying to use.",
                code="payment_intent_invalid_parameter",
                param="payment_method_types",
            )
        if reason == "currency":
            raise invalid_request(
                f"The currency provided ({currency}) is invalid for one or more payment method "
                f"types provided in this PaymentIntent ({kind}). Please ensure that the "
                "payment method types you have provided support the currency.",
                code="payment_intent_invalid_parameter",
                param="payment_method_types",
            )
    return list(dict.fromkeys(requested))


def check_client_secret(ctx: Ctx, intent: dict[str, Any]) -> None:
    given = ctx.params.get("client_secret")
    if given is None and not ctx.publishable:
        return
    if given is None:
        raise parameter_missing("client_secret")
    if given != intent["client_secret"]:
        kind = "PaymentIntent" if intent["object"] == "payment_intent" else "SetupIntent"
        raise invalid_request(
            f"The client_secret provided does not match the client_secret "
            f"associated with the {kind}.",
            param="client_secret",
        )


def options_for(
    types: list[str], given: dict[str, Any] | None, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    options = {
        kind: dict((current or {}).get(kind) or _DEFAULT_OPTIONS.get(kind, {})) for kind in types
    }
    for kind, values in (given or {}).items():
        if kind in options and values:
            options[kind].update({key: value for key, value in values.items() if value is not None})
    return options


# -- shared steps --------------------------------------------------------------------------
def payment_method_for(
    ctx: Ctx, intent: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any] | None:
    """The PaymentMethod named by ``payment_method`` / ``payment_method_data``, if any."""
    if params.get("payment_method") and params.get("payment_method_data"):
        raise invalid_request(
            "You cannot provide both payment_method and payment_method_data.",
            param="payment_method_data",
        )
    if params.get("payment_method"):
        return resolve_payment_method(ctx, params["payment_method"], "payment_method")
    if params.get("payment_method_data"):
        return build_payment_method(ctx, params["payment_method_data"], "payment_method_data")
    if intent.get("payment_method"):
        return ctx.get("payment_method", intent["payment_method"], "payment_method")
    return None


def check_method_usable(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> None:
    kind = "PaymentIntent" if intent["object"] == "payment_intent" else "SetupIntent"
    if method["type"] not in intent["payment_method_types"]:
        raise invalid_request(
            f"The PaymentMethod provided ({method['type']}) is not allowed for this {kind}. "
            f"Please attach a PaymentMethod of one of the following types: "
            f"{', '.join(intent['payment_method_types'])}. Alternatively, update the allowed "
            f'payment_method_types for this {kind} to include "{method["type"]}".',
            code="payment_intent_invalid_parameter",
            param="payment_method",
        )
    if method["_consumed"]:
        raise invalid_request(
            "The provided PaymentMethod was previously used with a PaymentIntent without "
            "Customer attachment, shared with a connected account without Customer attachment, "
            "or was detached from a Customer. It may not be used again. To use a PaymentMethod "
            "multiple times, you must attach it to a Customer first.",
            code="payment_method_unexpected_state",
            param="payment_method",
        )
    if method["customer"] and method["customer"] != intent.get("customer"):
        raise invalid_request(
            f"The provided PaymentMethod belongs to a Customer ({method['customer']}) that is "
            f"not the Customer of this {kind}. Pass the customer of the PaymentMethod too.",
            code="payment_intent_invalid_parameter",
            param="payment_method",
        )


def mandate_for(
    ctx: Ctx,
    method: dict[str, Any],
    params: dict[str, Any],
    *,
    multi_use: bool,
    amount: int | None,
    currency: str | None,
) -> dict[str, Any]:
    """The mandate a bank debit runs under: a new one from ``mandate_data`` or the
    PaymentMethod's existing one."""
    if params.get("mandate_data"):
        acceptance = customer_acceptance(ctx, params["mandate_data"])
        return create_mandate(
            ctx,
            method,
            acceptance,
            multi_use=multi_use,
            amount=amount,
            currency=currency,
            status="pending" if method["type"] == "bacs_debit" else "active",
        )
    existing = ctx.store.get(ctx.account_id, method["_mandate"] or "", "mandate")
    if existing is not None and existing["status"] != "inactive":
        return existing
    raise invalid_request(
        f"A mandate is required to use a {method['type']} PaymentMethod: provide mandate_data "
        "with the customer's acceptance.",
        code="parameter_missing",
        param="mandate_data",
    )


def failure_record(
    error: StripeError, method: dict[str, Any] | None, charge_id: str | None = None
) -> dict[str, Any]:
    """``last_payment_error`` / ``last_setup_error``: the error body plus the method."""
    record = error.body()["error"]
    if charge_id:
        record["charge"] = charge_id
    if method is not None:
        record["payment_method"] = public_view(method)
    return record


def verify_with_microdeposits_action(ctx: Ctx, intent: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "verify_with_microdeposits",
        "verify_with_microdeposits": {
            "arrival_date": now() + 2 * 86_400,
            "hosted_verification_url": ctx.url(f"/_sandbox/microdeposits/{intent['id']}"),
            "microdeposit_type": "amounts",
        },
    }


def redirect_action(ctx: Ctx, intent: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "redirect_to_url",
        "redirect_to_url": {
            "return_url": intent["_return_url"],
            "url": ctx.url(f"/_sandbox/3ds/{intent['id']}"),
        },
    }


def check_microdeposits(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> bool:
    """Check ``amounts`` / ``descriptor_code``; True when they match. Counts attempts."""
    amounts = ctx.params.get("amounts")
    code = ctx.params.get("descriptor_code")
    if not amounts and not code:
        raise parameter_missing("amounts")
    if amounts and code:
        raise invalid_request(
            "You can only provide one of amounts or descriptor_code.", param="descriptor_code"
        )
    if amounts and len(amounts) != 2:
        raise invalid_request("You must provide exactly two amounts.", param="amounts")
    method["_microdeposit_attempts"] += 1
    if amounts:
        return sorted(amounts) == sorted(MICRODEPOSIT_AMOUNTS)
    return code == MICRODEPOSIT_DESCRIPTOR_CODE


def microdeposit_mismatch(ctx: Ctx, method: dict[str, Any]) -> StripeError:
    if method["_microdeposit_attempts"] >= MICRODEPOSIT_MAX_ATTEMPTS:
        return invalid_request(
            "You have exceeded the number of allowed verification attempts.",
            code="payment_method_microdeposit_verification_attempts_exceeded",
        )
    if ctx.params.get("amounts"):
        return invalid_request(
            "The amounts provided do not match the amounts that were sent to the bank account.",
            code="payment_method_microdeposit_verification_amounts_mismatch",
            param="amounts",
        )
    return invalid_request(
        "The descriptor code provided does not match the code that was sent to the bank account.",
        code="payment_method_microdeposit_verification_descriptor_code_mismatch",
        param="descriptor_code",
    )


def after_successful_use(ctx: Ctx, intent: dict[str, Any], method: dict[str, Any]) -> None:
    """Save the method for later when asked (attach to the customer), else use it up."""
    if intent.get("setup_future_usage") and intent.get("customer"):
        customer = ctx.get("customer", intent["customer"], "customer")
        attach_payment_method(ctx, method, customer)
        method["_set_up"] = True
    elif method["customer"] is None:
        method["_consumed"] = True


# -- the payment flow ----------------------------------------------------------------------
def _payment_failed(ctx: Ctx, intent: dict[str, Any], record: dict[str, Any]) -> None:
    intent.update(
        {"status": "requires_payment_method", "last_payment_error": record, "next_action": None}
    )
    ctx.emit("payment_intent.payment_failed", intent)


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
    _payment_failed(ctx, intent, failure_record(error, method, charge["id"]))
    error.extra.update(
        {
            "charge": charge["id"],
            "payment_intent": ctx.render(intent, []),
            "payment_method": ctx.render(method, []),
        }
    )
    return error


def succeed_card_payment(
    ctx: Ctx, intent: dict[str, Any], method: dict[str, Any], *, authenticated: bool = False
) -> None:
    charge = create_charge(ctx, intent, method, status="succeeded", authenticated=authenticated)
    intent.update(
        {
            "status": "succeeded",
            "amount_received": intent["amount"],
            "latest_charge": charge["id"],
            "next_action": None,
            "last_payment_error": None,
        }
    )
    ctx.emit("charge.succeeded", charge)
    ctx.emit("payment_intent.succeeded", intent)
    after_successful_use(ctx, intent, method)
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
        intent.update({"status": "requires_action", "next_action": redirect_action(ctx, intent)})
        ctx.emit("payment_intent.requires_action", intent)
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
    intent.update(
        {
            "status": "processing",
            "latest_charge": charge["id"],
            "next_action": None,
            "last_payment_error": None,
        }
    )
    ctx.emit("charge.pending", charge)
    ctx.emit("payment_intent.processing", intent)
    after_successful_use(ctx, intent, method)
    ctx.sandbox.schedule(
        ctx.account_id,
        "settle_payment",
        intent["id"],
        ctx.sandbox.settle_delay(outcome_of(method).delayed),
    )


def confirm_intent(ctx: Ctx, intent: dict[str, Any], params: dict[str, Any]) -> None:
    if intent["status"] not in _UPDATABLE:
        raise invalid_request(
            f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}.",
            code="payment_intent_unexpected_state",
        )
    for key in ("setup_future_usage", "receipt_email"):
        if key in params:
            intent[key] = params[key]
    if "return_url" in params:
        intent["_return_url"] = params["return_url"]
    if params.get("payment_method_options"):
        intent["payment_method_options"] = options_for(
            intent["payment_method_types"],
            params["payment_method_options"],
            intent["payment_method_options"],
        )
    method = payment_method_for(ctx, intent, params)
    if method is None:
        raise invalid_request(
            "You cannot confirm this PaymentIntent because it's missing a payment method. To "
            "confirm the PaymentIntent with a PaymentMethod, pass payment_method or "
            "payment_method_data.",
            code="payment_intent_unexpected_state",
            param="payment_method",
        )
    check_method_usable(ctx, intent, method)
    intent["payment_method"] = method["id"]
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
    elif method["type"] == "us_bank_account" and not method["_verified"]:
        intent.update(
            {
                "status": "requires_action",
                "next_action": verify_with_microdeposits_action(ctx, intent),
            }
        )
        ctx.emit("payment_intent.requires_action", intent)
    else:
        start_debit(ctx, intent, method)


def finish_authentication(ctx: Ctx, intent: dict[str, Any], success: bool) -> None:
    """The buyer completed or failed the 3-D Secure page."""
    method = ctx.get("payment_method", intent["payment_method"])
    if success:
        succeed_card_payment(ctx, intent, method, authenticated=True)
        return
    error = invalid_request(
        "The provided PaymentMethod has failed authentication. You can provide "
        "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent "
        "again.",
        code="payment_intent_authentication_failure",
    )
    _payment_failed(ctx, intent, failure_record(error, method))


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
        _payment_failed(ctx, intent, failure_record(error, method, charge["id"]))
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
    automatic = not params.get("payment_method_types")
    if (params.get("automatic_payment_methods") or {}).get("enabled") is False and automatic:
        raise parameter_missing("payment_method_types")
    types = method_types(
        ctx,
        params.get("payment_method_types"),
        bool((params.get("automatic_payment_methods") or {}).get("enabled")),
        currency,
    )
    if params.get("off_session") and not params.get("confirm"):
        raise invalid_request(
            "off_session can only be used when confirm is true.", param="off_session"
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
            "automatic_payment_methods": {"allow_redirects": "always", "enabled": True}
            if automatic
            else None,
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
    method = payment_method_for(ctx, intent, params)
    if method is not None:
        check_method_usable(ctx, intent, method)
        intent.update({"payment_method": method["id"], "status": "requires_confirmation"})
    ctx.emit("payment_intent.created", intent)
    if params.get("confirm"):
        confirm_intent(
            ctx,
            intent,
            {
                key: value
                for key, value in params.items()
                if key not in ("payment_method", "payment_method_data")
            },
        )
    return ctx.render(intent)


@endpoint("GET", "/v1/payment_intents/<intent>", {"client_secret": STR}, publishable=True)
def retrieve_payment_intent(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = ctx.get("payment_intent", intent)
    check_client_secret(ctx, record)
    return ctx.render(record)


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
    record = ctx.get("payment_intent", intent)
    check_client_secret(ctx, record)
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
    {"amounts": [INT], "descriptor_code": STR, "client_secret": STR},
    publishable=True,
)
def verify_payment_microdeposits(ctx: Ctx, intent: str) -> dict[str, Any]:
    record = ctx.get("payment_intent", intent)
    check_client_secret(ctx, record)
    if (
        record["status"] != "requires_action"
        or (record["next_action"] or {}).get("type") != "verify_with_microdeposits"
    ):
        raise invalid_request(
            f"This PaymentIntent ({record['id']}) is not awaiting micro-deposit verification; "
            f"its status is {record['status']}.",
            code="payment_intent_unexpected_state",
        )
    method = ctx.get("payment_method", record["payment_method"])
    if not check_microdeposits(ctx, record, method):
        error = microdeposit_mismatch(ctx, method)
        if error.code == "payment_method_microdeposit_verification_attempts_exceeded":
            _payment_failed(ctx, record, failure_record(error, method))
        raise error
    method["_verified"] = True
    start_debit(ctx, record, method)
    return ctx.render(record)
