"""Disputes: opened by the test numbers that dispute (``charges.open_dispute``), read through the
API, and closed won or lost by the sandbox's control endpoints (``close_dispute``), as a card
network or bank decides them at Stripe."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint
from ..errors import invalid_request
from ..params import STR
from .balance_transactions import create_balance_transaction

OPEN = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")
OUTCOMES = ("won", "lost")


def withdraw_funds(ctx: Ctx, dispute: dict[str, Any], method_type: str) -> None:
    """The disputed amount leaves the balance (``charge.dispute.funds_withdrawn``)."""
    transaction = create_balance_transaction(
        ctx,
        amount=-dispute["amount"],
        currency=dispute["currency"],
        source=dispute["id"],
        kind="adjustment",
        method_type=method_type,
        description=f"Chargeback withdrawal for {dispute['charge']}",
        charge_fee=False,
    )
    dispute["balance_transactions"] = [*dispute["balance_transactions"], transaction]
    ctx.emit("charge.dispute.funds_withdrawn", dispute)


def close_dispute(ctx: Ctx, dispute: dict[str, Any], outcome: str) -> None:
    """The dispute is decided: ``won`` gives the amount back (``funds_reinstated``), ``lost``
    keeps it withdrawn; ``charge.dispute.closed`` either way."""
    if outcome not in OUTCOMES:
        raise invalid_request("outcome must be won or lost", param="outcome")
    if dispute["status"] not in OPEN:
        raise invalid_request(
            f"Dispute {dispute['id']} has a status of {dispute['status']}; it is closed."
        )
    previous = dispute["status"]
    dispute["status"] = outcome
    dispute["evidence_details"]["past_due"] = False
    if outcome == "won":
        method_type = dispute["payment_method_details"]["type"]
        transaction = create_balance_transaction(
            ctx,
            amount=dispute["amount"],
            currency=dispute["currency"],
            source=dispute["id"],
            kind="adjustment",
            method_type=method_type,
            description=f"Chargeback reversal for {dispute['charge']}",
            charge_fee=False,
        )
        dispute["balance_transactions"] = [*dispute["balance_transactions"], transaction]
        ctx.emit("charge.dispute.funds_reinstated", dispute)
    ctx.emit("charge.dispute.closed", dispute, {"status": previous})


@endpoint("GET", "/v1/disputes/<dispute>")
def retrieve_dispute(ctx: Ctx, dispute: str) -> dict[str, Any]:
    return ctx.render(ctx.get("dispute", dispute))


@endpoint(
    "GET",
    "/v1/disputes",
    {"charge": STR, "payment_intent": STR},
    paginated=True,
    created_filter=True,
)
def list_disputes(ctx: Ctx) -> dict[str, Any]:
    wanted = {key: ctx.params[key] for key in ("charge", "payment_intent") if ctx.params.get(key)}
    found = ctx.store.select(
        ctx.account_id,
        "dispute",
        lambda obj: all(obj[key] == value for key, value in wanted.items()),
    )
    return ctx.list_response(found, "/v1/disputes")
