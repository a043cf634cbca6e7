"""Customers: create, retrieve, update, delete, list, and their payment methods."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint, metadata_update
from ..errors import invalid_request
from ..params import ADDRESS, MAP, STR, Enum
from ..state import new_id, now, random_token
from .payment_methods import attach_payment_method, resolve_payment_method

SHIPPING = {"address": ADDRESS, "name": STR, "phone": STR}
INVOICE_SETTINGS = {"default_payment_method": STR, "footer": STR}
CUSTOMER_PARAMS: dict[str, Any] = {
    "address": ADDRESS,
    "description": STR,
    "email": STR,
    "metadata": MAP,
    "name": STR,
    "phone": STR,
    "preferred_locales": [STR],
    "shipping": SHIPPING,
    "invoice_settings": INVOICE_SETTINGS,
    "tax_exempt": Enum("none", "exempt", "reverse"),
}
_EMPTY_ADDRESS = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


def _address(given: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if given is None else {**_EMPTY_ADDRESS, **given}


def _apply(ctx: Ctx, customer: dict[str, Any], params: dict[str, Any]) -> None:
    for simple in ("description", "email", "name", "phone", "tax_exempt"):
        if simple in params:
            customer[simple] = params[simple] or None
    if "address" in params:
        customer["address"] = _address(params["address"])
    if "shipping" in params:
        shipping = params["shipping"]
        customer["shipping"] = (
            None
            if shipping is None
            else {
                "address": _address(shipping.get("address")),
                "name": shipping.get("name"),
                "phone": shipping.get("phone"),
            }
        )
    if "preferred_locales" in params:
        customer["preferred_locales"] = params["preferred_locales"] or []
    if "metadata" in params:
        customer["metadata"] = metadata_update(customer["metadata"], params["metadata"])
    settings = params.get("invoice_settings") or {}
    if "default_payment_method" in settings:
        pm_id = settings["default_payment_method"]
        if pm_id:
            method = ctx.get("payment_method", pm_id, "invoice_settings[default_payment_method]")
            if method["customer"] != customer["id"]:
                raise invalid_request(
                    f"The customer does not have a payment method with the ID {pm_id}. The "
                    "payment method must be attached to the customer.",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"]["default_payment_method"] = pm_id or None
    if "footer" in settings:
        customer["invoice_settings"]["footer"] = settings["footer"] or None


def new_customer(customer_id: str | None = None) -> dict[str, Any]:
    return {
        "id": customer_id or new_id("cus"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": random_token(8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


@endpoint("POST", "/v1/customers", {**CUSTOMER_PARAMS, "payment_method": STR})
def create_customer(ctx: Ctx) -> dict[str, Any]:
    customer = ctx.add(new_customer())
    if ctx.params.get("payment_method"):
        method = resolve_payment_method(ctx, ctx.params["payment_method"], "payment_method")
        attach_payment_method(ctx, method, customer)
    _apply(ctx, customer, ctx.params)
    ctx.emit("customer.created", customer)
    return ctx.render(customer)


@endpoint("GET", "/v1/customers/<customer>")
def retrieve_customer(ctx: Ctx, customer: str) -> dict[str, Any]:
    return ctx.render(ctx.get("customer", customer))


@endpoint("POST", "/v1/customers/<customer>", CUSTOMER_PARAMS)
def update_customer(ctx: Ctx, customer: str) -> dict[str, Any]:
    record = ctx.get("customer", customer)
    before = ctx.render(record, [])
    _apply(ctx, record, ctx.params)
    after = ctx.render(record, [])
    changed = {key: before[key] for key in before if before[key] != after[key]}
    if changed:
        ctx.emit("customer.updated", record, changed)
    return ctx.render(record)


@endpoint("DELETE", "/v1/customers/<customer>")
def delete_customer(ctx: Ctx, customer: str) -> dict[str, Any]:
    record = ctx.get("customer", customer)
    ctx.emit("customer.deleted", record)
    ctx.store.remove(ctx.account_id, record)
    return {"id": record["id"], "object": "customer", "deleted": True}


@endpoint("GET", "/v1/customers", {"email": STR}, paginated=True, created_filter=True)
def list_customers(ctx: Ctx) -> dict[str, Any]:
    email = ctx.params.get("email")
    found = ctx.store.select(
        ctx.account_id, "customer", lambda obj: email is None or obj["email"] == email
    )
    return ctx.list_response(found, "/v1/customers")


@endpoint("GET", "/v1/customers/<customer>/payment_methods", {"type": STR}, paginated=True)
def list_customer_payment_methods(ctx: Ctx, customer: str) -> dict[str, Any]:
    ctx.get("customer", customer)
    wanted = ctx.params.get("type")
    found = ctx.store.select(
        ctx.account_id,
        "payment_method",
        lambda obj: obj["customer"] == customer and wanted in (None, obj["type"]),
    )
    return ctx.list_response(found, f"/v1/customers/{customer}/payment_methods")
