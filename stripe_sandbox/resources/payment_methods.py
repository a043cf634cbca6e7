"""PaymentMethods: card, sepa_debit, us_bank_account, bacs_debit.

Only what Stripe shows is kept: a card's brand, last4, expiry and a fingerprint, never the
number or CVC. What the test number will do when charged is kept privately as ``_outcome``.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from typing import Any

from ..api import Ctx, endpoint, metadata_update
from ..errors import StripeError, card_error, invalid_request, parameter_missing, resource_missing
from ..params import BILLING_DETAILS, INT, MAP, STR, Enum
from ..state import new_id, now
from ..testdata import (
    ACH_TEST_ROUTING_NUMBER,
    BACS_TEST_SORT_CODE,
    TEST_ACH_ACCOUNTS,
    TEST_BACS_ACCOUNTS,
    TEST_CARDS,
    TEST_IBANS,
    TEST_PAYMENT_METHOD_BANK_ACCOUNTS,
    TEST_PAYMENT_METHOD_CARDS,
    Outcome,
    card_brand,
    iban_valid,
    luhn_valid,
    routing_number_valid,
)

PAYMENT_METHOD_TYPES = ("card", "sepa_debit", "us_bank_account", "bacs_debit")
CARD_DETAILS = {"number": STR, "exp_month": INT, "exp_year": INT, "cvc": STR}
SEPA_DETAILS = {"iban": STR}
US_BANK_DETAILS = {
    "routing_number": STR,
    "account_number": STR,
    "account_holder_type": Enum("individual", "company"),
    "account_type": Enum("checking", "savings"),
}
BACS_DETAILS = {"sort_code": STR, "account_number": STR}
PAYMENT_METHOD_DATA: dict[str, Any] = {
    "type": Enum(*PAYMENT_METHOD_TYPES),
    "billing_details": BILLING_DETAILS,
    "metadata": MAP,
    "card": CARD_DETAILS,
    "sepa_debit": SEPA_DETAILS,
    "us_bank_account": US_BANK_DETAILS,
    "bacs_debit": BACS_DETAILS,
}
_EMPTY_ADDRESS = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))
# Stripe requires these billing details per type.
_REQUIRED_BILLING = {
    "sepa_debit": ("name", "email"),
    "bacs_debit": ("name", "email"),
    "us_bank_account": ("name",),
}


def param_name(prefix: str, *parts: str) -> str:
    """``("payment_method_data", "card", "number")`` -> ``payment_method_data[card][number]``."""
    head, *rest = [part for part in (prefix, *parts) if part]
    return head + "".join(f"[{part}]" for part in rest)


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:16]


def _billing_details(given: dict[str, Any] | None) -> dict[str, Any]:
    given = given or {}
    address = given.get("address")
    return {
        "address": {**_EMPTY_ADDRESS, **(address or {})},
        "email": given.get("email"),
        "name": given.get("name"),
        "phone": given.get("phone"),
        "tax_id": None,
    }


def _card(details: dict[str, Any], prefix: str) -> tuple[dict[str, Any], Outcome]:
    for required in ("number", "exp_month", "exp_year"):
        if details.get(required) in (None, ""):
            raise parameter_missing(param_name(prefix, "card", required))
    number = "".join(details["number"].split())
    if not luhn_valid(number):
        raise card_error("Your card number is incorrect.", "incorrect_number", param="number")
    month, year = details["exp_month"], details["exp_year"]
    year = year + 2000 if year < 100 else year
    if not 1 <= month <= 12:
        raise card_error(
            "Your card's expiration month is invalid.", "invalid_expiry_month", param="exp_month"
        )
    today = datetime.date.today()
    if year < today.year or (year == today.year and month < today.month) or year > today.year + 50:
        raise card_error(
            "Your card's expiration year is invalid.", "invalid_expiry_year", param="exp_year"
        )
    cvc = details.get("cvc")
    if cvc is not None and not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise card_error("Your card's security code is invalid.", "invalid_cvc", param="cvc")
    known = TEST_CARDS.get(number)
    brand = card_brand(number)
    card = {
        "brand": brand,
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "unchecked" if cvc else None,
        },
        "country": known.country if known else "US",
        "display_brand": brand,
        "exp_month": month,
        "exp_year": year,
        "fingerprint": _fingerprint("card", number),
        "funding": known.funding if known else "credit",
        "generated_from": None,
        "last4": number[-4:],
        "networks": {"available": [brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }
    return card, known.outcome if known else Outcome()


def _sepa(details: dict[str, Any]) -> tuple[dict[str, Any], Outcome]:
    iban = "".join((details.get("iban") or "").split()).upper()
    if not iban:
        raise parameter_missing("sepa_debit[iban]")
    if not iban_valid(iban):
        raise invalid_request(
            "The IBAN you provided appears to be invalid.",
            code="invalid_bank_account_iban",
            param="sepa_debit[iban]",
        )
    sepa = {
        "bank_code": iban[4:9],
        "branch_code": iban[9:14] if iban[:2] == "AT" else "",
        "country": iban[:2],
        "fingerprint": _fingerprint("iban", iban),
        "generated_from": {"charge": None, "setup_attempt": None},
        "last4": iban[-4:],
    }
    return sepa, TEST_IBANS.get(iban, Outcome())


def _us_bank(details: dict[str, Any]) -> tuple[dict[str, Any], Outcome]:
    routing = details.get("routing_number") or ""
    account = details.get("account_number") or ""
    if not routing:
        raise parameter_missing("us_bank_account[routing_number]")
    if not account:
        raise parameter_missing("us_bank_account[account_number]")
    if not routing_number_valid(routing):
        raise invalid_request(
            "Routing number must have 9 digits and a valid checksum.",
            code="invalid_bank_account_routing_number",
            param="us_bank_account[routing_number]",
        )
    if not account.isdigit() or not 4 <= len(account) <= 17:
        raise invalid_request(
            "Account number must contain only digits (4 to 17).",
            param="us_bank_account[account_number]",
        )
    outcome = Outcome()
    if routing == ACH_TEST_ROUTING_NUMBER:
        outcome = TEST_ACH_ACCOUNTS.get(account, Outcome())
    bank = {
        "account_holder_type": details.get("account_holder_type") or "individual",
        "account_type": details.get("account_type") or "checking",
        "bank_name": "STRIPE TEST BANK",
        "financial_connections_account": None,
        "fingerprint": _fingerprint("ach", routing, account),
        "last4": account[-4:],
        "networks": {"preferred": "ach", "supported": ["ach"]},
        "routing_number": routing,
        "status_details": None,
    }
    return bank, outcome


def _bacs(details: dict[str, Any]) -> tuple[dict[str, Any], Outcome]:
    sort_code = (details.get("sort_code") or "").replace("-", "").replace(" ", "")
    account = details.get("account_number") or ""
    if not sort_code:
        raise parameter_missing("bacs_debit[sort_code]")
    if not account:
        raise parameter_missing("bacs_debit[account_number]")
    if not (sort_code.isdigit() and len(sort_code) == 6):
        raise invalid_request("Sort code must have 6 digits.", param="bacs_debit[sort_code]")
    if not (account.isdigit() and len(account) == 8):
        raise invalid_request(
            "Account number must have 8 digits.", param="bacs_debit[account_number]"
        )
    outcome = (
        TEST_BACS_ACCOUNTS.get(account, Outcome())
        if sort_code == BACS_TEST_SORT_CODE
        else Outcome()
    )
    bacs = {
        "fingerprint": _fingerprint("bacs", sort_code, account),
        "last4": account[-4:],
        "sort_code": sort_code,
    }
    return bacs, outcome


def build_payment_method(ctx: Ctx, data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Validate ``data`` (create params or ``payment_method_data``) and store a new pm_."""
    method_type = data.get("type")
    if not method_type:
        raise parameter_missing(param_name(prefix, "type"))
    details = data.get(method_type)
    if details is None:
        raise parameter_missing(param_name(prefix, method_type))
    billing = _billing_details(data.get("billing_details"))
    for required in _REQUIRED_BILLING.get(method_type, ()):
        if not billing.get(required):
            raise parameter_missing(param_name(prefix, "billing_details", required))
    builders = {
        "card": lambda: _card(details, prefix),
        "sepa_debit": lambda: _sepa(details),
        "us_bank_account": lambda: _us_bank(details),
        "bacs_debit": lambda: _bacs(details),
    }
    type_details, outcome = builders[method_type]()
    method = new_payment_method(
        method_type, type_details, billing, outcome, verified=method_type != "us_bank_account"
    )
    method["metadata"] = metadata_update({}, data.get("metadata"))
    return ctx.add(method)


def new_payment_method(
    method_type: str,
    details: dict[str, Any],
    billing: dict[str, Any],
    outcome: Outcome,
    *,
    verified: bool,
) -> dict[str, Any]:
    return {
        "id": new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing,
        method_type: details,
        "created": now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": method_type,
        "_outcome": dataclasses.asdict(outcome),
        "_verified": verified,
        "_set_up": False,
        "_consumed": False,
        "_microdeposit_attempts": 0,
        "_mandate": None,
    }


def outcome_of(method: dict[str, Any]) -> Outcome:
    return Outcome(**method["_outcome"])


def _materialise_test_method(ctx: Ctx, method_id: str) -> dict[str, Any] | None:
    """Stripe's ``pm_card_visa``-style ids: each use makes a fresh PaymentMethod."""
    if method_id in TEST_PAYMENT_METHOD_CARDS:
        number = TEST_PAYMENT_METHOD_CARDS[method_id]
        details, outcome = _card(
            {"number": number, "exp_month": 12, "exp_year": datetime.date.today().year + 3}, ""
        )
        details["checks"]["cvc_check"] = None
        return ctx.add(
            new_payment_method("card", details, _billing_details(None), outcome, verified=True)
        )
    if method_id in TEST_PAYMENT_METHOD_BANK_ACCOUNTS:
        account_number = TEST_PAYMENT_METHOD_BANK_ACCOUNTS[method_id]
        details, outcome = _us_bank(
            {"routing_number": ACH_TEST_ROUTING_NUMBER, "account_number": account_number}
        )
        billing = _billing_details({"name": "Jenny Rosen"})
        return ctx.add(
            new_payment_method("us_bank_account", details, billing, outcome, verified=True)
        )
    return None


def resolve_payment_method(ctx: Ctx, method_id: str, param: str) -> dict[str, Any]:
    found = ctx.store.get(ctx.account_id, method_id, "payment_method")
    if found is None:
        found = _materialise_test_method(ctx, method_id)
    if found is None:
        raise resource_missing("PaymentMethod", method_id, param)
    return found


def consumed_method_error(param: str | None = None) -> StripeError:
    """A PaymentMethod used once without a Customer, or detached, cannot be used again."""
    return invalid_request(
        "The provided PaymentMethod was previously used with a PaymentIntent without "
        "Customer attachment, shared with a connected account without Customer attachment, "
        "or was detached from a Customer. It may not be used again. To use a PaymentMethod "
        "multiple times, you must attach it to a Customer first.",
        code="payment_method_unexpected_state",
        param=param,
    )


def attach_payment_method(ctx: Ctx, method: dict[str, Any], customer: dict[str, Any]) -> None:
    if method["customer"] == customer["id"]:
        return
    if method["customer"] is not None:
        raise invalid_request(
            "The payment method you provided has already been attached to a customer.",
            code="payment_method_unexpected_state",
        )
    if method["_consumed"]:
        raise consumed_method_error()
    method["customer"] = customer["id"]
    ctx.emit("payment_method.attached", method)


@endpoint(
    "POST",
    "/v1/payment_methods",
    {key: value for key, value in PAYMENT_METHOD_DATA.items()},
    publishable=True,
)
def create_payment_method(ctx: Ctx) -> dict[str, Any]:
    return ctx.render(build_payment_method(ctx, ctx.params))


@endpoint("GET", "/v1/payment_methods/<payment_method>")
def retrieve_payment_method(ctx: Ctx, payment_method: str) -> dict[str, Any]:
    return ctx.render(resolve_payment_method(ctx, payment_method, "payment_method"))


@endpoint(
    "POST",
    "/v1/payment_methods/<payment_method>",
    {
        "billing_details": BILLING_DETAILS,
        "metadata": MAP,
        "card": {"exp_month": INT, "exp_year": INT},
    },
)
def update_payment_method(ctx: Ctx, payment_method: str) -> dict[str, Any]:
    method = ctx.get("payment_method", payment_method)
    before = ctx.render(method, [])
    if "billing_details" in ctx.params:
        given = ctx.params["billing_details"] or {}
        current = method["billing_details"]
        for key in ("email", "name", "phone"):
            if key in given:
                current[key] = given[key] or None
        if "address" in given:
            current["address"] = {**current["address"], **(given["address"] or {})}
    if "metadata" in ctx.params:
        method["metadata"] = metadata_update(method["metadata"], ctx.params["metadata"])
    if ctx.params.get("card"):
        if method["type"] != "card":
            raise invalid_request(
                "You can only update card details of a card PaymentMethod.", param="card"
            )
        method["card"].update(
            {key: value for key, value in ctx.params["card"].items() if value is not None}
        )
    after = ctx.render(method, [])
    changed = {key: before[key] for key in before if before[key] != after[key]}
    if changed:
        ctx.emit("payment_method.updated", method, changed)
    return ctx.render(method)


@endpoint("POST", "/v1/payment_methods/<payment_method>/attach", {"customer": STR})
def attach(ctx: Ctx, payment_method: str) -> dict[str, Any]:
    if not ctx.params.get("customer"):
        raise parameter_missing("customer")
    customer = ctx.get("customer", ctx.params["customer"], "customer")
    method = resolve_payment_method(ctx, payment_method, "payment_method")
    attach_payment_method(ctx, method, customer)
    return ctx.render(method)


@endpoint("POST", "/v1/payment_methods/<payment_method>/detach")
def detach(ctx: Ctx, payment_method: str) -> dict[str, Any]:
    method = ctx.get("payment_method", payment_method)
    if method["customer"] is None:
        raise invalid_request(
            "The payment method you provided is not attached to a customer "
            "so detachment is impossible.",
            code="payment_method_unexpected_state",
        )
    previous = {"customer": method["customer"]}
    method["customer"] = None
    method["_consumed"] = True
    ctx.emit("payment_method.detached", method, previous)
    return ctx.render(method)


@endpoint("GET", "/v1/payment_methods", {"customer": STR, "type": STR}, paginated=True)
def list_payment_methods(ctx: Ctx) -> dict[str, Any]:
    customer = ctx.params.get("customer")
    if customer:
        ctx.get("customer", customer, "customer")
    wanted = ctx.params.get("type")
    found = ctx.store.select(
        ctx.account_id,
        "payment_method",
        lambda obj: customer in (None, obj["customer"]) and wanted in (None, obj["type"]),
    )
    return ctx.list_response(found, "/v1/payment_methods")
