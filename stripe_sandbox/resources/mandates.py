"""Mandates: the customer's authorisation to debit a bank account."""

from __future__ import annotations

from typing import Any

from flask import request

from ..api import Ctx, endpoint
from ..errors import parameter_missing
from ..params import BOOL, INT, STR, Enum
from ..state import new_id, now, random_token

MANDATE_DATA = {
    "customer_acceptance": {
        "type": Enum("online", "offline"),
        "accepted_at": INT,
        "online": {"ip_address": STR, "user_agent": STR, "infer_from_client": BOOL},
        "offline": {},
    }
}


def customer_acceptance(
    ctx: Ctx, mandate_data: dict[str, Any] | None, param: str = "mandate_data"
) -> dict[str, Any]:
    acceptance = (mandate_data or {}).get("customer_acceptance")
    if not acceptance or not acceptance.get("type"):
        raise parameter_missing(f"{param}[customer_acceptance][type]")
    online = acceptance.get("online") or {}
    result: dict[str, Any] = {
        "accepted_at": acceptance.get("accepted_at") or now(),
        "type": acceptance["type"],
    }
    if acceptance["type"] == "online":
        if online.get("infer_from_client") and ctx.publishable:
            # the browser's own address and agent, as Stripe.js asks
            online = {
                "ip_address": request.remote_addr,
                "user_agent": request.headers.get("User-Agent"),
            }
        for required in ("ip_address", "user_agent"):
            if not online.get(required):
                raise parameter_missing(f"{param}[customer_acceptance][online][{required}]")
        result["online"] = {"ip_address": online["ip_address"], "user_agent": online["user_agent"]}
    else:
        result["offline"] = {}
    return result


def create_mandate(
    ctx: Ctx,
    method: dict[str, Any],
    acceptance: dict[str, Any],
    *,
    multi_use: bool,
    amount: int | None = None,
    currency: str | None = None,
    status: str = "active",
) -> dict[str, Any]:
    method_type = method["type"]
    reference = random_token(16).upper()
    details_by_type: dict[str, dict[str, Any]] = {
        "sepa_debit": {"reference": reference, "url": ctx.url(f"/_sandbox/mandates/{reference}")},
        "bacs_debit": {
            "network_status": "pending" if status == "pending" else "accepted",
            "reference": reference,
            "revocation_reason": None,
            "url": ctx.url(f"/_sandbox/mandates/{reference}"),
        },
        "us_bank_account": {"collection_method": None},
    }
    details = details_by_type[method_type]
    mandate = {
        "id": new_id("mandate"),
        "object": "mandate",
        "customer_acceptance": acceptance,
        "livemode": False,
        "multi_use": {} if multi_use else None,
        "single_use": None if multi_use else {"amount": amount, "currency": currency},
        "payment_method": method["id"],
        "payment_method_details": {"type": method_type, method_type: details},
        "status": status,
        "type": "multi_use" if multi_use else "single_use",
    }
    method["_mandate"] = mandate["id"]
    return ctx.add(mandate)


def set_mandate_status(
    ctx: Ctx, mandate: dict[str, Any], status: str, revocation_reason: str | None = None
) -> None:
    if mandate["status"] == status:
        return
    previous = {"status": mandate["status"]}
    mandate["status"] = status
    details = mandate["payment_method_details"]
    if details["type"] == "bacs_debit":
        details["bacs_debit"]["network_status"] = {"active": "accepted", "inactive": "revoked"}.get(
            status, "pending"
        )
        details["bacs_debit"]["revocation_reason"] = revocation_reason
    ctx.emit("mandate.updated", mandate, previous)


@endpoint("GET", "/v1/mandates/<mandate>")
def retrieve_mandate(ctx: Ctx, mandate: str) -> dict[str, Any]:
    return ctx.render(ctx.get("mandate", mandate))
