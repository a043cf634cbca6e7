"""Charges: created by PaymentIntents, read (retrieve, list) through the API."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint
from ..params import STR
from ..state import new_id, now
from .balance_transactions import create_balance_transaction
from .disputes import withdraw_funds

_APPROVED = {
    "advice_code": None,
    "network_advice_code": None,
    "network_decline_code": None,
    "network_status": "approved_by_network",
    "reason": None,
    "risk_level": "normal",
    "risk_score": 20,
    "seller_message": "Payment complete.",
    "type": "authorized",
}


def _declined_outcome(reason: str | None) -> dict[str, Any]:
    return {
        **_APPROVED,
        "network_status": "declined_by_network",
        "reason": reason,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def method_details(
    method: dict[str, Any], amount: int, mandate_id: str | None, authenticated: bool
) -> dict[str, Any]:
    """``payment_method_details`` of a charge made with ``method``."""
    method_type = method["type"]
    source = method[method_type]
    if method_type == "card":
        details: dict[str, Any] = {
            "amount_authorized": amount,
            "authorization_code": "123456",
            "brand": source["brand"],
            "checks": dict(source["checks"]),
            "country": source["country"],
            "exp_month": source["exp_month"],
            "exp_year": source["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": source["fingerprint"],
            "funding": source["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": source["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": source["brand"],
            "network_token": {"used": False},
            "network_transaction_id": "1234567890123456",
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "regulated_status": "unregulated",
            "three_d_secure": {
                "authentication_flow": "challenge",
                "electronic_commerce_indicator": "05",
                "exemption_indicator": None,
                "result": "authenticated",
                "result_reason": None,
                "transaction_id": new_id("3ds"),
                "version": "2.2.0",
            }
            if authenticated
            else None,
            "wallet": None,
        }
    elif method_type == "sepa_debit":
        details = {
            key: source[key]
            for key in ("bank_code", "branch_code", "country", "fingerprint", "last4")
        }
        details["mandate"] = mandate_id
    elif method_type == "us_bank_account":
        details = {
            key: source[key]
            for key in (
                "account_holder_type",
                "account_type",
                "bank_name",
                "fingerprint",
                "last4",
                "routing_number",
            )
        }
        details.update({"mandate": mandate_id, "payment_reference": None})
    else:
        details = {key: source[key] for key in ("fingerprint", "last4", "sort_code")}
        details["mandate"] = mandate_id
    return {"type": method_type, method_type: details}


def create_charge(
    ctx: Ctx,
    intent: dict[str, Any],
    method: dict[str, Any],
    *,
    status: str,
    authenticated: bool = False,
    failure: tuple[str, str, str | None] | None = None,
) -> dict[str, Any]:
    """A charge for ``intent``: ``status`` succeeded, pending or failed (``failure`` is
    ``(failure_code, failure_message, decline_code)``)."""
    charge_id = new_id("ch" if method["type"] == "card" else "py")
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if status == "succeeded" else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": dict(method["billing_details"]),
        "calculated_statement_descriptor": (
            intent.get("statement_descriptor")
            or ctx.account["settings"]["payments"]["statement_descriptor"]
        ),
        "captured": status == "succeeded",
        "created": now(),
        "currency": intent["currency"],
        "customer": intent.get("customer"),
        "description": intent.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[1] if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent.get("metadata") or {}),
        "on_behalf_of": None,
        "outcome": _declined_outcome(failure[2] or failure[0]) if failure else dict(_APPROVED),
        "paid": status == "succeeded",
        "payment_intent": intent["id"],
        "payment_method": method["id"],
        "payment_method_details": method_details(
            method, intent["amount"], method["_mandate"], authenticated
        ),
        "radar_options": {},
        "receipt_email": intent.get("receipt_email"),
        "receipt_number": None,
        "receipt_url": ctx.url(f"/_sandbox/receipts/{charge_id}"),
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/charges/{charge_id}/refunds",
        },
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": intent.get("statement_descriptor"),
        "statement_descriptor_suffix": intent.get("statement_descriptor_suffix"),
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }
    ctx.add(charge)
    if status == "succeeded":
        _book(ctx, charge, method["type"])
    return charge


def _book(ctx: Ctx, charge: dict[str, Any], method_type: str) -> None:
    transaction = create_balance_transaction(
        ctx,
        amount=charge["amount"],
        currency=charge["currency"],
        source=charge["id"],
        kind="charge" if method_type == "card" else "payment",
        method_type=method_type,
        description=charge["description"],
        charge_fee=True,
    )
    charge["balance_transaction"] = transaction["id"]


def settle_charge(ctx: Ctx, charge: dict[str, Any], method_type: str) -> None:
    """A pending (bank debit) charge succeeds: it is paid, captured and booked."""
    charge.update(
        {"status": "succeeded", "paid": True, "captured": True, "amount_captured": charge["amount"]}
    )
    _book(ctx, charge, method_type)


def fail_charge(ctx: Ctx, charge: dict[str, Any], code: str, message: str) -> None:
    charge.update(
        {
            "status": "failed",
            "failure_code": code,
            "failure_message": message,
            "outcome": _declined_outcome(code),
        }
    )


def open_dispute(ctx: Ctx, charge: dict[str, Any]) -> dict[str, Any]:
    method_type = charge["payment_method_details"]["type"]
    dispute = {
        "id": new_id("dp" if method_type == "card" else "du"),
        "object": "dispute",
        "amount": charge["amount"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": dict.fromkeys(
            (
                "access_activity_log",
                "billing_address",
                "cancellation_policy",
                "cancellation_policy_disclosure",
                "cancellation_rebuttal",
                "customer_communication",
                "customer_email_address",
                "customer_name",
                "customer_purchase_ip",
                "customer_signature",
                "duplicate_charge_documentation",
                "duplicate_charge_explanation",
                "duplicate_charge_id",
                "product_description",
                "receipt",
                "refund_policy",
                "refund_policy_disclosure",
                "refund_refusal_explanation",
                "service_date",
                "service_documentation",
                "shipping_address",
                "shipping_carrier",
                "shipping_date",
                "shipping_documentation",
                "shipping_tracking_number",
                "uncategorized_file",
                "uncategorized_text",
            )
        )
        | {"enhanced_evidence": {}},
        "evidence_details": {
            "due_by": now() + 21 * 86_400,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "enhanced_eligibility": {},
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {"type": method_type, method_type: {}},
        # Stripe's test card is disputed as fraudulent; a bank debit's payer says they did not
        # authorise it, and has no dispute process: it is lost at once.
        "reason": "fraudulent" if method_type == "card" else "debit_not_authorized",
        "status": "lost" if method_type != "card" else "needs_response",
    }
    ctx.add(dispute)
    charge["disputed"] = True
    ctx.emit("charge.dispute.created", dispute)
    ctx.emit("charge.updated", charge, {"disputed": False})
    withdraw_funds(ctx, dispute, method_type)
    return dispute


@endpoint("GET", "/v1/charges/<charge>")
def retrieve_charge(ctx: Ctx, charge: str) -> dict[str, Any]:
    return ctx.render(ctx.get("charge", charge))


@endpoint(
    "GET",
    "/v1/charges",
    {"customer": STR, "payment_intent": STR},
    paginated=True,
    created_filter=True,
)
def list_charges(ctx: Ctx) -> dict[str, Any]:
    wanted = {key: ctx.params[key] for key in ("customer", "payment_intent") if ctx.params.get(key)}
    found = ctx.store.select(
        ctx.account_id,
        "charge",
        lambda obj: all(obj[key] == value for key, value in wanted.items()),
    )
    return ctx.list_response(found, "/v1/charges")
