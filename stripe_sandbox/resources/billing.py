"""Products, prices and subscriptions: read-only data seeded into an account (so Kassa can
import a merchant's Stripe catalogue and subscriptions), plus subscription cancellation."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint, metadata_update
from ..errors import invalid_request
from ..params import BOOL, STR, Enum
from ..state import new_id, now
from .customers import new_customer

DAY = 86_400
_INTERVAL_SECONDS = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY, "year": 365 * DAY}
SUBSCRIPTION_STATUSES = (
    "active",
    "past_due",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "trialing",
    "paused",
)


def _product(data: dict[str, Any]) -> dict[str, Any]:
    created = data.get("created") or now()
    return {
        "id": data.get("id") or new_id("prod"),
        "object": "product",
        "active": data.get("active", True),
        "created": created,
        "default_price": data.get("default_price"),
        "description": data.get("description"),
        "images": data.get("images", []),
        "livemode": False,
        "marketing_features": [],
        "metadata": dict(data.get("metadata") or {}),
        "name": data["name"],
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": data.get("unit_label"),
        "updated": created,
        "url": None,
    }


def _price(data: dict[str, Any]) -> dict[str, Any]:
    recurring = data.get("recurring")
    if recurring:
        recurring = {
            "interval": recurring.get("interval", "month"),
            "interval_count": int(recurring.get("interval_count", 1)),
            "meter": None,
            "trial_period_days": recurring.get("trial_period_days"),
            "usage_type": "licensed",
        }
    amount = int(data["unit_amount"])
    return {
        "id": data.get("id") or new_id("price"),
        "object": "price",
        "active": data.get("active", True),
        "billing_scheme": "per_unit",
        "created": data.get("created") or now(),
        "currency": data["currency"].lower(),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": data.get("lookup_key"),
        "metadata": dict(data.get("metadata") or {}),
        "nickname": data.get("nickname"),
        "product": data["product"],
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": amount,
        "unit_amount_decimal": str(amount),
    }


def _as_plan(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price["recurring"] or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": "licensed",
    }


def _subscription(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    subscription_id = data.get("id") or new_id("sub")
    start = int(data.get("start_date") or data.get("created") or now())
    period_start = int(data.get("current_period_start") or start)
    items: list[dict[str, Any]] = []
    currency = None
    for item in data.get("items") or []:
        price = ctx.get("price", item["price"], "price")
        currency = currency or price["currency"]
        interval = (price["recurring"] or {}).get("interval", "month")
        count = (price["recurring"] or {}).get("interval_count", 1)
        period_end = int(
            data.get("current_period_end") or period_start + _INTERVAL_SECONDS[interval] * count
        )
        items.append(
            {
                "id": new_id("si"),
                "object": "subscription_item",
                "billing_thresholds": None,
                "created": start,
                "current_period_end": period_end,
                "current_period_start": period_start,
                "discounts": [],
                "metadata": dict(item.get("metadata") or {}),
                "plan": _as_plan(price),
                "price": dict(price),
                "quantity": int(item.get("quantity", 1)),
                "subscription": subscription_id,
                "tax_rates": [],
            }
        )
    if not items:
        raise invalid_request("A seeded subscription needs at least one item.", param="items")
    status = data.get("status", "active")
    return {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": period_start,
        "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic"},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": data.get("cancel_at"),
        "cancel_at_period_end": bool(data.get("cancel_at_period_end", False)),
        "canceled_at": data.get("canceled_at"),
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": data.get("collection_method", "charge_automatically"),
        "created": start,
        "currency": currency,
        "customer": data["customer"],
        "customer_account": None,
        "days_until_due": None,
        "default_payment_method": data.get("default_payment_method"),
        "default_source": None,
        "default_tax_rates": [],
        "description": data.get("description"),
        "discounts": [],
        "ended_at": data.get("ended_at"),
        "invoice_settings": {
            "account_tax_ids": None,
            "custom_fields": None,
            "description": None,
            "footer": None,
            "issuer": {"type": "self"},
        },
        "items": {
            "object": "list",
            "data": items,
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={subscription_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": dict(data.get("metadata") or {}),
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": start,
        "status": status,
        "test_clock": None,
        "transfer_data": None,
        "trial_end": data.get("trial_end"),
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": data.get("trial_start"),
    }


def seed(ctx: Ctx, data: dict[str, Any]) -> dict[str, int]:
    """Import customers, products, prices and subscriptions (ids kept when given)."""
    counts = {"customers": 0, "products": 0, "prices": 0, "subscriptions": 0}
    for given in data.get("customers") or []:
        customer = new_customer(given.get("id"))
        for key in ("email", "name", "phone", "description"):
            customer[key] = given.get(key)
        customer["metadata"] = dict(given.get("metadata") or {})
        ctx.add(customer)
        counts["customers"] += 1
    for given in data.get("products") or []:
        ctx.add(_product(given))
        counts["products"] += 1
    for given in data.get("prices") or []:
        ctx.get("product", given["product"], "product")
        price = ctx.add(_price(given))
        product = ctx.get("product", price["product"])
        product["default_price"] = product["default_price"] or price["id"]
        counts["prices"] += 1
    for given in data.get("subscriptions") or []:
        ctx.get("customer", given["customer"], "customer")
        ctx.add(_subscription(ctx, given))
        counts["subscriptions"] += 1
    return counts


@endpoint(
    "GET", "/v1/products", {"active": BOOL, "ids": [STR]}, paginated=True, created_filter=True
)
def list_products(ctx: Ctx) -> dict[str, Any]:
    active, ids = ctx.params.get("active"), ctx.params.get("ids")
    found = ctx.store.select(
        ctx.account_id,
        "product",
        lambda obj: active in (None, obj["active"]) and (not ids or obj["id"] in ids),
    )
    return ctx.list_response(found, "/v1/products")


@endpoint("GET", "/v1/products/<id>")
def retrieve_product(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.get("product", id))


@endpoint(
    "GET",
    "/v1/prices",
    {"active": BOOL, "product": STR, "currency": STR, "type": Enum("one_time", "recurring")},
    paginated=True,
    created_filter=True,
)
def list_prices(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params

    def matches(price: dict[str, Any]) -> bool:
        return (
            params.get("active") in (None, price["active"])
            and params.get("product") in (None, price["product"])
            and params.get("currency") in (None, price["currency"])
            and params.get("type") in (None, price["type"])
        )

    return ctx.list_response(ctx.store.select(ctx.account_id, "price", matches), "/v1/prices")


@endpoint("GET", "/v1/prices/<price>")
def retrieve_price(ctx: Ctx, price: str) -> dict[str, Any]:
    return ctx.render(ctx.get("price", price))


@endpoint(
    "GET",
    "/v1/subscriptions",
    {"customer": STR, "price": STR, "status": Enum(*SUBSCRIPTION_STATUSES, "all", "ended")},
    paginated=True,
)
def list_subscriptions(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    status = params.get("status")

    def matches(subscription: dict[str, Any]) -> bool:
        if params.get("customer") not in (None, subscription["customer"]):
            return False
        if params.get("price") and params["price"] not in {
            item["price"]["id"] for item in subscription["items"]["data"]
        }:
            return False
        if status is None:
            return subscription["status"] != "canceled"
        if status == "ended":
            return subscription["status"] in ("canceled", "incomplete_expired")
        return status == "all" or subscription["status"] == status

    found = ctx.store.select(ctx.account_id, "subscription", matches)
    return ctx.list_response(found, "/v1/subscriptions")


@endpoint("GET", "/v1/subscriptions/<subscription_exposed_id>")
def retrieve_subscription(ctx: Ctx, subscription_exposed_id: str) -> dict[str, Any]:
    return ctx.render(ctx.get("subscription", subscription_exposed_id))


@endpoint(
    "DELETE",
    "/v1/subscriptions/<subscription_exposed_id>",
    {
        "cancellation_details": {"comment": STR, "feedback": STR},
        "invoice_now": BOOL,
        "prorate": BOOL,
    },
)
def cancel_subscription(ctx: Ctx, subscription_exposed_id: str) -> dict[str, Any]:
    record = ctx.get("subscription", subscription_exposed_id)
    if record["status"] == "canceled":
        raise invalid_request(
            f"A canceled subscription can only update its "
            f"cancellation_details and metadata. ({record['id']})",
            code="resource_missing",
        )
    previous = {"status": record["status"], "canceled_at": None, "ended_at": None}
    moment = now()
    details = ctx.params.get("cancellation_details") or {}
    record.update(
        {
            "status": "canceled",
            "canceled_at": moment,
            "ended_at": moment,
            "cancellation_details": {
                "comment": details.get("comment"),
                "feedback": details.get("feedback"),
                "reason": "cancellation_requested",
            },
        }
    )
    record["metadata"] = metadata_update(record["metadata"], None)
    ctx.emit("customer.subscription.deleted", record, previous)
    return ctx.render(record)
