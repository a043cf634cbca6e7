"""Refunds: full, partial and several per charge. Card refunds succeed at once; bank debit
refunds are ``pending`` until the next settlement (timer or ``/_sandbox/advance``). Any refund
not yet failed can be made to fail later (``fail_refund``, the control endpoint
``/_sandbox/refunds/<id>/fail``), as a bank's refund can days after it was made."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, background_ctx, endpoint, metadata_update
from ..errors import invalid_request, parameter_missing
from ..params import INT, MAP, STR, Enum
from ..rules import format_amount
from ..sandbox import JOB_HANDLERS, Sandbox
from ..state import new_id, now, public_view
from .balance_transactions import create_balance_transaction

REFUND_PARAMS = {
    "charge": STR,
    "payment_intent": STR,
    "amount": INT,
    "metadata": MAP,
    "reason": Enum("duplicate", "fraudulent", "requested_by_customer"),
}
_DESTINATIONS = {
    "card": lambda: {
        "type": "card",
        "card": {
            "reference": None,
            "reference_status": "pending",
            "reference_type": "acquirer_reference_number",
            "type": "refund",
        },
    },
    "sepa_debit": lambda: {
        "type": "sepa_bank_transfer",
        "sepa_bank_transfer": {"reference": None, "reference_status": "pending"},
    },
    "us_bank_account": lambda: {
        "type": "us_bank_transfer",
        "us_bank_transfer": {"reference": None, "reference_status": "pending"},
    },
    "bacs_debit": lambda: {
        "type": "gb_bank_transfer",
        "gb_bank_transfer": {"reference": None, "reference_status": "pending"},
    },
}


def _charge_to_refund(ctx: Ctx) -> dict[str, Any]:
    if ctx.params.get("charge"):
        return ctx.get("charge", ctx.params["charge"], "charge")
    if ctx.params.get("payment_intent"):
        intent = ctx.get("payment_intent", ctx.params["payment_intent"], "payment_intent")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise invalid_request(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                code="charge_not_refundable",
                param="payment_intent",
            )
        return ctx.get("charge", intent["latest_charge"], "payment_intent")
    raise parameter_missing("charge")


def _check_refundable(charge: dict[str, Any], amount: int) -> None:
    if charge["disputed"]:
        raise invalid_request(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    if charge["status"] != "succeeded":
        raise invalid_request(
            f"Charge {charge['id']} has a status of {charge['status']}; only "
            "succeeded charges can be refunded.",
            code="charge_not_refundable",
        )
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid_request(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    if amount <= 0:
        raise invalid_request("Refund amount must be positive.", param="amount")
    if amount > remaining:
        currency = charge["currency"]
        raise invalid_request(
            f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({format_amount(remaining, currency)})",
            param="amount",
        )


def _sync_charge_refunds(ctx: Ctx, charge: dict[str, Any]) -> None:
    refunds = ctx.store.select(ctx.account_id, "refund", lambda obj: obj["charge"] == charge["id"])
    charge["refunds"]["data"] = [public_view(refund) for refund in refunds]
    charge["refunds"]["total_count"] = len(refunds)


@endpoint("POST", "/v1/refunds", REFUND_PARAMS)
def create_refund(ctx: Ctx) -> dict[str, Any]:
    charge = _charge_to_refund(ctx)
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = ctx.params.get("amount")
    amount = remaining if amount is None else amount
    _check_refundable(charge, amount)
    method_type = charge["payment_method_details"]["type"]
    refund_id = new_id("re" if method_type == "card" else "pyr")
    transaction = create_balance_transaction(
        ctx,
        amount=-amount,
        currency=charge["currency"],
        source=refund_id,
        kind="refund",
        method_type=method_type,
        description="REFUND FOR CHARGE",
        charge_fee=False,
    )
    refund = ctx.add(
        {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": transaction["id"],
            "charge": charge["id"],
            "created": now(),
            "currency": charge["currency"],
            "customer": charge["customer"],
            "customer_account": None,
            "destination_details": _DESTINATIONS[method_type](),
            "metadata": metadata_update({}, ctx.params.get("metadata")),
            "payment_intent": charge["payment_intent"],
            "payment_method": charge["payment_method"],
            "reason": ctx.params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded" if method_type == "card" else "pending",
            "transfer_reversal": None,
        }
    )
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    _sync_charge_refunds(ctx, charge)
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous)
    if refund["status"] == "pending":
        ctx.sandbox.schedule(
            ctx.account_id, "settle_refund", refund["id"], ctx.sandbox.settle_delay(False)
        )
    return ctx.render(refund)


def _settle_refund(sandbox: Sandbox, account_id: str, job: dict[str, Any]) -> None:
    ctx = background_ctx(sandbox, account_id)
    refund = sandbox.store.get(account_id, job["object"], "refund")
    if refund is None or refund["status"] != "pending":
        return
    refund["status"] = "succeeded"
    ctx.emit("refund.updated", refund, {"status": "pending"})
    charge = sandbox.store.get(account_id, refund["charge"], "charge")
    if charge is not None:
        _sync_charge_refunds(ctx, charge)


JOB_HANDLERS["settle_refund"] = _settle_refund

# Stripe's documented values of ``refund.failure_reason``.
FAILURE_REASONS = (
    "lost_or_stolen_card",
    "expired_or_canceled_card",
    "charge_for_pending_refund_disputed",
    "insufficient_funds",
    "declined",
    "merchant_request",
    "unknown",
)


def fail_refund(ctx: Ctx, refund: dict[str, Any], reason: str) -> None:
    """The refund failed (the buyer's bank sent it back): as at Stripe, it becomes ``failed``
    with a ``failure_reason`` and a ``failure_balance_transaction`` that puts the amount back in
    the balance, the charge's ``amount_refunded`` drops by it, and ``refund.updated``,
    ``charge.refund.updated`` and ``refund.failed`` are recorded."""
    if refund["status"] not in ("pending", "succeeded"):
        raise invalid_request(
            f"Refund {refund['id']} has a status of {refund['status']}; only pending or "
            "succeeded refunds can fail.",
        )
    if reason not in FAILURE_REASONS:
        raise invalid_request(
            f"Invalid failure_reason: must be one of {', '.join(FAILURE_REASONS)}",
            param="failure_reason",
        )
    charge = ctx.get("charge", refund["charge"], "charge")
    transaction = create_balance_transaction(
        ctx,
        amount=refund["amount"],
        currency=refund["currency"],
        source=refund["id"],
        kind="refund_failure",
        method_type=charge["payment_method_details"]["type"],
        description="REFUND FAILURE",
        charge_fee=False,
    )
    previous_status = refund["status"]
    refund["status"] = "failed"
    refund["failure_reason"] = reason
    refund["failure_balance_transaction"] = transaction["id"]
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    _sync_charge_refunds(ctx, charge)
    ctx.emit("refund.updated", refund, {"status": previous_status})
    ctx.emit("charge.refund.updated", refund, {"status": previous_status})
    ctx.emit("refund.failed", refund)


@endpoint("GET", "/v1/refunds/<refund>")
def retrieve_refund(ctx: Ctx, refund: str) -> dict[str, Any]:
    return ctx.render(ctx.get("refund", refund))


@endpoint("POST", "/v1/refunds/<refund>", {"metadata": MAP})
def update_refund(ctx: Ctx, refund: str) -> dict[str, Any]:
    record = ctx.get("refund", refund)
    if "metadata" in ctx.params:
        record["metadata"] = metadata_update(record["metadata"], ctx.params["metadata"])
    return ctx.render(record)


@endpoint(
    "GET",
    "/v1/refunds",
    {"charge": STR, "payment_intent": STR},
    paginated=True,
    created_filter=True,
)
def list_refunds(ctx: Ctx) -> dict[str, Any]:
    wanted = {key: ctx.params[key] for key in ("charge", "payment_intent") if ctx.params.get(key)}
    found = ctx.store.select(
        ctx.account_id,
        "refund",
        lambda obj: all(obj[key] == value for key, value in wanted.items()),
    )
    return ctx.list_response(found, "/v1/refunds")
