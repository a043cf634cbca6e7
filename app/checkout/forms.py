"""Forms of the buyer checkout. They carry choices only; amounts are priced on the server."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.core.methods import PaymentMethod
from app.core.regions import world_country_choices
from app.links.forms import quantity_field
from app.settings.labels import METHOD_LABELS
from app.web.forms import (
    CheckboxField,
    ChoiceField,
    KassaForm,
    RadioChoiceField,
    email_field,
    max_length,
    plain_text,
    strip_whitespace,
)


def text_field(label: Any, limit: int = 200, autocomplete: str = "") -> StringField:
    return StringField(
        label,
        validators=[max_length(limit), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": autocomplete} if autocomplete else None,
    )


def country_choices(empty_label: Any) -> list[tuple[str, Any]]:
    return [("", empty_label), *world_country_choices(str(get_locale()))]


class QuantityForm(KassaForm):
    line = ChoiceField(_l("Item"), validate_choice=True)
    quantity = quantity_field(_l("Quantity"))

    def __init__(self, *args: Any, line_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line.choices = [(str(line_id), str(line_id)) for line_id in line_ids]


class DiscountCodeForm(KassaForm):
    code = StringField(
        _l("Discount code"),
        validators=[max_length(40), plain_text],
        filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class MethodForm(KassaForm):
    method = RadioChoiceField(_l("Payment method"))

    def __init__(self, *args: Any, methods: list[PaymentMethod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = [(m.value, METHOD_LABELS[m]) for m in methods]


class CountryForm(KassaForm):
    country = ChoiceField(_l("Your country"), validate_choice=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(_l("Choose your country"))


ADDRESS_PARTS = ("line1", "postal_code", "city", "country")


class BuyerForm(KassaForm):
    """Contact, phone and addresses; the service decides which of them are required."""

    email = email_field(_l("Email"))
    name = text_field(_l("Full name"), autocomplete="name")
    phone = text_field(_l("Phone number"), 40, "tel")
    billing_line1 = text_field(_l("Billing address"), autocomplete="billing address-line1")
    billing_postal_code = text_field(_l("Postal code"), 20, "billing postal-code")
    billing_city = text_field(_l("City"), 100, "billing address-level2")
    billing_country = ChoiceField(_l("Country"), validate_choice=True, default="")
    shipping_line1 = text_field(_l("Shipping address"), autocomplete="shipping address-line1")
    shipping_postal_code = text_field(_l("Postal code"), 20, "shipping postal-code")
    shipping_city = text_field(_l("City"), 100, "shipping address-level2")
    shipping_country = ChoiceField(_l("Country"), validate_choice=True, default="")
    consent = CheckboxField(_l("I agree to the policies"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in (self.billing_country, self.shipping_country):
            question.choices = country_choices(_l("Choose a country"))

    def address(self, prefix: str) -> dict[str, str] | None:
        """The address typed under ``prefix`` (billing or shipping); None when incomplete."""
        parts = {part: (self[f"{prefix}_{part}"].data or "") for part in ADDRESS_PARTS}
        return parts if all(parts.values()) else None
