"""Forms of the settings pages."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from app.core.methods import PaymentMethod
from app.core.regions import currency_choices, world_country_choices
from app.merchants.business import ADDRESS_PARTS, BusinessDetails
from app.settings.labels import (
    COLLECT_LABELS,
    CUSTOM_FIELD_LABELS,
    METHOD_LABELS,
    POLICY_LABELS,
)
from app.settings.models import Collect
from app.web.forms import (
    EMAIL_MAX,
    AmountField,
    CheckboxField,
    ChoiceField,
    DateInputField,
    ImageField,
    KassaForm,
    MultipleChoiceField,
    PercentField,
    RadioChoiceField,
    WholeNumberField,
    email_address,
    hex_colour,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
    web_address,
)
from app.web.i18n import locale_name, shipped_locales

NAME_MAX = 80
DISCOUNT_CODE = re.compile(r"[A-Z0-9_-]+")


def discount_code(_form: Any, field: Any) -> None:
    if field.data and not DISCOUNT_CODE.fullmatch(field.data):
        raise ValidationError(_l("Use only letters A to Z, digits, - and _."))


def name_field(label: Any) -> StringField:
    return StringField(
        label,
        validators=[required(), max_length(NAME_MAX), plain_text],
        filters=[strip_whitespace],
    )


def collect_field(label: Any, description: Any = None) -> RadioChoiceField:
    """Off, optional or required (choices are set by the form, see ``CheckoutForm``)."""
    return RadioChoiceField(label, default=Collect.OFF.value, description=description)


def collect_choices() -> list[tuple[str, Any]]:
    return [(c.value, COLLECT_LABELS[c]) for c in Collect]


def method_choices() -> list[tuple[str, Any]]:
    return [(m.value, METHOD_LABELS[m]) for m in PaymentMethod]


class CheckoutForm(KassaForm):
    payment_methods = MultipleChoiceField(_l("Accepted payment methods"))
    billing_address = collect_field(
        _l("Billing address"),
        _l(
            "Bank debits need the billing details Stripe requires: the checkout asks for them "
            "when a buyer pays by bank debit, whatever you choose here."
        ),
    )
    shipping_address = collect_field(_l("Shipping address"))
    phone = collect_field(_l("Phone number"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment_methods.choices = method_choices()
        for question in (self.billing_address, self.shipping_address, self.phone):
            question.choices = collect_choices()


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
    method = ChoiceField(_l("Payment method"), validate_choice=True)
    fixed_currency = ChoiceField(_l("Currency of the fixed amount"), validate_choice=True)
    fixed_amount = AmountField(_l("Fixed amount"), currency_field="fixed_currency")
    percent = PercentField(_l("Percentage"), description=_l("For example 2.5 for 2.5%."))
    gross_up = CheckboxField(
        _l("Gross up"),
        description=_l("Size the fee so that you receive the full price after it."),
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = method_choices()
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


VAT_NUMBER_MAX = 20
VAT_NUMBER = re.compile(r"[A-Z0-9]+")


def vat_number(_form: Any, field: Any) -> None:
    if field.data and not VAT_NUMBER.fullmatch(field.data):
        raise ValidationError(_l("Use only letters A to Z and digits, without spaces or dots."))


def _vat_filter(value: Any) -> Any:
    """ " se 123 456 789 001 " is SE123456789001: people copy the number with its spaces."""
    return "".join(value.split()).upper() if isinstance(value, str) else value


def _business_text(label: Any, limit: int, autocomplete: str = "off", **kwargs: Any) -> StringField:
    return StringField(
        label,
        validators=[max_length(limit), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": autocomplete},
        **kwargs,
    )


class BusinessDetailsForm(KassaForm):
    """The seller's details invoices show. Nothing is required: a merchant who has not filled
    them in can still invoice (the invoice page warns instead)."""

    legal_name = _business_text(
        _l("Legal name (optional)"),
        200,
        "organization",
        description=_l("As registered. Left empty, invoices show your business name."),
    )
    address_line1 = _business_text(_l("Address line 1"), 200, "address-line1")
    address_line2 = _business_text(_l("Address line 2"), 200, "address-line2")
    address_postal_code = _business_text(_l("Postal code"), 20, "postal-code")
    address_city = _business_text(_l("City"), 100, "address-level2")
    address_state = _business_text(_l("State or region"), 100, "address-level1")
    address_country = ChoiceField(_l("Country"), validate_choice=True, default="")
    vat_number = StringField(
        _l("VAT or tax number"),
        description=_l("With its country prefix, for example SE123456789001."),
        validators=[max_length(VAT_NUMBER_MAX), vat_number],
        filters=[_vat_filter],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    company_number = _business_text(_l("Company registration number (optional)"), 40)
    invoice_email = EmailField(
        _l("Contact email on invoices (optional)"),
        validators=[Optional(), max_length(EMAIL_MAX), email_address],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address_country.choices = [
            ("", _l("Choose a country")),
            *world_country_choices(str(get_locale())),
        ]

    def fill(self, details: BusinessDetails, default_country: str) -> None:
        """Show the stored details (only on a form not posted: a post keeps what was typed);
        without a stored address, its country is the account's."""
        self.legal_name.data = details.legal_name
        for part in ADDRESS_PARTS:
            self[f"address_{part}"].data = (details.address or {}).get(part, "")
        if details.address is None:
            self.address_country.data = default_country
        self.vat_number.data = details.vat_number
        self.company_number.data = details.company_number
        self.invoice_email.data = details.invoice_email

    def details(self) -> BusinessDetails:
        return BusinessDetails(
            legal_name=self.legal_name.data or "",
            address={part: self[f"address_{part}"].data or "" for part in ADDRESS_PARTS},
            vat_number=self.vat_number.data or "",
            company_number=self.company_number.data or "",
            invoice_email=self.invoice_email.data or "",
        )


def locale_choices() -> list[tuple[str, str]]:
    return [(code, locale_name(code)) for code in shipped_locales()]


class PolicyForm(KassaForm):
    kind = ChoiceField(_l("Policy"), validate_choice=True)
    locale = ChoiceField(_l("Language"), validate_choice=True)
    url = StringField(
        _l("Link to the policy"),
        description=_l("A page on your own site, starting with https://."),
        validators=[max_length(500), web_address],
        filters=[strip_whitespace],
        render_kw={"inputmode": "url", "spellcheck": "false"},
    )
    text = TextAreaField(
        _l("Text of the policy"),
        description=_l("Or write the policy here; buyers can read it during checkout."),
        validators=[max_length(20000), multiline_text],
        filters=[strip_whitespace],
        render_kw={"rows": 8},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, label) for k, label in POLICY_LABELS.items()]
        self.locale.choices = locale_choices()


class PolicyConsentForm(KassaForm):
    require_policy_consent = CheckboxField(
        _l("Buyers must tick a box to agree to your policies before paying")
    )


CUSTOM_FIELD_OPTIONS_MAX = 2000


class CustomFieldForm(KassaForm):
    """A question for the checkout; one label field per shipped locale is added below."""

    kind = ChoiceField(_l("Type of answer"), validate_choice=True)
    options = TextAreaField(
        _l("Choices"),
        description=_l("Dropdown only: one choice per line."),
        validators=[max_length(CUSTOM_FIELD_OPTIONS_MAX), multiline_text],
        filters=[strip_whitespace],
        render_kw={"rows": 4},
    )
    required = CheckboxField(_l("Buyers must answer"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, label) for k, label in CUSTOM_FIELD_LABELS.items()]

    def labels(self) -> dict[str, str]:
        return {code: self[label_field_name(code)].data or "" for code in shipped_locales()}


def label_field_name(locale: str) -> str:
    return f"label_{locale}"


for _code in shipped_locales():
    setattr(
        CustomFieldForm,
        label_field_name(_code),
        StringField(
            _l("Label (%(language)s)", language=locale_name(_code)),
            validators=[required(), max_length(80), plain_text],
            filters=[strip_whitespace],
        ),
    )


class DiscountForm(KassaForm):
    code = StringField(
        _l("Code"),
        description=_l("What buyers type, for example SPRING25."),
        validators=[required(), max_length(40), discount_code],
        filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    percent = PercentField(_l("Percentage off"))
    currency = ChoiceField(_l("Currency"), validate_choice=True)
    amount = AmountField(_l("Amount off"), currency_field="currency")
    expires_on = DateInputField(
        _l("Valid until"), description=_l("The last day the code works (UTC). Optional.")
    )
    max_redemptions = WholeNumberField(
        _l("Maximum uses"),
        description=_l("Leave empty for no limit."),
        minimum=1,
        maximum=1_000_000,
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = account_currency_choices(currencies)
