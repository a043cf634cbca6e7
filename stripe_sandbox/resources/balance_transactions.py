"""Balance transactions: the money a charge or refund moves, with Stripe's fee and net, in the
account's settlement currency (see ``fees.exchange_rate``)."""

from __future__ import annotations

import time
from typing import Any

from ..api import RENDER_HOOKS, Ctx, endpoint
from ..fees import AVAILABILITY_DAYS, convert, exchange_rate, processing_fee
from ..params import STR
from ..state import new_id, now

DAY = 86_400


def _status_now(rendered: dict[str, Any]) -> None:
    rendered["status"] = "available" if time.time() >= rendered["available_on"] else "pending"


RENDER_HOOKS["balance_transaction"] = _status_now


def create_balance_transaction(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    source: str,
    kind: str,
    method_type: str,
    description: str | None,
    charge_fee: bool,
) -> dict[str, Any]:
    """The transaction for ``amount`` of ``currency`` (the charge's or refund's), converted to
    the account's default currency when it settles in another one; the fee is taken there."""
    rate = exchange_rate(currency, ctx.account["default_currency"])
    if rate is not None:
        amount = convert(amount, currency, ctx.account["default_currency"], rate)
        currency = ctx.account["default_currency"]
    fee = processing_fee(amount, currency, method_type, ctx.account["country"]) if charge_fee else 0
    created = now()
    transaction = {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + AVAILABILITY_DAYS.get(method_type, 2) * DAY,
        "balance_type": "payments",
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None if rate is None else float(rate),
        "fee": fee,
        "fee_details": [
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
        if fee
        else [],
        "net": amount - fee,
        "reporting_category": kind if kind != "payment" else "charge",
        "source": source,
        "status": "pending",
        "type": kind,
    }
    return ctx.add(transaction)


@endpoint("GET", "/v1/balance_transactions/<id>")
def retrieve_balance_transaction(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.get("balance_transaction", id))


@endpoint(
    "GET",
    "/v1/balance_transactions",
    {"source": STR, "type": STR, "currency": STR},
    paginated=True,
    created_filter=True,
)
def list_balance_transactions(ctx: Ctx) -> dict[str, Any]:
    wanted = {key: ctx.params[key] for key in ("source", "type", "currency") if ctx.params.get(key)}
    found = ctx.store.select(
        ctx.account_id,
        "balance_transaction",
        lambda obj: all(obj[key] == value for key, value in wanted.items()),
    )
    return ctx.list_response(found, "/v1/balance_transactions")
