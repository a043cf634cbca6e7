"""Which Stripe Billing subscriptions Kassa can take over, and why not the others. Pure.

Kassa bills a fixed amount every period on a saved method. A subscription moves only when
that is all it is: active, flat-rate, already billed at least once (so the period Stripe
covers now is paid, and Kassa's first charge is the next one), charged automatically on a
method Kassa can charge off-session, in one of the merchant's currencies. Everything else is
refused with every reason that applies, so the merchant can fix them in Stripe at once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.processors.billing_import import BillingSubscription

# Stripe's recurring intervals Kassa bills (a quarter is three months).
KASSA_INTERVALS = frozenset({"week", "month", "year"})
# Methods Kassa charges while the customer is away.
OFF_SESSION_METHODS = frozenset({"card", "sepa_debit", "bacs_debit", "us_bank_account"})


class Refusal(enum.StrEnum):
    CANCELED = "canceled"
    NOT_ACTIVE = "not_active"
    TRIAL = "trial"
    NOT_BILLED = "not_billed"
    METERED = "metered"
    TIERED = "tiered"
    TAX = "tax"
    DISCOUNT = "discount"
    CHANGING_DISCOUNT = "changing_discount"
    CURRENCIES = "currencies"
    INTERVAL = "interval"
    NOT_AUTOMATIC = "not_automatic"
    ENDING = "ending"
    NO_EMAIL = "no_email"
    NO_METHOD = "no_method"
    METHOD = "method"
    CURRENCY_NOT_ADDED = "currency_not_added"
    NO_ITEMS = "no_items"


REFUSAL_TEXTS: dict[Refusal, LazyString] = {
    Refusal.CANCELED: _l("Canceled in Stripe."),
    Refusal.NOT_ACTIVE: _l("It is not active in Stripe."),
    Refusal.TRIAL: _l("A trial is in progress."),
    Refusal.NOT_BILLED: _l("Stripe has not billed it yet."),
    Refusal.METERED: _l("It has a metered (usage-based) price."),
    Refusal.TIERED: _l("It has a tiered price."),
    Refusal.TAX: _l("It has tax on its lines or Stripe's automatic tax."),
    Refusal.DISCOUNT: _l("It has a discount on its recurring lines."),
    Refusal.CHANGING_DISCOUNT: _l("Its discount ends or its price changes on a schedule."),
    Refusal.CURRENCIES: _l("Its lines are in several currencies."),
    Refusal.INTERVAL: _l("It is billed daily, or its lines have different intervals."),
    Refusal.NOT_AUTOMATIC: _l("Stripe sends it as an invoice instead of charging it."),
    Refusal.ENDING: _l("It is already set to end in Stripe."),
    Refusal.NO_EMAIL: _l("Its customer has no email address."),
    Refusal.NO_METHOD: _l("Its customer has no saved payment method."),
    Refusal.METHOD: _l("Its payment method cannot be charged by Kassa."),
    Refusal.CURRENCY_NOT_ADDED: _l("Its currency is not one of your account currencies."),
    Refusal.NO_ITEMS: _l("It has no lines."),
}


def refusal_text(code: str) -> str:
    """A stored reason's words in the current language (an unknown code as itself)."""
    try:
        return str(REFUSAL_TEXTS[Refusal(code)])
    except ValueError:
        return code


def canceled_in_stripe(subscription: BillingSubscription) -> bool:
    """Ended in Stripe: listed so the merchant sees every subscription, moved never (nothing
    else about it matters, and its customer may be gone)."""
    return subscription.status == "canceled"


def refusals(
    subscription: BillingSubscription,
    *,
    customer_email: str,
    method_type: str | None,
    account_currencies: frozenset[str],
    now: datetime,
) -> tuple[Refusal, ...]:
    """Every reason Kassa cannot take ``subscription`` over (none: it can). ``method_type``
    is the type of the method its charges would use (its own default, else its customer's);
    the customer's email is how Kassa finds or makes its customer. A subscription canceled in
    Stripe has that one reason."""
    if canceled_in_stripe(subscription):
        return (Refusal.CANCELED,)
    items = subscription.items
    discounts = (*subscription.discounts, *(d for item in items for d in item.discounts))
    trialing = subscription.status == "trialing" or bool(
        subscription.trial_end and subscription.trial_end > now
    )
    checks = {
        Refusal.CANCELED: False,
        Refusal.NO_ITEMS: not items,
        Refusal.NOT_ACTIVE: subscription.status not in ("active", "trialing")
        or subscription.collection_paused,
        Refusal.TRIAL: trialing,
        Refusal.NOT_BILLED: not subscription.first_billed,
        Refusal.METERED: any(item.metered for item in items),
        Refusal.TIERED: any(item.tiered or item.unit_amount is None for item in items),
        Refusal.TAX: subscription.automatic_tax or any(item.taxed for item in items),
        Refusal.DISCOUNT: any(discount.ends_at is None for discount in discounts),
        Refusal.CHANGING_DISCOUNT: subscription.scheduled_changes
        or any(discount.ends_at is not None for discount in discounts),
        Refusal.CURRENCIES: len(subscription.currencies) > 1,
        Refusal.INTERVAL: len({(item.interval, item.interval_count) for item in items}) > 1
        or any(item.interval not in KASSA_INTERVALS for item in items),
        Refusal.NOT_AUTOMATIC: subscription.collection_method != "charge_automatically",
        Refusal.ENDING: subscription.cancel_at_period_end or subscription.cancel_at is not None,
        Refusal.NO_EMAIL: not customer_email.strip(),
        Refusal.NO_METHOD: method_type is None,
        Refusal.METHOD: method_type is not None and method_type not in OFF_SESSION_METHODS,
        Refusal.CURRENCY_NOT_ADDED: len(subscription.currencies) == 1
        and subscription.currency not in account_currencies,
    }
    return tuple(refusal for refusal in Refusal if checks[refusal])
