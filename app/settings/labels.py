"""The words the panel (and later the checkout) shows for settings values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.methods import PaymentMethod, Unavailable
from app.core.pricing import Refusal
from app.settings.models import Collect, CustomFieldKind, PolicyKind

METHOD_LABELS: dict[PaymentMethod, LazyString] = {
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.SEPA_DEBIT: _l("SEPA Direct Debit"),
    PaymentMethod.ACH_DEBIT: _l("ACH Direct Debit"),
    PaymentMethod.BACS_DEBIT: _l("Bacs Direct Debit"),
}

# The same words by Stripe's method type, as payments store it.
METHOD_NAMES: dict[str, LazyString] = {
    method.value: label for method, label in METHOD_LABELS.items()
}


def method_name(code: str | None) -> str:
    """A method's name; a code Kassa has no words for as it is, and none (not paid yet) as a
    dash. The one way pages, emails, receipts, reports and exports name a method."""
    return str(METHOD_NAMES.get(code, code)) if code else "—"


COLLECT_LABELS: dict[Collect, LazyString] = {
    Collect.OFF: _l("Don't ask"),
    Collect.OPTIONAL: _l("Optional"),
    Collect.REQUIRED: _l("Required"),
}

POLICY_LABELS: dict[PolicyKind, LazyString] = {
    PolicyKind.TERMS: _l("Terms of service"),
    PolicyKind.REFUND: _l("Refund policy"),
    PolicyKind.CANCELLATION: _l("Cancellation policy"),
}

CUSTOM_FIELD_LABELS: dict[CustomFieldKind, LazyString] = {
    CustomFieldKind.TEXT: _l("Text"),
    CustomFieldKind.NUMBER: _l("Number"),
    CustomFieldKind.DROPDOWN: _l("Dropdown"),
}

_CURRENCY_REASONS: dict[PaymentMethod, LazyString] = {
    PaymentMethod.SEPA_DEBIT: _l("Takes only EUR: add EUR to your currencies."),
    PaymentMethod.ACH_DEBIT: _l(
        "Takes only USD and needs a US Stripe account: add USD to your currencies."
    ),
    PaymentMethod.BACS_DEBIT: _l(
        "Takes only GBP and needs a UK Stripe account: add GBP to your currencies."
    ),
}

_COUNTRY_REASONS: dict[PaymentMethod, LazyString] = {
    PaymentMethod.SEPA_DEBIT: _l("Not offered to Stripe accounts in your country."),
    PaymentMethod.ACH_DEBIT: _l("Needs a Stripe account in the United States."),
    PaymentMethod.BACS_DEBIT: _l("Needs a Stripe account in the United Kingdom."),
}


def unavailable_reason(method: PaymentMethod, reason: Unavailable) -> LazyString:
    """Why ``method`` cannot be offered, in words a merchant can act on."""
    if reason is Unavailable.CURRENCY and method in _CURRENCY_REASONS:
        return _CURRENCY_REASONS[method]
    if reason is Unavailable.COUNTRY and method in _COUNTRY_REASONS:
        return _COUNTRY_REASONS[method]
    return _l("Not active on your Stripe account: turn it on in Stripe's dashboard.")


# Stored settings the pricing engine refuses (its ``PricingError``): the forms keep them out,
# but an old database or two panel tabs saving at once can let them in. What the merchant is
# told in the panel, and what buyers read instead of a checkout.
SETTING_REFUSALS: dict[Refusal, LazyString] = {
    Refusal.CONFLICTING_FEES: _l(
        "Two fees apply to one payment method in one currency, and a payment carries one fee "
        "per method, so buyers get a page saying they cannot pay. Remove one of them in "
        "Settings → Fees."
    ),
    Refusal.UNUSABLE_FEE: _l(
        "A fee holds values Kassa cannot charge (a grossed-up fee above half the price, a "
        "percentage above 100 or a negative amount), so buyers get a page saying they cannot "
        "pay. Remove it in Settings → Fees and add it again."
    ),
    Refusal.UNUSABLE_DISCOUNT: _l(
        "A discount code holds values Kassa cannot apply (more than the whole price, or a "
        "negative amount), so it does not work for buyers. Remove it in Settings → Discounts "
        "and add it again."
    ),
    Refusal.UNUSABLE_TAX_RATE: _l(
        "A tax rate holds a percentage above 100, so buyers of what it taxes get a page saying "
        "they cannot pay. Remove it in Settings → Taxes and add it again."
    ),
    Refusal.UNUSABLE_ITEM: _l(
        "A product or a line holds values Kassa cannot price (a negative price, a schedule of "
        "0 periods, both a start date and trial days, or a quantity of 0), so buyers cannot "
        "pay for it. Correct it in Products or in the payment link."
    ),
}

_FEES_UNUSABLE_FOR_BUYERS = _l(
    "The seller's payment fees are set up in a way we cannot charge, so nothing can be paid "
    "here at the moment. Nothing was charged. Please contact the seller."
)
BUYER_SETTING_REFUSALS: dict[Refusal, LazyString] = {
    Refusal.CONFLICTING_FEES: _FEES_UNUSABLE_FOR_BUYERS,
    Refusal.UNUSABLE_FEE: _FEES_UNUSABLE_FOR_BUYERS,
    Refusal.UNUSABLE_DISCOUNT: _l("This code does not work here."),
    Refusal.UNUSABLE_TAX_RATE: _l(
        "A tax rate the seller set up cannot be applied, so nothing can be paid here at the "
        "moment. Nothing was charged. Please contact the seller."
    ),
    Refusal.UNUSABLE_ITEM: _l(
        "An item here is set up in a way we cannot price, so nothing can be paid here at the "
        "moment. Nothing was charged. Please contact the seller."
    ),
}
