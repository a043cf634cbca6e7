"""Which Stripe Billing subscriptions can move to Kassa: a flat-rate, active subscription
already billed once moves; each thing Kassa cannot bill the same way refuses it, with its own
reason, whatever else is true of it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.billing_import.eligibility import REFUSAL_TEXTS, Refusal, refusals
from app.core.money import Money
from app.processors.billing_import import BillingDiscount, BillingItem, BillingSubscription

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def item(**changes: object) -> BillingItem:
    base = BillingItem(
        id="si_1", price_id="price_1", product_id="prod_1", quantity=1, currency="SEK",
        unit_amount=Money(9900, "SEK"), interval="month", interval_count=1, metered=False,
        tiered=False, taxed=False, discounts=(),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def subscription(**changes: object) -> BillingSubscription:
    base = BillingSubscription(
        id="sub_1", customer_id="cus_1", status="active", currency="SEK", items=(item(),),
        collection_method="charge_automatically", default_payment_method=None,
        automatic_tax=False, discounts=(), trial_end=None,
        current_period_start=NOW - timedelta(days=10), current_period_end=NOW + timedelta(days=20),
        cancel_at_period_end=False, cancel_at=None, scheduled_changes=False, first_billed=True,
        collection_paused=False,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def reasons(
    found: BillingSubscription, method: str | None = "card", email: str = "a@b.se"
) -> set[Refusal]:
    return set(refusals(found, customer_email=email, method_type=method,
                        account_currencies=frozenset({"SEK", "EUR"}), now=NOW))  # fmt: skip


FOREVER = BillingDiscount(ends_at=None)
ENDING = BillingDiscount(ends_at=NOW + timedelta(days=60))

# Each defect alone, and the one reason it must give.
DEFECTS: dict[Refusal, dict[str, object]] = {
    Refusal.NOT_ACTIVE: {"status": "past_due"},
    Refusal.NOT_BILLED: {"first_billed": False},
    Refusal.METERED: {"items": (item(metered=True),)},
    Refusal.TIERED: {"items": (item(tiered=True, unit_amount=None),)},
    Refusal.TAX: {"automatic_tax": True},
    Refusal.DISCOUNT: {"discounts": (FOREVER,)},
    Refusal.CHANGING_DISCOUNT: {"discounts": (ENDING,)},
    Refusal.CURRENCIES: {
        "items": (item(), item(id="si_2", currency="EUR", unit_amount=Money(900, "EUR")))
    },
    Refusal.INTERVAL: {"items": (item(interval="day"),)},
    Refusal.NOT_AUTOMATIC: {"collection_method": "send_invoice"},
    Refusal.ENDING: {"cancel_at_period_end": True},
    Refusal.CURRENCY_NOT_ADDED: {"currency": "USD", "items": (item(currency="USD"),)},
    Refusal.NO_ITEMS: {"items": ()},
}


def test_a_flat_rate_active_subscription_billed_once_can_move() -> None:
    assert reasons(subscription()) == set()
    for method in ("card", "sepa_debit", "bacs_debit", "us_bank_account"):
        assert reasons(subscription(), method) == set()


def test_each_defect_alone_gives_its_own_reason() -> None:
    for refusal, changes in DEFECTS.items():
        assert reasons(subscription(**changes)) == {refusal}, refusal
    assert reasons(subscription(), method=None) == {Refusal.NO_METHOD}
    assert reasons(subscription(), method="klarna") == {Refusal.METHOD}
    assert reasons(subscription(), email=" ") == {Refusal.NO_EMAIL}
    assert reasons(subscription(items=(item(taxed=True),))) == {Refusal.TAX}
    assert reasons(subscription(items=(item(discounts=(FOREVER,)),))) == {Refusal.DISCOUNT}
    assert reasons(subscription(scheduled_changes=True)) == {Refusal.CHANGING_DISCOUNT}
    assert reasons(subscription(collection_paused=True)) == {Refusal.NOT_ACTIVE}
    assert reasons(subscription(
        items=(item(), item(id="si_2", interval="year")))) == {Refusal.INTERVAL}  # fmt: skip


def test_a_trial_in_progress_is_refused_as_a_trial() -> None:
    trialing = subscription(status="trialing", trial_end=NOW + timedelta(days=3))
    assert reasons(trialing) == {Refusal.TRIAL}
    assert reasons(dataclasses.replace(trialing, first_billed=False)) == {
        Refusal.TRIAL,
        Refusal.NOT_BILLED,
    }


def test_every_reason_has_words() -> None:
    assert set(REFUSAL_TEXTS) == set(Refusal)


# Defects that combine on one item and one subscription (the currency ones and an empty
# subscription change what the others mean, so they are checked alone above).
ITEM_DEFECTS: dict[Refusal, dict[str, object]] = {
    Refusal.METERED: {"metered": True},
    Refusal.TIERED: {"tiered": True, "unit_amount": None},
    Refusal.INTERVAL: {"interval": "day"},
    Refusal.TAX: {"taxed": True},
    Refusal.DISCOUNT: {"discounts": (FOREVER,)},
}
SUBSCRIPTION_DEFECTS: dict[Refusal, dict[str, object]] = {
    Refusal.NOT_ACTIVE: {"status": "past_due"},
    Refusal.NOT_BILLED: {"first_billed": False},
    Refusal.CHANGING_DISCOUNT: {"discounts": (ENDING,)},
    Refusal.NOT_AUTOMATIC: {"collection_method": "send_invoice"},
    Refusal.ENDING: {"cancel_at": NOW + timedelta(days=20)},
}


@given(
    st.sets(st.sampled_from(sorted(ITEM_DEFECTS))),
    st.sets(st.sampled_from(sorted(SUBSCRIPTION_DEFECTS))),
    st.sampled_from([None, "card", "klarna"]),
)
def test_defects_together_give_every_one_of_their_reasons_and_no_other(
    on_item: set[Refusal], on_subscription: set[Refusal], method: str | None
) -> None:
    """A subscription with several defects is refused for each of them, none hiding another,
    and for nothing else: it could move exactly when it has none."""
    item_changes: dict[str, object] = {}
    for refusal in on_item:
        item_changes.update(ITEM_DEFECTS[refusal])
    changes: dict[str, object] = {}
    for refusal in on_subscription:
        changes.update(SUBSCRIPTION_DEFECTS[refusal])
    found = subscription(items=(item(**item_changes),), **changes)
    expected = on_item | on_subscription
    expected |= {None: {Refusal.NO_METHOD}, "klarna": {Refusal.METHOD}}.get(method, set())
    assert reasons(found, method) == expected


@given(
    st.sets(st.sampled_from(sorted(ITEM_DEFECTS))),
    st.sets(st.sampled_from(sorted(set(SUBSCRIPTION_DEFECTS) - {Refusal.NOT_ACTIVE}))),
    st.sampled_from([None, "card", "klarna"]),
)
def test_a_subscription_canceled_in_stripe_is_refused_for_that_alone(
    on_item: set[Refusal], on_subscription: set[Refusal], method: str | None
) -> None:
    """Whatever else is true of it (or missing: its customer's email and method are not read
    for it), a subscription that ended in Stripe gives the one reason the merchant can act on."""
    item_changes: dict[str, object] = {}
    for refusal in on_item:
        item_changes.update(ITEM_DEFECTS[refusal])
    changes: dict[str, object] = {}
    for refusal in on_subscription:
        changes.update(SUBSCRIPTION_DEFECTS[refusal])
    found = subscription(items=(item(**item_changes),), **{**changes, "status": "canceled"})
    assert reasons(found, method, email="") == {Refusal.CANCELED}
    assert str(REFUSAL_TEXTS[Refusal.CANCELED]) == "Canceled in Stripe."
