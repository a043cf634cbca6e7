"""What PaymentIntents and SetupIntents share: choosing and checking the PaymentMethod, the
mandate a bank debit runs under, ``next_action`` (3-D Secure, micro-deposits), recording a
failure, and the steps of create, confirm and ``verify_microdeposits`` that are the same for
both. Where the two differ in Stripe's words, ``IntentKind`` holds the difference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..api import Ctx
from ..errors import StripeError, invalid_request, parameter_missing, resource_missing
from ..params import INT, STR
from ..rules import PAYMENT_METHOD_RULES, method_unavailable_reason
from ..state import now, public_view
from ..testdata import (
    MICRODEPOSIT_AMOUNTS,
    MICRODEPOSIT_DESCRIPTOR_CODE,
    MICRODEPOSIT_MAX_ATTEMPTS,
    MICRODEPOSIT_TYPES,
)
from .mandates import create_mandate, customer_acceptance
from .payment_methods import (
    build_payment_method,
    consumed_method_error,
    resolve_payment_method,
)

Intent = dict[str, Any]
Confirm = Callable[[Ctx, Intent, dict[str, Any]], None]


@dataclass(frozen=True)
class IntentKind:
    """How Stripe names and records things for one kind of intent."""

    label: str  # the name in messages: "PaymentIntent"
    error_field: str  # where the last failure is kept
    failure_event: str
    how_to_add_method: str  # the advice when confirming without a PaymentMethod


INTENT_KINDS = {
    "payment_intent": IntentKind(
        label="PaymentIntent",
        error_field="last_payment_error",
        failure_event="payment_intent.payment_failed",
        how_to_add_method="To confirm the PaymentIntent with a PaymentMethod, pass "
        "payment_method or payment_method_data.",
    ),
    "setup_intent": IntentKind(
        label="SetupIntent",
        error_field="last_setup_error",
        failure_event="setup_intent.setup_failed",
        how_to_add_method="Pass payment_method or payment_method_data.",
    ),
}
VERIFY_MICRODEPOSITS_PARAMS: dict[str, Any] = {
    "amounts": [INT],
    "descriptor_code": STR,
    "client_secret": STR,
}
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_METHOD_PARAMS = ("payment_method", "payment_method_data")
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


def kind_of(intent: Intent) -> IntentKind:
    return INTENT_KINDS[intent["object"]]


def unexpected_state_code(intent: Intent) -> str:
    return f"{intent['object']}_unexpected_state"


# -- creating ------------------------------------------------------------------------------
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


def method_types_to_create(ctx: Ctx, params: dict[str, Any], currency: str | None) -> list[str]:
    """``payment_method_types``, or every type allowed when none are named."""
    automatic = (params.get("automatic_payment_methods") or {}).get("enabled")
    return method_types(ctx, params.get("payment_method_types"), bool(automatic), currency)


def automatic_payment_methods(params: dict[str, Any]) -> dict[str, Any] | None:
    """The ``automatic_payment_methods`` field: set when no types were named."""
    if params.get("payment_method_types"):
        return None
    return {"allow_redirects": "always", "enabled": True}


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


def finish_creation(ctx: Ctx, intent: Intent, params: dict[str, Any], confirm: Confirm) -> None:
    """Take the PaymentMethod the create names, record ``<object>.created`` and, with
    ``confirm``, confirm at once (the method already taken)."""
    method = payment_method_for(ctx, intent, params)
    if method is not None:
        check_method_usable(ctx, intent, method)
        intent.update({"payment_method": method["id"], "status": "requires_confirmation"})
    ctx.emit(f"{intent['object']}.created", intent)
    if params.get("confirm"):
        confirm(
            ctx, intent, {key: value for key, value in params.items() if key not in _METHOD_PARAMS}
        )


# -- reading with a client secret ----------------------------------------------------------
def check_client_secret(ctx: Ctx, intent: Intent) -> None:
    given = ctx.params.get("client_secret")
    if given is None and not ctx.publishable:
        return
    if given is None:
        raise parameter_missing("client_secret")
    if given != intent["client_secret"]:
        raise invalid_request(
            f"The client_secret provided does not match the client_secret "
            f"associated with the {kind_of(intent).label}.",
            param="client_secret",
        )


def get_with_client_secret(ctx: Ctx, object_name: str, intent_id: str) -> Intent:
    """The intent, once the request's ``client_secret`` (required with a publishable key)
    matches it."""
    intent = ctx.get(object_name, intent_id)
    check_client_secret(ctx, intent)
    return intent


# -- the PaymentMethod ---------------------------------------------------------------------
def payment_method_for(ctx: Ctx, intent: Intent, params: dict[str, Any]) -> dict[str, Any] | None:
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


def check_method_usable(ctx: Ctx, intent: Intent, method: dict[str, Any]) -> None:
    label = kind_of(intent).label
    if method["type"] not in intent["payment_method_types"]:
        raise invalid_request(
            f"The PaymentMethod provided ({method['type']}) is not allowed for this {label}. "
            f"Please attach a PaymentMethod of one of the following types: "
            f"{', '.join(intent['payment_method_types'])}. Alternatively, update the allowed "
            f'payment_method_types for this {label} to include "{method["type"]}".',
            code="payment_intent_invalid_parameter",
            param="payment_method",
        )
    if method["_consumed"]:
        raise consumed_method_error(param="payment_method")
    if method["customer"] and method["customer"] != intent.get("customer"):
        raise invalid_request(
            f"The provided PaymentMethod belongs to a Customer ({method['customer']}) that is "
            f"not the Customer of this {label}. Pass the customer of the PaymentMethod too.",
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
    """The mandate a bank debit runs under: the one named by ``mandate`` (it must be this
    PaymentMethod's and not inactive), a new one from ``mandate_data``, or the PaymentMethod's
    existing one."""
    if params.get("mandate"):
        return named_mandate(ctx, method, params["mandate"])
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


def named_mandate(ctx: Ctx, method: dict[str, Any], mandate_id: str) -> dict[str, Any]:
    """The mandate a payment names (``mandate``), refused as Stripe does when it is unknown,
    another PaymentMethod's or no longer active; the debit runs under it."""
    mandate = ctx.store.get(ctx.account_id, mandate_id, "mandate")
    if mandate is None:
        raise resource_missing("mandate", mandate_id, param="mandate")
    if mandate["payment_method"] != method["id"]:
        raise invalid_request(
            f"The mandate {mandate_id} is not associated with the PaymentMethod "
            f"{method['id']}. Pass a mandate of this PaymentMethod.",
            code="payment_intent_mandate_invalid",
            param="mandate",
        )
    if mandate["status"] == "inactive":
        raise invalid_request(
            f"The mandate {mandate_id} is inactive and cannot be used for a payment.",
            code="payment_intent_mandate_invalid",
            param="mandate",
        )
    method["_mandate"] = mandate["id"]
    return mandate


# -- confirming ----------------------------------------------------------------------------
def begin_confirmation(intent: Intent, params: dict[str, Any]) -> None:
    """Refuse an intent past confirming; keep the ``return_url`` given."""
    if intent["status"] not in CONFIRMABLE:
        raise invalid_request(
            f"You cannot confirm this {kind_of(intent).label} because it has a status of "
            f"{intent['status']}.",
            code=unexpected_state_code(intent),
        )
    if "return_url" in params:
        intent["_return_url"] = params["return_url"]


def take_payment_method(ctx: Ctx, intent: Intent, params: dict[str, Any]) -> dict[str, Any]:
    """The PaymentMethod to confirm with, checked and set on the intent."""
    method = payment_method_for(ctx, intent, params)
    if method is None:
        kind = kind_of(intent)
        raise invalid_request(
            f"You cannot confirm this {kind.label} because it's missing a payment method. "
            f"{kind.how_to_add_method}",
            code=unexpected_state_code(intent),
            param="payment_method",
        )
    check_method_usable(ctx, intent, method)
    intent["payment_method"] = method["id"]
    return method


def require_action(ctx: Ctx, intent: Intent, next_action: dict[str, Any]) -> None:
    intent.update({"status": "requires_action", "next_action": next_action})
    ctx.emit(f"{intent['object']}.requires_action", intent)


def ask_for_authentication(ctx: Ctx, intent: Intent) -> None:
    """Send the buyer to the sandbox's 3-D Secure page."""
    require_action(
        ctx,
        intent,
        {
            "type": "redirect_to_url",
            "redirect_to_url": {
                "return_url": intent["_return_url"],
                "url": ctx.url(f"/_sandbox/3ds/{intent['id']}"),
            },
        },
    )


def awaits_microdeposits(method: dict[str, Any]) -> bool:
    """A typed US bank account is used only once micro-deposits verify it."""
    return method["type"] == "us_bank_account" and not method["_verified"]


def ask_for_microdeposits(ctx: Ctx, intent: Intent) -> None:
    require_action(
        ctx,
        intent,
        {
            "type": "verify_with_microdeposits",
            "verify_with_microdeposits": {
                "arrival_date": now() + 2 * 86_400,
                "hosted_verification_url": ctx.url(f"/_sandbox/microdeposits/{intent['id']}"),
                "microdeposit_type": ctx.account.get("_microdeposit_type", MICRODEPOSIT_TYPES[0]),
            },
        },
    )


# -- failing -------------------------------------------------------------------------------
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


def record_failure(ctx: Ctx, intent: Intent, record: dict[str, Any]) -> None:
    """Back to ``requires_payment_method`` with ``record`` as the last error."""
    kind = kind_of(intent)
    intent.update(
        {"status": "requires_payment_method", kind.error_field: record, "next_action": None}
    )
    ctx.emit(kind.failure_event, intent)


def record_decline(
    ctx: Ctx,
    intent: Intent,
    method: dict[str, Any],
    error: StripeError,
    charge_id: str | None = None,
) -> StripeError:
    """Record a declined card on the intent; the error to raise, carrying the charge, the
    intent and the method as Stripe's does."""
    record_failure(ctx, intent, failure_record(error, method, charge_id))
    if charge_id:
        error.extra["charge"] = charge_id
    error.extra.update(
        {intent["object"]: ctx.render(intent, []), "payment_method": ctx.render(method, [])}
    )
    return error


def fail_authentication(ctx: Ctx, intent: Intent, method: dict[str, Any], message: str) -> None:
    """The buyer failed the 3-D Secure page."""
    error = invalid_request(message, code=f"{intent['object']}_authentication_failure")
    record_failure(ctx, intent, failure_record(error, method))


# -- micro-deposits ------------------------------------------------------------------------
def check_microdeposits(ctx: Ctx, intent: Intent, method: dict[str, Any]) -> bool:
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
    sent = microdeposit_type(intent)
    if amounts:  # a code's one deposit has no two amounts to match, and the other way round
        return sent == "amounts" and sorted(amounts) == sorted(MICRODEPOSIT_AMOUNTS)
    return sent == "descriptor_code" and code == MICRODEPOSIT_DESCRIPTOR_CODE


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


def awaits_microdeposit_verification(intent: Intent) -> bool:
    return (intent.get("next_action") or {}).get("type") == "verify_with_microdeposits"


def microdeposit_type(intent: Intent) -> str:
    """What the intent's bank account was sent: ``descriptor_code`` or ``amounts``."""
    waiting = (intent.get("next_action") or {}).get("verify_with_microdeposits") or {}
    return str(waiting.get("microdeposit_type") or MICRODEPOSIT_TYPES[0])


def verify_microdeposits(ctx: Ctx, intent: Intent) -> dict[str, Any]:
    """``verify_microdeposits``: the PaymentMethod, verified, when the request's amounts or
    code match; otherwise the error (which fails the intent once attempts run out)."""
    if intent["status"] != "requires_action" or not awaits_microdeposit_verification(intent):
        raise invalid_request(
            f"This {kind_of(intent).label} ({intent['id']}) is not awaiting micro-deposit "
            f"verification; its status is {intent['status']}.",
            code=unexpected_state_code(intent),
        )
    method = ctx.get("payment_method", intent["payment_method"])
    if not check_microdeposits(ctx, intent, method):
        error = microdeposit_mismatch(ctx, method)
        if error.code == "payment_method_microdeposit_verification_attempts_exceeded":
            record_failure(ctx, intent, failure_record(error, method))
        raise error
    method["_verified"] = True
    return method
