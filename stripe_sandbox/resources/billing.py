"""Products, prices, subscriptions and their invoices: data seeded into an account (so Kassa
can import a merchant's Stripe catalogue and subscriptions), with each customer's saved method
(through a SetupIntent, so a bank debit carries its mandate), plus the two writes an import
makes: ``cancel_at_period_end`` and cancellation."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint, metadata_update
from ..errors import invalid_request
from ..params import BOOL, MAP, STR, Enum
from ..rules import BANK_DEBIT_TYPES
from ..state import new_id, now, public_view
from .customers import new_customer
from .payment_intents import create_payment_intent
from .refunds import create_refund
from .setup_intents import create_setup_intent

DAY = 86_400
_INTERVAL_SECONDS = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY, "year": 365 * DAY}
# How a seeded bank debit's mandate was accepted: online, in the Checkout that started it.
SEEDED_ACCEPTANCE = {
    "type": "online",
    "online": {"ip_address": "192.0.2.10", "user_agent": "Mozilla/5.0 (seeded mandate)"},
}
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
            "meter": new_id("mtr") if recurring.get("usage_type") == "metered" else None,
            "trial_period_days": recurring.get("trial_period_days"),
            "usage_type": recurring.get("usage_type", "licensed"),
        }
    # Stripe shows ``tiers`` only to a request that expands them: kept hidden, to bill by.
    tiers = data.get("tiers")
    amount = None if tiers else int(data["unit_amount"])
    price: dict[str, Any] = {
        "id": data.get("id") or new_id("price"),
        "object": "price",
        "active": data.get("active", True),
        "billing_scheme": "tiered" if tiers else "per_unit",
        "created": data.get("created") or now(),
        "currency": data["currency"].lower(),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": data.get("lookup_key"),
        "metadata": dict(data.get("metadata") or {}),
        "nickname": data.get("nickname"),
        "product": data["product"],
        "recurring": recurring,
        "tax_behavior": data.get("tax_behavior", "unspecified"),
        "tiers_mode": data.get("tiers_mode", "graduated") if tiers else None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": amount,
        "unit_amount_decimal": None if amount is None else str(amount),
        "_tiers": tiers or [],
    }
    return price


def _line_amount(price: dict[str, Any], quantity: int) -> int:
    """What Stripe bills for ``quantity`` of a price: per unit, or by its tiers (``volume``:
    every unit at the tier the quantity falls in; ``graduated``: each tier's units at its own)."""
    if not price["_tiers"]:
        return int(price["unit_amount"]) * quantity
    total, below = 0, 0
    for tier in price["_tiers"]:
        up_to = quantity if tier.get("up_to") in (None, "inf") else int(tier["up_to"])
        in_tier = max(0, min(quantity, up_to) - below)
        tier_amount = int(tier.get("unit_amount") or 0)
        flat = int(tier.get("flat_amount") or 0)
        if price["tiers_mode"] == "volume":
            if quantity <= up_to:
                return tier_amount * quantity + flat
        elif in_tier:
            total += tier_amount * in_tier + flat
        below = max(below, up_to)
    return total


def _as_plan(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price["recurring"] or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": price["tiers_mode"],
        "transform_usage": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def _discount(ctx: Ctx, given: dict[str, Any], customer: str, subscription_id: str) -> str:
    """A coupon applied to a subscription (its ``discounts`` hold the ids): ``forever``, or
    ``once`` / ``repeating`` (``duration_in_months``), which end."""
    coupon_data = given.get("coupon") or {}
    duration = coupon_data.get("duration", "forever")
    months = coupon_data.get("duration_in_months")
    start = int(given.get("start") or now())
    coupon = ctx.add(
        {
            "id": coupon_data.get("id") or new_id("coupon"),
            "object": "coupon",
            "amount_off": coupon_data.get("amount_off"),
            "created": start,
            "currency": coupon_data.get("currency"),
            "duration": duration,
            "duration_in_months": months,
            "livemode": False,
            "max_redemptions": None,
            "metadata": {},
            "name": coupon_data.get("name"),
            "percent_off": coupon_data.get("percent_off"),
            "redeem_by": None,
            "times_redeemed": 1,
            "valid": True,
        }
    )
    months_on = {"forever": 0, "once": 1}.get(duration, int(months or 1))
    end = start + 30 * DAY * months_on if months_on else None
    discount = ctx.add(
        {
            "id": new_id("di"),
            "object": "discount",
            "checkout_session": None,
            "customer": customer,
            "customer_account": None,
            "end": end,
            "invoice": None,
            "invoice_item": None,
            "promotion_code": None,
            "source": {"coupon": coupon["id"], "type": "coupon"},
            "start": start,
            "subscription": subscription_id,
            "subscription_item": None,
        }
    )
    return str(discount["id"])


def _pause_collection(given: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stripe's paused collection: active, but its invoices are not charged."""
    if not given:
        return None
    return {"behavior": given.get("behavior", "void"), "resumes_at": given.get("resumes_at")}


def _tax_rate(given: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": given.get("id") or new_id("txr"),
        "object": "tax_rate",
        "active": True,
        "country": given.get("country"),
        "created": now(),
        "description": given.get("description"),
        "display_name": given.get("display_name", "VAT"),
        "effective_percentage": given.get("percentage"),
        "flat_amount": None,
        "inclusive": bool(given.get("inclusive", False)),
        "jurisdiction": given.get("jurisdiction"),
        "jurisdiction_level": None,
        "livemode": False,
        "metadata": {},
        "percentage": given.get("percentage"),
        "rate_type": "percentage",
        "state": None,
        "tax_type": given.get("tax_type", "vat"),
    }


def _invoice(ctx: Ctx, subscription: dict[str, Any], billed: bool) -> dict[str, Any]:
    """The subscription's latest invoice, paid; for 0 when nothing was billed yet (a trial, or
    a first charge put off to a later billing date), as Stripe's $0 invoice is."""
    items = subscription["items"]["data"]
    invoice_id = new_id("in")
    period_start = items[0]["current_period_start"]
    moment = subscription["created"]
    amounts = [
        _line_amount(ctx.get("price", item["price"]["id"]), item["quantity"]) if billed else 0
        for item in items
    ]
    amount = sum(amounts)
    lines = [
        {
            "id": new_id("il"),
            "object": "line_item",
            "amount": line_amount,
            "currency": subscription["currency"],
            "description": None,
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "invoice": invoice_id,
            "livemode": False,
            "metadata": {},
            "parent": {
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription["id"],
                    "subscription_item": item["id"],
                },
                "type": "subscription_item_details",
            },
            "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
            "pretax_credit_amounts": [],
            "pricing": {
                "price_details": {
                    "price": item["price"]["id"],
                    "product": item["price"]["product"],
                },
                "type": "price_details",
                "unit_amount_decimal": item["price"]["unit_amount_decimal"],
            },
            "quantity": item["quantity"],
            "quantity_decimal": str(item["quantity"]),
            "subscription": subscription["id"],
            "subtotal": line_amount,
            "taxes": [],
        }
        for item, line_amount in zip(items, amounts, strict=True)
    ]
    return {
        "id": invoice_id,
        "object": "invoice",
        "account_country": None,
        "account_name": None,
        "account_tax_ids": None,
        "amount_due": amount,
        "amount_overpaid": 0,
        "amount_paid": amount,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 1 if amount else 0,
        "attempted": bool(amount),
        "auto_advance": False,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": subscription["automatic_tax"]["enabled"],
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": "subscription_create",
        "collection_method": subscription["collection_method"],
        "created": moment,
        "currency": subscription["currency"],
        "custom_fields": None,
        "customer": subscription["customer"],
        "customer_account": None,
        "customer_address": None,
        "customer_email": None,
        "customer_name": None,
        "customer_phone": None,
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "due_date": None,
        "effective_at": moment,
        "ending_balance": 0,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": {
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": subscription["id"]},
            "type": "subscription_details",
        },
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": period_start,
        "period_start": period_start,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "paid",
        "status_transitions": {
            "finalized_at": moment,
            "marked_uncollectible_at": None,
            "paid_at": moment,
            "voided_at": None,
        },
        "subscription": subscription["id"],
        "subtotal": amount,
        "subtotal_excluding_tax": amount,
        "test_clock": None,
        "total": amount,
        "total_discount_amounts": [],
        "total_excluding_tax": amount,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": moment,
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
                "discounts": [
                    _discount(ctx, given, data["customer"], subscription_id)
                    for given in item.get("discounts") or []
                ],
                "metadata": dict(item.get("metadata") or {}),
                "plan": _as_plan(price),
                "price": public_view(price),
                "quantity": int(item.get("quantity", 1)),
                "subscription": subscription_id,
                "tax_rates": [_tax_rate(given) for given in item.get("tax_rates") or []],
            }
        )
    if not items:
        raise invalid_request("A seeded subscription needs at least one item.", param="items")
    status = data.get("status", "active")
    automatic_tax = bool(data.get("automatic_tax", False))
    subscription = {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": automatic_tax,
            "liability": {"type": "self"} if automatic_tax else None,
        },
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
        "discounts": [
            _discount(ctx, given, data["customer"], subscription_id)
            for given in data.get("discounts") or []
        ],
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
        "pause_collection": _pause_collection(data.get("pause_collection")),
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
    billed = bool(data.get("first_billed", status != "trialing"))
    charges = list(data.get("past_charges") or [])
    if charges and not billed:
        raise invalid_request("past_charges need a billed subscription.", param="past_charges")
    invoice = _paid_invoices(ctx, subscription, charges) if charges else None
    invoice = invoice or ctx.add(_invoice(ctx, subscription, billed))
    subscription["latest_invoice"] = invoice["id"]
    return subscription


def _paid_invoices(
    ctx: Ctx, subscription: dict[str, Any], charges: list[dict[str, Any]]
) -> dict[str, Any]:
    """One paid invoice per entry of ``past_charges`` (oldest first; the last is the current
    period's, the latest invoice), each paid by a PaymentIntent charged to the customer's
    default card, with ``refund`` (minor units) refunded of it. The newest invoice."""
    customer = ctx.get("customer", subscription["customer"], "customer")
    method_id = customer["invoice_settings"]["default_payment_method"]
    method = ctx.get("payment_method", method_id or "", "past_charges") if method_id else None
    if method is None or method["type"] != "card":
        raise invalid_request(
            "past_charges need a customer whose default payment method is a card.",
            param="past_charges",
        )
    item = subscription["items"]["data"][0]
    length = item["current_period_end"] - item["current_period_start"]
    newest: dict[str, Any] = {}
    for back, given in zip(range(len(charges) - 1, -1, -1), charges, strict=True):
        invoice = _invoice(ctx, subscription, True)
        start = item["current_period_start"] - back * length
        invoice.update(created=start, effective_at=start, period_start=start, period_end=start)
        invoice["status_transitions"].update(finalized_at=start, paid_at=start)
        intent = _charge_invoice(ctx, invoice, method_id, int(given.get("refund") or 0))
        invoice["_payments"] = [_invoice_payment(invoice, intent)]
        newest = ctx.add(invoice)
    return newest


def _charge_invoice(ctx: Ctx, invoice: dict[str, Any], method_id: str, refund: int) -> str:
    """The PaymentIntent that paid ``invoice`` (dated with it), with ``refund`` refunded."""
    ctx.params = {
        "amount": invoice["amount_paid"],
        "currency": invoice["currency"],
        "customer": invoice["customer"],
        "payment_method": method_id,
        "payment_method_types": ["card"],
        "confirm": True,
        "off_session": True,
    }
    intent_id = create_payment_intent(ctx)["id"]
    ctx.get("payment_intent", intent_id)["created"] = invoice["created"]
    if refund:
        ctx.params = {"payment_intent": intent_id, "amount": refund}
        create_refund(ctx)
    ctx.params = {}
    return intent_id


def _invoice_payment(invoice: dict[str, Any], intent_id: str) -> dict[str, Any]:
    """Stripe's ``invoice_payment``: the PaymentIntent that paid an invoice."""
    return {
        "id": new_id("inpay"),
        "object": "invoice_payment",
        "amount_paid": invoice["amount_paid"],
        "amount_requested": invoice["amount_paid"],
        "created": invoice["created"],
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": intent_id},
        "status": "paid",
        "status_transitions": {"canceled_at": None, "paid_at": invoice["created"]},
    }


def _save_method(ctx: Ctx, given: dict[str, Any]) -> None:
    """A customer's method saved as Stripe Billing saves one: a confirmed SetupIntent (a bank
    debit's with its mandate), the customer's default when ``default`` is true."""
    method_type = given["type"]
    customer = ctx.get("customer", given["customer"], "customer")
    ctx.params = {
        "customer": customer["id"],
        "payment_method_types": [method_type],
        "payment_method_data": {
            "type": method_type,
            method_type: given[method_type],
            "billing_details": given.get("billing_details")
            or {"name": customer["name"], "email": customer["email"]},
        },
        "usage": "off_session",
        "confirm": True,
    }
    if method_type in BANK_DEBIT_TYPES:
        ctx.params["mandate_data"] = {"customer_acceptance": SEEDED_ACCEPTANCE}
    intent = create_setup_intent(ctx)
    ctx.params = {}
    if given.get("default"):
        customer["invoice_settings"]["default_payment_method"] = intent["payment_method"]


def seed(ctx: Ctx, data: dict[str, Any]) -> dict[str, int]:
    """Import customers, products, prices and subscriptions (ids kept when given)."""
    counts = {
        "customers": 0,
        "payment_methods": 0,
        "products": 0,
        "prices": 0,
        "subscriptions": 0,
    }
    for given in data.get("customers") or []:
        customer = new_customer(given.get("id"))
        for key in ("email", "name", "phone", "description"):
            customer[key] = given.get(key)
        customer["metadata"] = dict(given.get("metadata") or {})
        ctx.add(customer)
        counts["customers"] += 1
    for given in data.get("payment_methods") or []:
        _save_method(ctx, given)
        counts["payment_methods"] += 1
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


@endpoint(
    "POST",
    "/v1/subscriptions/<subscription_exposed_id>",
    {
        "cancel_at_period_end": BOOL,
        "metadata": MAP,
        "proration_behavior": Enum("always_invoice", "create_prorations", "none"),
    },
)
def update_subscription(ctx: Ctx, subscription_exposed_id: str) -> dict[str, Any]:
    """What an import changes: ``cancel_at_period_end`` (``cancel_at`` follows: the end of
    the current period, or none again), and metadata."""
    record = ctx.get("subscription", subscription_exposed_id)
    if record["status"] == "canceled":
        raise invalid_request(
            f"A canceled subscription can only update its cancellation_details and metadata. "
            f"({record['id']})"
        )
    before = ctx.render(record, [])
    if "cancel_at_period_end" in ctx.params:
        ending = bool(ctx.params["cancel_at_period_end"])
        record["cancel_at_period_end"] = ending
        period_end = record["items"]["data"][0]["current_period_end"]
        record["cancel_at"] = period_end if ending else None
        record["canceled_at"] = now() if ending else None
        record["cancellation_details"]["reason"] = "cancellation_requested" if ending else None
    if "metadata" in ctx.params:
        record["metadata"] = metadata_update(record["metadata"], ctx.params["metadata"])
    after = ctx.render(record, [])
    changed = {key: before[key] for key in before if before[key] != after[key]}
    if changed:
        ctx.emit("customer.subscription.updated", record, changed)
    return ctx.render(record)


# ``payments`` is includable: an invoice shows its payments only when asked for them.
PAYMENTS = "payments"


def _render_invoice(ctx: Ctx, invoice: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    """An invoice, with its ``payments`` list when ``expand`` names it."""
    rendered = ctx.render(invoice, [path for path in expand if path != PAYMENTS])
    if PAYMENTS in expand:
        payments = [public_view(payment) for payment in invoice.get("_payments") or []]
        rendered[PAYMENTS] = {
            "object": "list",
            "data": payments,
            "has_more": False,
            "url": f"/v1/invoices/{invoice['id']}/payments",
        }
    return rendered


@endpoint("GET", "/v1/invoices/<invoice>")
def retrieve_invoice(ctx: Ctx, invoice: str) -> dict[str, Any]:
    return _render_invoice(ctx, ctx.get("invoice", invoice), ctx.params.get("expand") or [])


@endpoint(
    "GET",
    "/v1/invoices",
    {
        "customer": STR,
        "subscription": STR,
        "status": Enum("draft", "open", "paid", "uncollectible", "void"),
        "collection_method": Enum("charge_automatically", "send_invoice"),
    },
    paginated=True,
    created_filter=True,
)
def list_invoices(ctx: Ctx) -> dict[str, Any]:
    """Invoices newest first, filtered as Stripe filters them; ``expand[]=data.payments``
    includes each one's payments (``data.``-prefixed like every list's expansions)."""
    params = ctx.params

    def matches(invoice: dict[str, Any]) -> bool:
        return all(
            params.get(key) in (None, invoice[key])
            for key in ("customer", "subscription", "status", "collection_method")
        )

    expand = list(params.get("expand") or [])
    params["expand"] = [path for path in expand if path != f"data.{PAYMENTS}"]
    listed = ctx.list_response(ctx.store.select(ctx.account_id, "invoice", matches), "/v1/invoices")
    if f"data.{PAYMENTS}" in expand:
        for rendered in listed["data"]:
            with_payments = _render_invoice(ctx, ctx.get("invoice", rendered["id"]), [PAYMENTS])
            rendered[PAYMENTS] = with_payments[PAYMENTS]
    return listed
