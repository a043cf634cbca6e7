"""The words the panel (and later the checkout) shows for settings values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.methods import PaymentMethod, Unavailable
from app.settings.models import Collect, CustomFieldKind, PolicyKind

METHOD_LABELS: dict[PaymentMethod, LazyString] = {
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.SEPA_DEBIT: _l("SEPA Direct Debit"),
    PaymentMethod.ACH_DEBIT: _l("ACH Direct Debit"),
    PaymentMethod.BACS_DEBIT: _l("Bacs Direct Debit"),
}

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
