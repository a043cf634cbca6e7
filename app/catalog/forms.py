"""Forms of the product library."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from app.catalog.models import BillingInterval
from app.settings.forms import account_currency_choices
from app.settings.models import TaxRate
from app.web.forms import (
    AmountField,
    CheckboxField,
    ChoiceField,
    DateInputField,
    ImageField,
    KassaForm,
    WholeNumberField,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
)

INTERVAL_LABELS = {
    BillingInterval.WEEK: _l("Every week"),
    BillingInterval.MONTH: _l("Every month"),
    BillingInterval.QUARTER: _l("Every quarter"),
    BillingInterval.YEAR: _l("Every year"),
}


class PriceForm(KassaForm):
    currency = ChoiceField(_l("Currency"), validators=[required()], validate_choice=True)
    amount = AmountField(_l("Price"), [required()], currency_field="currency")

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = account_currency_choices(currencies)


class ProductForm(KassaForm):
    name = StringField(
        _l("Name"), validators=[required(), max_length(120), plain_text], filters=[strip_whitespace]
    )
    description = TextAreaField(
        _l("Description"), validators=[max_length(2000), multiline_text], filters=[strip_whitespace]
    )
    sku = StringField(
        _l("SKU"),
        description=_l("Your own stock code, if you use one."),
        validators=[max_length(64), plain_text],
        filters=[strip_whitespace],
    )
    image = ImageField(_l("Image"), description=_l("PNG, JPEG or WebP, at most 1 MB."))
    remove_image = CheckboxField(_l("Remove the current image"))
    interval = ChoiceField(_l("Billing"), validate_choice=True)
    interval_count = WholeNumberField(
        _l("Charge every how many periods"), [required()], minimum=1, maximum=12, default="1"
    )
    first_charge_on = DateInputField(
        _l("First charge on"),
        description=_l("Recurring only: leave empty to charge at checkout."),
        validators=[],
    )
    trial_days = WholeNumberField(
        _l("Trial days"),
        description=_l("Recurring only: the first charge waits this many days."),
        minimum=1,
        maximum=730,
    )
    tax_rate = ChoiceField(_l("Tax rate"), validate_choice=True)

    def __init__(self, *args: Any, tax_rates: list[TaxRate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interval.choices = [
            ("", _l("One-time")),
            *((i.value, label) for i, label in INTERVAL_LABELS.items()),
        ]
        self.tax_rate.choices = [
            ("", _l("No tax")),
            *((str(rate.id), rate.name) for rate in tax_rates),
        ]


class NewProductForm(ProductForm):
    """A product and its first price."""

    currency = ChoiceField(_l("Currency"), validators=[required()], validate_choice=True)
    amount = AmountField(_l("Price"), [required()], currency_field="currency")

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = account_currency_choices(currencies)
