"""Contract: the sandbox speaks Stripe's API as published.

* Every object it returns carries the fields of Stripe's own example of that resource
  (``fixtures3.json``), with the same JSON types (or null), recursively into nested hashes.
* Every request parameter the sandbox's endpoint definitions accept exists in Stripe's OpenAPI
  spec (2023-08-16) for that path and method.

Driven with the real ``stripe`` library against the sandbox as a real HTTP server, at the API
version Kassa is pinned to (``app.config.STRIPE_API_VERSION``, which the library sends and the
sandbox renders). The shared spec is older (2023-08-16, the newest whole spec there, with no
procedure to replace it): parameters only accumulate between versions, so a parameter it
lists is still Stripe's; the fixtures are Stripe's current examples, so the shapes are checked
against today's objects.
"""

from __future__ import annotations

import decimal
import json
import numbers
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import stripe

from app.config import STRIPE_API_VERSION
from stripe_sandbox.api import ENDPOINTS
from stripe_sandbox.params import schema_names
from stripe_sandbox.versions import API_VERSION

from .conftest import MANDATE_DATA, SHARED_DIR, Account, SandboxServer, wait_for
from .helpers import sepa_payment

# Parameters Stripe.js sends that the published spec does not list (the sandbox accepts them
# because Stripe.js uses them): raw card numbers inside payment_method_data, and asking
# Stripe to take the mandate's IP address and user agent from the browser.
STRIPE_JS_ONLY = {
    ("payment_method_data", "card"),
    ("mandate_data", "customer_acceptance", "online", "infer_from_client"),
}
# Fields not compared inside: free-form hashes, and placeholders of another shape
# (polymorphic by a type).
NOT_COMPARED_INSIDE = {
    "metadata",
    "next_action",
    "last_payment_error",
    "last_setup_error",
    "source",
    "payment_method_details",
    "data",
    "destination_details",
    "processing",
}


@cache
def fixtures() -> dict[str, Any]:
    return json.loads((SHARED_DIR / "stripe-openapi" / "fixtures3.json").read_text())["resources"]


@cache
def spec() -> dict[str, Any]:
    return json.loads((SHARED_DIR / "stripe-openapi" / "spec3-2023-08-16.json").read_text())


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, decimal.Decimal):
        return "string"  # the stripe library parses Stripe's decimal strings into Decimal
    if isinstance(value, numbers.Number):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def shape_problems(ours: Any, example: Any, path: str) -> list[str]:
    problems = []
    for key, expected in example.items():
        where = f"{path}.{key}"
        if key not in ours:
            problems.append(f"{where} missing")
            continue
        actual = ours[key]
        if actual is None or expected is None:
            continue
        if json_type(actual) != json_type(expected):
            problems.append(f"{where}: {json_type(actual)} where Stripe has {json_type(expected)}")
        elif isinstance(expected, dict) and key not in NOT_COMPARED_INSIDE:
            problems.extend(shape_problems(actual, expected, where))
        elif (
            isinstance(expected, list)
            and expected
            and actual
            and isinstance(expected[0], dict)
            and isinstance(actual[0], dict)
        ):
            problems.extend(shape_problems(actual[0], expected[0], f"{where}[0]"))
    return problems


def assert_stripe_shape(obj: Any, resource: str) -> None:
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    example = dict(fixtures()[resource])
    if resource == "payment_method" and data.get("type") != "card":
        example.pop("card")
        assert data["type"] in data, "a PaymentMethod carries its type's details"
    problems = shape_problems(data, example, resource)
    assert not problems, "\n".join(problems)


# -- objects ---------------------------------------------------------------------------------
def test_account_and_customer_shapes(account: Account) -> None:
    assert_stripe_shape(account.client.v1.accounts.retrieve_current(), "account")
    customer = account.client.v1.customers.create(
        params={
            "email": "jenny@example.com",
            "name": "Jenny Rosen",
            "metadata": {"kassa_id": "42"},
            "address": {"country": "US", "postal_code": "94103"},
        }
    )
    assert_stripe_shape(customer, "customer")
    updated = account.client.v1.customers.update(customer.id, params={"name": "Jenny R."})
    assert updated.name == "Jenny R."
    assert_stripe_shape(account.client.v1.customers.retrieve(customer.id), "customer")
    listed = account.client.v1.customers.list(params={"email": "jenny@example.com"})
    assert [item.id for item in listed.data] == [customer.id]


def test_card_payment_objects(account: Account) -> None:
    customer = account.client.v1.customers.create(params={"email": "a@example.com"})
    intent = account.client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_types": ["card"],
            "metadata": {"order": "A-1"},
        }
    )
    assert_stripe_shape(intent, "payment_intent")
    intent = account.client.v1.payment_intents.confirm(
        intent.id,
        params={
            "payment_method": "pm_card_visa",
            "expand": ["latest_charge.balance_transaction", "payment_method", "customer"],
        },
    )
    assert intent.status == "succeeded"
    assert_stripe_shape(intent.payment_method, "payment_method")
    assert_stripe_shape(intent.customer, "customer")
    assert_stripe_shape(intent.latest_charge.balance_transaction, "balance_transaction")
    intent_dict = intent.to_dict()
    intent_dict.update(
        payment_method=intent.payment_method.id,
        customer=customer.id,
        latest_charge=intent.latest_charge.id,
    )
    assert_stripe_shape(intent_dict, "payment_intent")
    refund = account.client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    assert_stripe_shape(refund, "refund")
    assert_stripe_shape(account.client.v1.refunds.retrieve(refund.id), "refund")
    charge = account.client.v1.charges.retrieve(intent.latest_charge.id)
    assert_stripe_shape(charge, "charge")
    assert charge.amount_refunded == 500
    assert [item.id for item in charge.refunds.data] == [refund.id]


def test_bank_debit_objects(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("DE")
    method = account.client.v1.payment_methods.create(
        params={
            "type": "sepa_debit",
            "sepa_debit": {"iban": "DE89370400440532013000"},
            "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"},
        }
    )
    assert_stripe_shape(method, "payment_method")
    intent = account.client.v1.payment_intents.create(
        params={
            "amount": 1500,
            "currency": "eur",
            "payment_method_types": ["sepa_debit"],
            "payment_method": method.id,
            "confirm": True,
            "mandate_data": MANDATE_DATA,
            "expand": ["latest_charge"],
        }
    )
    assert intent.status == "processing"
    assert_stripe_shape(intent.latest_charge, "charge")
    mandate_id = intent.latest_charge.payment_method_details.sepa_debit.mandate
    assert_stripe_shape(account.client.v1.mandates.retrieve(mandate_id), "mandate")


def test_setup_intent_shape(account: Account) -> None:
    customer = account.client.v1.customers.create()
    intent = account.client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method_types": ["card"]}
    )
    assert_stripe_shape(intent, "setup_intent")
    intent = account.client.v1.setup_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )
    assert intent.status == "succeeded"
    assert_stripe_shape(account.client.v1.setup_intents.retrieve(intent.id), "setup_intent")


def test_the_contract_is_checked_at_kassas_pinned_version(account: Account) -> None:
    assert stripe.api_version == STRIPE_API_VERSION == API_VERSION
    customer = account.client.v1.customers.create()
    assert customer.last_response.headers["Stripe-Version"] == STRIPE_API_VERSION


def test_event_and_webhook_endpoint_shapes(account: Account) -> None:
    endpoint = account.client.v1.webhook_endpoints.create(
        params={"url": "http://127.0.0.1:9/unused", "enabled_events": ["customer.created"]}
    )
    assert endpoint.secret.startswith("whsec_")
    assert_stripe_shape(endpoint, "webhook_endpoint")
    updated = account.client.v1.webhook_endpoints.update(
        endpoint.id, params={"enabled_events": ["charge.succeeded"], "disabled": True}
    )
    assert (updated.enabled_events, updated.status) == (["charge.succeeded"], "disabled")
    listed = account.client.v1.webhook_endpoints.list()
    assert [item.id for item in listed.data] == [endpoint.id]
    assert "secret" not in listed.data[0]
    account.client.v1.customers.create(params={"email": "event@example.com"})
    events = account.client.v1.events.list(params={"type": "customer.created"})
    assert len(events.data) == 1
    assert_stripe_shape(events.data[0], "event")
    assert_stripe_shape(events.data[0].data.object, "customer")
    assert_stripe_shape(account.client.v1.events.retrieve(events.data[0].id), "event")
    deleted = account.client.v1.webhook_endpoints.delete(endpoint.id)
    assert deleted.deleted is True
    assert account.client.v1.webhook_endpoints.list().data == []


def test_dispute_event_shape(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("AT")
    intent = sepa_payment(account, "AT591904300235473203")
    sandbox.advance()
    events = wait_for(
        lambda: account.client.v1.events.list(params={"type": "charge.dispute.created"}).data
    )
    dispute = events[0].data.object
    assert dispute.payment_intent == intent.id
    assert_stripe_shape(dispute, "dispute")


def test_seeded_billing_shapes(sandbox: SandboxServer, account: Account) -> None:
    status, counts = sandbox.control(
        "POST",
        "/_sandbox/seed",
        {
            "customers": [{"id": "cus_seed1", "email": "sub@example.com"}],
            "products": [{"id": "prod_seed1", "name": "Coffee club"}],
            "prices": [
                {
                    "id": "price_seed1",
                    "product": "prod_seed1",
                    "unit_amount": 1500,
                    "currency": "usd",
                    "recurring": {"interval": "month"},
                }
            ],
            "subscriptions": [
                {
                    "id": "sub_seed1",
                    "customer": "cus_seed1",
                    "items": [{"price": "price_seed1", "quantity": 2}],
                }
            ],
        },
        headers={"Authorization": f"Bearer {account.secret_key}"},
    )
    assert status == 200, counts
    assert counts == {
        "account": account.id,
        "customers": 1,
        "payment_methods": 0,
        "products": 1,
        "prices": 1,
        "subscriptions": 1,
    }
    client = account.client.v1
    assert_stripe_shape(client.products.retrieve("prod_seed1"), "product")
    assert [item.id for item in client.products.list().data] == ["prod_seed1"]
    assert_stripe_shape(client.prices.retrieve("price_seed1"), "price")
    assert [item.id for item in client.prices.list(params={"product": "prod_seed1"}).data] == [
        "price_seed1"
    ]
    subscription = client.subscriptions.retrieve("sub_seed1")
    assert_stripe_shape(subscription, "subscription")
    assert subscription["items"].data[0].quantity == 2
    assert [
        item.id for item in client.subscriptions.list(params={"customer": "cus_seed1"}).data
    ] == ["sub_seed1"]
    canceled = client.subscriptions.cancel("sub_seed1")
    assert canceled.status == "canceled"
    assert client.subscriptions.list(params={"customer": "cus_seed1"}).data == []
    assert [item.id for item in client.subscriptions.list(params={"status": "canceled"}).data] == [
        "sub_seed1"
    ]


BILLING_SEED: dict[str, Any] = {
    "customers": [
        {"id": "cus_card", "email": "card@example.com", "name": "Card Holder"},
        {"id": "cus_sepa", "email": "sepa@example.com", "name": "Sepa Payer"},
    ],
    "payment_methods": [
        {
            "customer": "cus_card",
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040},
            "default": True,
        },
        {
            "customer": "cus_sepa",
            "type": "sepa_debit",
            "sepa_debit": {"iban": "DE89370400440532013000"},
            "default": True,
        },
    ],
    "products": [{"id": "prod_box", "name": "Coffee box"}],
    "prices": [
        {
            "id": "price_flat",
            "product": "prod_box",
            "unit_amount": 1500,
            "currency": "eur",
            "recurring": {"interval": "month"},
        },
        {
            "id": "price_metered",
            "product": "prod_box",
            "unit_amount": 10,
            "currency": "eur",
            "recurring": {"interval": "month", "usage_type": "metered"},
        },
        {
            "id": "price_tiered",
            "product": "prod_box",
            "currency": "eur",
            "recurring": {"interval": "month"},
            "tiers": [{"up_to": 10, "unit_amount": 100}, {"up_to": "inf", "unit_amount": 80}],
        },
    ],
    "subscriptions": [
        {"id": "sub_flat", "customer": "cus_card", "items": [{"price": "price_flat"}]},
        {
            "id": "sub_extras",
            "customer": "cus_sepa",
            "items": [
                {
                    "price": "price_flat",
                    "tax_rates": [{"percentage": 19, "display_name": "MwSt"}],
                    "discounts": [{"coupon": {"percent_off": 10, "duration": "forever"}}],
                }
            ],
            "discounts": [
                {"coupon": {"percent_off": 20, "duration": "repeating", "duration_in_months": 3}}
            ],
            "automatic_tax": True,
        },
        {"id": "sub_metered", "customer": "cus_card", "items": [{"price": "price_metered"}]},
        {"id": "sub_tiered", "customer": "cus_card", "items": [{"price": "price_tiered"}]},
        {
            "id": "sub_trial",
            "customer": "cus_card",
            "status": "trialing",
            "trial_start": 1760000000,
            "trial_end": 1761000000,
            "items": [{"price": "price_flat"}],
        },
    ],
}


def test_seeded_billing_import_objects(sandbox: SandboxServer, account: Account) -> None:
    """What an import from Stripe Billing reads, shaped as Stripe's: saved default methods (a
    SEPA one with its mandate), metered and tiered prices, taxes, discounts, a trial, each
    subscription's latest invoice; and the one write it makes, ``cancel_at_period_end``."""
    status, counts = sandbox.control(
        "POST", "/_sandbox/seed", {"account": account.id, **BILLING_SEED}
    )
    assert status == 200, counts
    assert counts["payment_methods"] == 2 and counts["subscriptions"] == 5
    client = account.client.v1
    card_customer = client.customers.retrieve("cus_card")
    assert_stripe_shape(card_customer, "customer")
    card_method = client.payment_methods.retrieve(
        card_customer.invoice_settings.default_payment_method
    )
    assert card_method.customer == "cus_card" and card_method.card.last4 == "4242"
    sepa_method_id = client.customers.retrieve("cus_sepa").invoice_settings.default_payment_method
    setups = client.setup_intents.list(
        params={"payment_method": sepa_method_id, "expand": ["data.mandate"]}
    ).data
    assert [setup.status for setup in setups] == ["succeeded"]
    assert_stripe_shape(setups[0].mandate, "mandate")
    assert setups[0].mandate.status == "active"

    metered = client.prices.retrieve("price_metered")
    assert metered.recurring.usage_type == "metered"
    assert_stripe_shape(metered, "price")
    tiered = client.prices.retrieve("price_tiered")
    assert (tiered.billing_scheme, tiered.unit_amount) == ("tiered", None)

    page = client.subscriptions.list(params={"limit": 2, "expand": ["data.discounts"]})
    seen = [item.id for item in page.data]
    while page.has_more:
        page = client.subscriptions.list(
            params={"limit": 2, "starting_after": seen[-1], "expand": ["data.discounts"]}
        )
        seen += [item.id for item in page.data]
    assert sorted(seen) == sorted(given["id"] for given in BILLING_SEED["subscriptions"])

    extras = client.subscriptions.retrieve(
        "sub_extras", params={"expand": ["discounts", "items.data.discounts", "latest_invoice"]}
    )
    assert_stripe_shape(extras, "subscription")
    assert extras.automatic_tax.enabled is True
    assert_stripe_shape(extras.discounts[0], "discount")
    assert extras.discounts[0].end is not None
    item = extras["items"].data[0]
    assert_stripe_shape(item.tax_rates[0], "tax_rate")
    assert item.discounts[0].end is None
    assert_stripe_shape(extras.latest_invoice, "invoice")
    assert (extras.latest_invoice.status, extras.latest_invoice.amount_paid) == ("paid", 1500)
    trial = client.subscriptions.retrieve("sub_trial")
    assert trial.status == "trialing"
    assert client.invoices.retrieve(trial.latest_invoice).amount_paid == 0

    flat = client.subscriptions.retrieve("sub_flat")
    period_end = flat["items"].data[0].current_period_end
    ending = client.subscriptions.update(
        "sub_flat",
        params={"cancel_at_period_end": True},
        options={"idempotency_key": "import:sub_flat"},
    )
    assert (ending.cancel_at_period_end, ending.cancel_at, ending.status) == (
        True,
        period_end,
        "active",
    )
    assert_stripe_shape(ending, "subscription")
    again = client.subscriptions.update(
        "sub_flat",
        params={"cancel_at_period_end": True},
        options={"idempotency_key": "import:sub_flat"},
    )
    assert again.cancel_at == period_end
    updates = client.events.list(params={"type": "customer.subscription.updated"}).data
    assert [event.data.object.id for event in updates] == ["sub_flat"]
    assert updates[0].data.previous_attributes["cancel_at_period_end"] is False


def test_seeded_past_charges_are_listed_as_paid_invoices_with_their_payments(
    sandbox: SandboxServer, account: Account
) -> None:
    """A subscription seeded with ``past_charges``: one paid invoice per period (the newest the
    latest invoice), listed by ``GET /v1/invoices?subscription=``, newest first, each with its
    PaymentIntent when ``payments`` is included; the charge has its balance transaction (fee
    and net) and the refund the seed asked for."""
    seed = {
        **BILLING_SEED,
        "subscriptions": [
            {
                "id": "sub_paid",
                "customer": "cus_card",
                "items": [{"price": "price_flat"}],
                "past_charges": [{}, {"refund": 500}, {}],
            },
            {"id": "sub_other", "customer": "cus_card", "items": [{"price": "price_flat"}]},
        ],
    }
    status, counts = sandbox.control("POST", "/_sandbox/seed", {"account": account.id, **seed})
    assert status == 200, counts
    client = account.client.v1
    listed = client.invoices.list(
        params={"subscription": "sub_paid", "status": "paid", "expand": ["data.payments"]}
    )
    assert len(listed.data) == 3 and not listed.has_more
    newest, refunded, oldest = listed.data
    assert client.subscriptions.retrieve("sub_paid").latest_invoice == newest.id
    assert newest.created > refunded.created > oldest.created
    for invoice in listed.data:
        assert_stripe_shape(invoice, "invoice")
        assert (invoice.status, invoice.amount_paid, invoice.subscription) == (
            "paid",
            1500,
            "sub_paid",
        )
        [payment] = invoice.payments.data
        assert_stripe_shape(payment, "invoice_payment")
        assert (payment.invoice, payment.payment.type) == (invoice.id, "payment_intent")
    intent = client.payment_intents.retrieve(
        refunded.payments.data[0].payment.payment_intent,
        params={"expand": ["latest_charge.balance_transaction"]},
    )
    assert (intent.status, intent.amount_received, intent.customer) == (
        "succeeded",
        1500,
        "cus_card",
    )
    assert intent.created == refunded.created
    charge = intent.latest_charge
    assert charge.amount_refunded == 500
    transaction = charge.balance_transaction
    assert transaction.fee > 0 and transaction.net == transaction.amount - transaction.fee
    assert "payments" not in client.invoices.retrieve(newest.id).to_dict()  # only when asked
    included = client.invoices.retrieve(newest.id, params={"expand": ["payments"]})
    assert included.payments.data[0].payment.payment_intent
    assert [item.id for item in client.invoices.list(params={"customer": "cus_card"}).data] == [
        item.id for item in client.invoices.list(params={"customer": "cus_card", "limit": 10}).data
    ]
    other = client.invoices.list(params={"subscription": "sub_other"}).data
    assert len(other) == 1 and other[0].amount_paid == 1500
    assert "payments" not in other[0].to_dict()
    refused, answer = sandbox.control(
        "POST",
        "/_sandbox/seed",
        {
            "account": account.id,
            "subscriptions": [
                {"customer": "cus_sepa", "items": [{"price": "price_flat"}], "past_charges": [{}]}
            ],
        },
    )
    assert refused == 400 and answer["error"]["param"] == "past_charges"


# -- request parameters ------------------------------------------------------------------------
def _spec_properties(schema: dict[str, Any]) -> dict[str, Any] | None:
    """Named sub-parameters of a spec schema (None when it is free-form or a scalar)."""
    if "properties" in schema:
        return schema["properties"]
    for option in schema.get("anyOf", []):
        if "properties" in option:
            return option["properties"]
    if schema.get("type") == "array":
        return _spec_properties(schema.get("items", {}))
    return None


def _spec_parameters(path: str, method: str) -> dict[str, Any]:
    operation = spec()["paths"][path][method.lower()]
    names = {
        item["name"]: item.get("schema", {})
        for item in operation.get("parameters", [])
        if item["in"] == "query"
    }
    form = (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/x-www-form-urlencoded", {})
        .get("schema", {})
    )
    names.update(form.get("properties", {}))
    return names


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_accepted_parameters_exist_in_stripes_spec(endpoint: Any) -> None:
    assert endpoint.spec_path in spec()["paths"], f"{endpoint.spec_path} is not a Stripe path"
    published = _spec_parameters(endpoint.spec_path, endpoint.method)
    unknown = []
    for path in schema_names(endpoint.params):
        if any(path[: len(allowed)] == allowed for allowed in STRIPE_JS_ONLY):
            continue
        level: dict[str, Any] | None = published
        for depth, name in enumerate(path):
            if level is None:
                break  # the spec leaves this hash free-form
            if name not in level:
                unknown.append("[".join(path[: depth + 1]))
                break
            level = _spec_properties(level[name])
    assert not unknown, f"not in Stripe's spec: {unknown}"


def test_unknown_parameters_are_refused_like_stripe(account: Account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd", "colour": "blue"}
        )
    assert caught.value.http_status == 400
    assert caught.value.code == "parameter_unknown"
    assert caught.value.param == "colour"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.customers.create(params={"address": {"planet": "Mars"}})
    assert caught.value.param == "address[planet]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(params={"amount": "ten", "currency": "usd"})
    assert (caught.value.code, caught.value.param) == ("parameter_invalid_integer", "amount")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(params={"currency": "usd"})
    assert (caught.value.code, caught.value.param) == ("parameter_missing", "amount")


def test_unknown_url_is_stripes_404(account: Account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.raw_request("get", "/v1/payment_intents_typo")
    assert caught.value.http_status == 404
    assert "Unrecognized request URL" in str(caught.value.user_message)


def test_remaining_reads_and_updates(account: Account) -> None:
    """The endpoints no flow above needed, each with a real effect checked."""
    client = account.client.v1
    customer = client.customers.create(params={"email": "rest@example.com"})
    method = client.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})
    updated = client.payment_methods.update(
        method.id,
        params={
            "billing_details": {"name": "Rest Case"},
            "metadata": {"k": "v"},
            "card": {"exp_month": 3},
        },
    )
    assert (updated.billing_details.name, updated.metadata["k"], updated.card.exp_month) == (
        "Rest Case",
        "v",
        3,
    )
    assert_stripe_shape(updated, "payment_method")
    own = client.customers.payment_methods.list(customer.id)
    assert [item.id for item in own.data] == [method.id]
    intent = client.payment_intents.create(
        params={
            "amount": 3000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_types": ["card"],
            "payment_method": method.id,
            "confirm": True,
        }
    )
    refund = client.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    assert (
        client.refunds.update(refund.id, params={"metadata": {"ticket": "T-9"}}).metadata["ticket"]
        == "T-9"
    )
    charge_txns = client.balance_transactions.list(params={"type": "charge"})
    assert [item.source for item in charge_txns.data] == [intent.latest_charge]
    all_txns = client.balance_transactions.list()
    assert sorted(item.type for item in all_txns.data) == ["charge", "refund"]
    setup = client.setup_intents.create(
        params={"customer": customer.id, "payment_method_types": ["card"]}
    )
    assert [
        item.id for item in client.setup_intents.list(params={"customer": customer.id}).data
    ] == [setup.id]
    canceled = client.setup_intents.cancel(setup.id, params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled"
    endpoint = client.webhook_endpoints.create(
        params={"url": "https://kassa.example/hooks/stripe", "enabled_events": ["*"]}
    )
    fetched = client.webhook_endpoints.retrieve(endpoint.id)
    assert fetched.url == "https://kassa.example/hooks/stripe" and "secret" not in fetched
    deleted = client.customers.delete(customer.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.customers.retrieve(customer.id)
    assert caught.value.http_status == 404


def test_every_endpoint_is_exercised_by_these_tests() -> None:
    """Guard: each endpoint the sandbox defines is named in some test of this suite."""
    sources = "\n".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    calls = {
        "GET /v1/account": "accounts.retrieve_current",
        "GET /v1/balance_transactions/<id>": "balance_transactions.retrieve",
        "GET /v1/balance_transactions": "balance_transactions.list",
        "POST /v1/payment_methods": "payment_methods.create",
        "GET /v1/payment_methods/<payment_method>": "payment_methods.retrieve",
        "POST /v1/payment_methods/<payment_method>": "payment_methods.update",
        "POST /v1/payment_methods/<payment_method>/attach": "payment_methods.attach",
        "POST /v1/payment_methods/<payment_method>/detach": "payment_methods.detach",
        "GET /v1/payment_methods": "payment_methods.list",
        "POST /v1/customers": "customers.create",
        "GET /v1/customers/<customer>": "customers.retrieve",
        "POST /v1/customers/<customer>": "customers.update",
        "DELETE /v1/customers/<customer>": "customers.delete",
        "GET /v1/customers": "customers.list",
        "GET /v1/customers/<customer>/payment_methods": "customers.payment_methods.list",
        "GET /v1/products": "products.list",
        "GET /v1/products/<id>": "products.retrieve",
        "GET /v1/prices": "prices.list",
        "GET /v1/prices/<price>": "prices.retrieve",
        "GET /v1/subscriptions": "subscriptions.list",
        "GET /v1/subscriptions/<subscription_exposed_id>": "subscriptions.retrieve",
        "DELETE /v1/subscriptions/<subscription_exposed_id>": "subscriptions.cancel",
        "POST /v1/subscriptions/<subscription_exposed_id>": "subscriptions.update",
        "GET /v1/invoices/<invoice>": "invoices.retrieve",
        "GET /v1/invoices": "invoices.list",
        "GET /v1/charges/<charge>": "charges.retrieve",
        "GET /v1/charges": "charges.list",
        "GET /v1/disputes/<dispute>": "disputes.retrieve",
        "GET /v1/disputes": "disputes.list",
        "GET /v1/events/<id>": "events.retrieve",
        "GET /v1/events": "events.list",
        "GET /v1/mandates/<mandate>": "mandates.retrieve",
        "POST /v1/payment_intents": "payment_intents.create",
        "GET /v1/payment_intents/<intent>": "payment_intents.retrieve",
        "POST /v1/payment_intents/<intent>": "payment_intents.update",
        "POST /v1/payment_intents/<intent>/confirm": "payment_intents.confirm",
        "POST /v1/payment_intents/<intent>/cancel": "payment_intents.cancel",
        "GET /v1/payment_intents": "payment_intents.list",
        "POST /v1/payment_intents/<intent>/verify_microdeposits": (
            "payment_intents.verify_microdeposits"
        ),
        "POST /v1/refunds": "refunds.create",
        "GET /v1/refunds/<refund>": "refunds.retrieve",
        "POST /v1/refunds/<refund>": "refunds.update",
        "GET /v1/refunds": "refunds.list",
        "POST /v1/setup_intents": "setup_intents.create",
        "GET /v1/setup_intents/<intent>": "setup_intents.retrieve",
        "POST /v1/setup_intents/<intent>/confirm": "setup_intents.confirm",
        "POST /v1/setup_intents/<intent>/cancel": "setup_intents.cancel",
        "GET /v1/setup_intents": "setup_intents.list",
        "POST /v1/setup_intents/<intent>/verify_microdeposits": (
            "setup_intents.verify_microdeposits"
        ),
        "POST /v1/webhook_endpoints": "webhook_endpoints.create",
        "GET /v1/webhook_endpoints/<webhook_endpoint>": "webhook_endpoints.retrieve",
        "POST /v1/webhook_endpoints/<webhook_endpoint>": "webhook_endpoints.update",
        "DELETE /v1/webhook_endpoints/<webhook_endpoint>": "webhook_endpoints.delete",
        "GET /v1/webhook_endpoints": "webhook_endpoints.list",
    }
    assert sorted(calls) == sorted(endpoint.name for endpoint in ENDPOINTS)
    missing = [name for name, call in calls.items() if f".{call}(" not in sources]
    assert not missing, f"endpoints no test calls: {missing}"
