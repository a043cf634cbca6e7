"""What Kassa reads of a connected account's Stripe Billing, to move its subscriptions over.

Plain dataclasses (no Stripe type leaves ``app/processors``) and the functions that make them
from Stripe's objects as the gateway fetched them. Only what the import decides with is kept:
whether a subscription can move is decided outside, by ``app/billing_import/eligibility.py``.
``id_of`` and ``method_details`` read any object the gateway fetched; its other readers use
them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.money import Money, from_stripe_amount
from app.processors.gateway import MethodDetails

# What a subscription read brings along: its discounts (to see whether they end) and its
# latest invoice (to see whether it was ever billed). Lists prefix each with ``data.``.
SUBSCRIPTION_EXPAND = ("discounts", "items.data.discounts", "latest_invoice")
PAGE_SIZE = 100


@dataclass(frozen=True)
class BillingDiscount:
    """A coupon on a subscription or one of its items; ``ends_at`` None when it is forever."""

    ends_at: datetime | None


@dataclass(frozen=True)
class BillingItem:
    """One line of a Stripe subscription: its price as Stripe bills it."""

    id: str
    price_id: str
    product_id: str
    quantity: int
    currency: str  # upper case, as Kassa's Money
    unit_amount: Money | None  # None for a tiered price (Stripe computes it from tiers)
    interval: str  # day, week, month, year
    interval_count: int
    metered: bool
    tiered: bool
    taxed: bool  # tax rates on the line
    discounts: tuple[BillingDiscount, ...]


@dataclass(frozen=True)
class BillingSubscription:
    """A Stripe subscription as an import reads it."""

    id: str
    customer_id: str
    status: str  # Stripe's: active, trialing, past_due, canceled, ...
    currency: str
    items: tuple[BillingItem, ...]
    collection_method: str  # charge_automatically or send_invoice
    default_payment_method: str | None  # the subscription's own, else the customer's is used
    automatic_tax: bool
    discounts: tuple[BillingDiscount, ...]
    trial_end: datetime | None
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    cancel_at: datetime | None
    scheduled_changes: bool  # a subscription schedule will change it
    collection_paused: bool  # Stripe's ``pause_collection``: active, but not charged
    first_billed: bool  # its latest invoice was paid for more than nothing

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset({self.currency, *(item.currency for item in self.items)})


@dataclass(frozen=True)
class BillingSubscriptionPage:
    subscriptions: tuple[BillingSubscription, ...]
    has_more: bool

    @property
    def last_id(self) -> str | None:
        return self.subscriptions[-1].id if self.subscriptions else None


@dataclass(frozen=True)
class BillingPaidInvoice:
    """A paid invoice of a subscription and the PaymentIntents that paid it (its past charges,
    which an import may keep as payments for reports)."""

    id: str
    intent_ids: tuple[str, ...]


@dataclass(frozen=True)
class BillingCustomer:
    id: str
    email: str
    name: str
    default_payment_method: str | None  # invoice_settings.default_payment_method


@dataclass(frozen=True)
class BillingProduct:
    id: str
    name: str
    description: str


def moment(timestamp: Any) -> datetime:
    return datetime.fromtimestamp(int(timestamp), UTC)


def id_of(value: Any) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def method_details(method: dict[str, Any], mandate: Any) -> MethodDetails:
    """A PaymentMethod's safe details, with its mandate (id or expanded object) and the
    mandate's reference when it was expanded."""
    kind = str(method.get("type") or "")
    details: dict[str, Any] = method.get(kind) or {}
    reference = None
    if isinstance(mandate, dict):
        reference = ((mandate.get("payment_method_details") or {}).get(kind) or {}).get("reference")
    return MethodDetails(
        type=kind,
        id=method.get("id"),
        brand=details.get("brand"),
        last4=details.get("last4"),
        exp_month=details.get("exp_month"),
        exp_year=details.get("exp_year"),
        bank_name=details.get("bank_name"),
        mandate_id=id_of(mandate),
        mandate_reference=reference,
    )


def _discounts(values: Any) -> tuple[BillingDiscount, ...]:
    """Expanded discounts (an id left unexpanded counts as one that may end: unknown)."""
    found = []
    for value in values or ():
        end = value.get("end") if isinstance(value, dict) else 0
        found.append(BillingDiscount(ends_at=None if end is None else moment(end or 0)))
    return tuple(found)


def _item(data: dict[str, Any]) -> BillingItem:
    price: dict[str, Any] = data["price"]
    recurring = price.get("recurring") or {}
    currency = str(price["currency"]).upper()
    amount = price.get("unit_amount")
    return BillingItem(
        id=data["id"],
        price_id=price["id"],
        product_id=str(id_of(price.get("product")) or ""),
        quantity=int(data.get("quantity") or 1),
        currency=currency,
        unit_amount=None if amount is None else from_stripe_amount(int(amount), currency),
        interval=str(recurring.get("interval") or ""),
        interval_count=int(recurring.get("interval_count") or 1),
        metered=recurring.get("usage_type") == "metered",
        tiered=price.get("billing_scheme") == "tiered",
        taxed=bool(data.get("tax_rates")),
        discounts=_discounts(data.get("discounts")),
    )


def billing_subscription(data: dict[str, Any]) -> BillingSubscription:
    """From a subscription expanded with ``SUBSCRIPTION_EXPAND``. The period is the first
    item's (Stripe keeps it per item; a subscription's items share it)."""
    items = tuple(_item(item) for item in (data.get("items") or {}).get("data") or ())
    first = ((data.get("items") or {}).get("data") or [{}])[0]
    invoice = data.get("latest_invoice")
    invoice = invoice if isinstance(invoice, dict) else {}
    return BillingSubscription(
        id=data["id"],
        customer_id=str(id_of(data.get("customer")) or ""),
        status=str(data.get("status") or ""),
        currency=str(data.get("currency") or "").upper(),
        items=items,
        collection_method=str(data.get("collection_method") or "charge_automatically"),
        default_payment_method=id_of(data.get("default_payment_method")),
        automatic_tax=bool((data.get("automatic_tax") or {}).get("enabled")),
        discounts=_discounts(data.get("discounts")),
        trial_end=moment(data["trial_end"]) if data.get("trial_end") else None,
        current_period_start=moment(first.get("current_period_start") or 0),
        current_period_end=moment(first.get("current_period_end") or 0),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        cancel_at=moment(data["cancel_at"]) if data.get("cancel_at") else None,
        scheduled_changes=bool(data.get("schedule")),
        collection_paused=bool(data.get("pause_collection")),
        first_billed=invoice.get("status") == "paid" and int(invoice.get("amount_paid") or 0) > 0,
    )


def billing_paid_invoice(data: dict[str, Any]) -> BillingPaidInvoice:
    """From an invoice listed with ``payments`` included: its paid PaymentIntents."""
    payments = (data.get("payments") or {}).get("data") or ()
    intents = []
    for payment in payments:
        paid_by = payment.get("payment") or {}
        intent = id_of(paid_by.get("payment_intent"))
        if payment.get("status") == "paid" and paid_by.get("type") == "payment_intent" and intent:
            intents.append(intent)
    return BillingPaidInvoice(id=data["id"], intent_ids=tuple(intents))


def billing_customer(data: dict[str, Any]) -> BillingCustomer:
    settings = data.get("invoice_settings") or {}
    return BillingCustomer(
        id=data["id"],
        email=str(data.get("email") or ""),
        name=str(data.get("name") or ""),
        default_payment_method=id_of(settings.get("default_payment_method")),
    )


def billing_product(data: dict[str, Any]) -> BillingProduct:
    return BillingProduct(
        id=data["id"],
        name=str(data.get("name") or ""),
        description=str(data.get("description") or ""),
    )


def saved_method(method: dict[str, Any], setups: list[dict[str, Any]]) -> MethodDetails:
    """A saved method's safe details, with the mandate of the SetupIntent that saved it (a bank
    debit's: Stripe Billing keeps it there), the newest succeeded one first."""
    mandate: Any = None
    for setup in sorted(setups, key=lambda setup: setup.get("created") or 0, reverse=True):
        if setup.get("status") == "succeeded" and setup.get("mandate"):
            mandate = setup["mandate"]
            break
    return method_details(method, mandate)


def all_subscriptions(
    read_page: Any, starting_after: str | None = None
) -> Iterator[BillingSubscriptionPage]:
    """Every page of the account's subscriptions, through ``read_page(starting_after)``."""
    while True:
        page: BillingSubscriptionPage = read_page(starting_after)
        yield page
        if not page.has_more or page.last_id is None:
            return
        starting_after = page.last_id
