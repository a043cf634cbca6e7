"""Forms of the payment link editor."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from app.catalog.models import Product
from app.core.methods import PaymentMethod
from app.links.service import MAX_QUANTITY
from app.settings.forms import account_currency_choices, collect_choices
from app.settings.labels import METHOD_LABELS
from app.web.forms import (
    AmountField,
    CheckboxField,
    ChoiceField,
    DateInputField,
    KassaForm,
    MultipleChoiceField,
    WholeNumberField,
    max_length,
    multiline_text,
    plain_text,
    redirect_address,
    required,
    strip_whitespace,
)

FOLLOW_SETTINGS = ""  # the value of "as in my checkout settings" in the collect questions


def quantity_field(label: Any, description: Any = None) -> WholeNumberField:
    return WholeNumberField(
        label, [required()], minimum=1, maximum=MAX_QUANTITY, default="1", description=description
    )


class LineForm(KassaForm):
    """A line: a product of the library, or a description and an amount."""

    currency = ChoiceField(_l("Currency"), validators=[required()], validate_choice=True)
    product = ChoiceField(_l("Product"), validate_choice=True)
    description = StringField(
        _l("Description"),
        description=_l("For a line that is not a product: what the buyer pays for."),
        validators=[max_length(200), plain_text],
        filters=[strip_whitespace],
    )
    amount = AmountField(_l("Amount"), currency_field="currency")
    quantity = quantity_field(_l("Quantity"))
    adjustable_quantity = CheckboxField(_l("The buyer may change the quantity"))
    min_quantity = quantity_field(_l("Smallest quantity"))
    max_quantity = quantity_field(_l("Largest quantity"))
    optional = CheckboxField(
        _l("Optional: the buyer may add it"),
        description=_l("Left out of the order, and not charged, unless the buyer adds it."),
    )

    def __init__(
        self, *args: Any, currencies: list[str], products: list[Product], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = account_currency_choices(currencies)
        self.product.choices = [
            ("", _l("No product: describe the line")),
            *((str(product.id), product.name) for product in products),
        ]


class LinkForm(KassaForm):
    name = StringField(
        _l("Name"),
        description=_l("Shown to buyers as the page's title."),
        validators=[required(), max_length(120), plain_text],
        filters=[strip_whitespace],
    )
    methods = MultipleChoiceField(
        _l("Payment methods"),
        description=_l("Leave all unticked to offer the methods of your checkout settings."),
    )
    billing_address = ChoiceField(_l("Billing address"), validate_choice=True)
    shipping_address = ChoiceField(_l("Shipping address"), validate_choice=True)
    phone = ChoiceField(_l("Phone number"), validate_choice=True)
    message = TextAreaField(
        _l("Message to buyers"),
        validators=[max_length(2000), multiline_text],
        filters=[strip_whitespace],
    )
    redirect_url = StringField(
        _l("Address to send buyers to after paying"),
        description=_l("Optional: by default they see Kassa's receipt page."),
        validators=[max_length(2000), redirect_address],
        filters=[strip_whitespace],
    )
    payment_limit = WholeNumberField(
        _l("Stop after this many payments"),
        description=_l("Leave empty for no limit."),
        minimum=1,
        maximum=1_000_000,
    )
    last_day = DateInputField(
        _l("Valid until"), description=_l("The last day the link works (UTC). Optional.")
    )

    def __init__(self, *args: Any, methods: list[PaymentMethod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.methods.choices = [(m.value, METHOD_LABELS[m]) for m in methods]
        for question in (self.billing_address, self.shipping_address, self.phone):
            question.choices = [
                (FOLLOW_SETTINGS, _l("As in my checkout settings")),
                *collect_choices(),
            ]


class NewLinkForm(LinkForm, LineForm):
    """A link and its first line."""
