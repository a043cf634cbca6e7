"""Forms of the settings pages."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.core.methods import PaymentMethod
from app.core.regions import currency_choices, world_country_choices
from app.settings.labels import COLLECT_LABELS, METHOD_LABELS
from app.settings.models import Collect
from app.web.forms import (
    AmountField,
    CheckboxField,
    ChoiceField,
    ImageField,
    KassaForm,
    MultipleChoiceField,
    PercentField,
    RadioChoiceField,
    hex_colour,
    max_length,
    plain_text,
    required,
    strip_whitespace,
)

NAME_MAX = 80


def name_field(label: Any) -> StringField:
    return StringField(
        label,
        validators=[required(), max_length(NAME_MAX), plain_text],
        filters=[strip_whitespace],
    )


def collect_field(label: Any, description: Any = None) -> RadioChoiceField:
    return RadioChoiceField(
        label,
        choices=[(c.value, COLLECT_LABELS[c]) for c in Collect],
        default=Collect.OFF.value,
        description=description,
    )


def method_choices() -> list[tuple[str, Any]]:
    return [(m.value, METHOD_LABELS[m]) for m in PaymentMethod]


class CheckoutForm(KassaForm):
    payment_methods = MultipleChoiceField(_l("Accepted payment methods"), choices=method_choices())
    save_payment_methods = CheckboxField(
        _l("Let buyers save their payment method for later charges"),
        description=_l("Needed for subscriptions charged after the first payment."),
    )
    billing_address = collect_field(
        _l("Billing address"),
        _l(
            "Bank debits need the billing details Stripe requires: the checkout asks for them "
            "when a buyer pays by bank debit, whatever you choose here."
        ),
    )
    shipping_address = collect_field(_l("Shipping address"))
    phone = collect_field(_l("Phone number"))


class CurrencyForm(KassaForm):
    currency = ChoiceField(_l("Currency"), validators=[required()], validate_choice=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = [("", _l("Choose a currency")), *currency_choices(
            str(get_locale())
        )]  # fmt: skip


def account_currency_choices(currencies: list[str]) -> list[tuple[str, str]]:
    return [(code, code) for code in currencies]


class FeeForm(KassaForm):
    name = name_field(_l("Name"))
    method = ChoiceField(_l("Payment method"), choices=method_choices(), validate_choice=True)
    fixed_currency = ChoiceField(_l("Currency of the fixed amount"), validate_choice=True)
    fixed_amount = AmountField(_l("Fixed amount"), currency_field="fixed_currency")
    percent = PercentField(_l("Percentage"), description=_l("For example 2.5 for 2.5%."))
    gross_up = CheckboxField(
        _l("Gross up"),
        description=_l("Size the fee so that you receive the full price after it."),
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_currency.choices = account_currency_choices(currencies)


class TaxRateForm(KassaForm):
    name = name_field(_l("Name"))
    percent = PercentField(_l("Rate (%)"), validators=[required()])
    inclusive = CheckboxField(
        _l("Included in prices"), description=_l("Leave unticked to add the tax on top.")
    )
    country = ChoiceField(
        _l("Country"),
        description=_l("Apply only to buyers in this country."),
        validate_choice=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [
            ("", _l("All countries")),
            *world_country_choices(str(get_locale())),
        ]


class BrandingForm(KassaForm):
    display_name = StringField(
        _l("Display name"),
        description=_l("The name buyers see on your checkout pages."),
        validators=[required(), max_length(120), plain_text],
        filters=[strip_whitespace],
    )
    logo = ImageField(_l("Logo"), description=_l("PNG, JPEG or WebP, at most 1 MB."))
    remove_logo = CheckboxField(_l("Remove the current logo"))
    accent_color = StringField(
        _l("Accent colour"),
        description=_l("Buttons and links on your checkout pages, as #rrggbb."),
        validators=[required(), max_length(7), hex_colour],
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
