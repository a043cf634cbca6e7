"""Forms of the buyer checkout. They carry choices only; amounts are priced on the server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired

from app.checkout.models import ADDRESS_PARTS, answer_field_name
from app.core.methods import PaymentMethod
from app.core.regions import world_country_choices
from app.settings.labels import METHOD_LABELS
from app.settings.models import CustomField, CustomFieldKind
from app.web.forms import (
    CheckboxField,
    ChoiceField,
    KassaForm,
    NumberTextField,
    RadioChoiceField,
    WholeNumberField,
    email_field,
    max_length,
    plain_text,
    required,
    strip_whitespace,
)

# The largest quantity the quantity form takes; each line's own limits are the service's.
MAX_QUANTITY = 999


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
    quantity = WholeNumberField(
        _l("Quantity"), [required()], minimum=1, maximum=MAX_QUANTITY, default="1"
    )

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


ANSWER_TEXT_MAX = 500


def answer_field(question: CustomField) -> UnboundField:
    """The input for one of the merchant's questions, labelled in the buyer's language."""
    label = question.label_in(str(get_locale()))
    if not question.required:
        label = f"{label} {_('(optional)')}"
    answered = [DataRequired(_l("This field is required."))] if question.required else []
    if question.kind is CustomFieldKind.NUMBER:
        return NumberTextField(label, answered)
    if question.kind is CustomFieldKind.DROPDOWN:  # its choices are set on the bound field
        return ChoiceField(label, answered, validate_choice=True, default="")
    return StringField(
        label,
        [*answered, max_length(ANSWER_TEXT_MAX), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "off"},
    )


class BuyerForm(KassaForm):
    """Contact, phone, addresses and the merchant's questions (custom fields); the service
    decides which of the first three are required, a question says so itself."""

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

    _unbound_fields: list[tuple[str, UnboundField]]  # the declared fields (WTForms' FormMeta)

    def __init__(
        self, *args: Any, custom_fields: Sequence[CustomField] = (), **kwargs: Any
    ) -> None:
        # WTForms builds a form's fields from ``_unbound_fields``; a list on the instance adds
        # this merchant's questions to this form only (a subclass per merchant would outlive
        # the request and join every list of KassaForm subclasses).
        self._unbound_fields = [
            *self._unbound_fields,
            *((answer_field_name(q.id), answer_field(q)) for q in custom_fields),
        ]
        self.custom_fields = list(custom_fields)
        super().__init__(*args, **kwargs)
        for question in (self.billing_country, self.shipping_country):
            question.choices = country_choices(_l("Choose a country"))
        for custom_field, answer in zip(custom_fields, self.answer_fields(), strict=True):
            if custom_field.kind is CustomFieldKind.DROPDOWN:
                answer.choices = [
                    ("", _l("Choose an answer")),
                    *((o, o) for o in custom_field.options),
                ]

    def answer_fields(self) -> list[Field]:
        return [self[answer_field_name(q.id)] for q in self.custom_fields]

    def answers(self) -> dict[str, str]:
        """Question id -> the answer, once validated (a number as a plain decimal string)."""
        answers = {}
        for question, answer in zip(self.custom_fields, self.answer_fields(), strict=True):
            if isinstance(answer, NumberTextField):
                value = "" if answer.number is None else format(answer.number, "f")
            else:
                value = answer.data or ""
            if value:
                answers[str(question.id)] = value
        return answers

    def address(self, prefix: str) -> dict[str, str] | None:
        """The parts typed under ``prefix`` (billing or shipping), None when all are empty; the
        service says which part a started address still lacks."""
        parts = {part: (self[f"{prefix}_{part}"].data or "").strip() for part in ADDRESS_PARTS}
        return parts if any(parts.values()) else None
