"""Forms of the customers' pages."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SearchField, StringField, TextAreaField
from wtforms.validators import Optional

from app.core.regions import world_country_choices
from app.customers.service import ADDRESS_PARTS, CustomerDetails
from app.web.forms import (
    EMAIL_MAX,
    CheckboxField,
    ChoiceField,
    KassaForm,
    email_address,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
)
from app.web.i18n import locale_name, shipped_locales

NOTES_MAX = 5000
SEARCH_MAX = 100


def text_field(label: Any, limit: int, autocomplete: str = "", **kwargs: Any) -> StringField:
    render_kw = {"autocomplete": autocomplete} if autocomplete else {}
    return StringField(
        label,
        validators=[max_length(limit), plain_text],
        filters=[strip_whitespace],
        render_kw=render_kw,
        **kwargs,
    )


ADDRESS_LIMITS = {"line1": 200, "line2": 200, "city": 100, "postal_code": 20, "state": 100}
ADDRESS_LABELS = {
    "line1": _l("Address line 1"),
    "line2": _l("Address line 2"),
    "city": _l("City"),
    "postal_code": _l("Postal code"),
    "state": _l("State or region"),
    "country": _l("Country"),
}
AUTOCOMPLETE = {
    "line1": "address-line1",
    "line2": "address-line2",
    "city": "address-level2",
    "postal_code": "postal-code",
    "state": "address-level1",
    "country": "country",
}


class CustomerForm(KassaForm):
    """A customer's details. Only the name is required: a customer may be a company, and a
    merchant may keep one without an email address."""

    name = StringField(
        _l("Name"),
        validators=[required(), max_length(200), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("Email (optional)"),
        validators=[Optional(), max_length(EMAIL_MAX), email_address],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    company = text_field(_l("Company (optional)"), 200, "off")
    tax_id = text_field(
        _l("Tax ID (optional)"), 40, "off", description=_l("For example a VAT number.")
    )
    phone = text_field(_l("Phone number (optional)"), 40, "off")
    locale = ChoiceField(_l("Language"), [required()], validate_choice=True)
    currency = ChoiceField(_l("Currency"), [required()], validate_choice=True)
    notes = TextAreaField(
        _l("Notes (optional)"),
        validators=[max_length(NOTES_MAX), multiline_text],
        filters=[strip_whitespace],
        description=_l("Only your team sees them."),
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [(code, locale_name(code)) for code in shipped_locales()]
        self.currency.choices = [(code, code) for code in currencies]
        countries = [("", _l("Choose a country")), *world_country_choices(str(get_locale()))]
        for prefix in ("billing", "shipping"):
            self[f"{prefix}_country"].choices = countries

    def address(self, prefix: str) -> dict[str, str]:
        return {part: self[f"{prefix}_{part}"].data or "" for part in ADDRESS_PARTS}

    def details(self) -> CustomerDetails:
        return CustomerDetails(
            name=self.name.data or "",
            email=self.email.data or "",
            company=self.company.data or "",
            tax_id=self.tax_id.data or "",
            phone=self.phone.data or "",
            billing_address=self.address("billing"),
            shipping_address=self.address("shipping"),
            locale=self.locale.data or "",
            currency=self.currency.data or None,
            notes=self.notes.data or "",
        )

    def fill_addresses(
        self, billing: dict[str, str] | None, shipping: dict[str, str] | None
    ) -> None:
        """Show the stored addresses (only on a form not posted: a post keeps what was typed)."""
        for prefix, stored in (("billing", billing), ("shipping", shipping)):
            for part in ADDRESS_PARTS:
                self[f"{prefix}_{part}"].data = (stored or {}).get(part, "")


def address_field(prefix: str, part: str) -> Any:
    """One part of an address (``ADDRESS_PARTS``) as a form field named ``<prefix>_<part>``:
    the customer's two addresses, and a subscription's billing address."""
    if part == "country":
        return ChoiceField(ADDRESS_LABELS[part], validate_choice=True, default="")
    autocomplete = f"{prefix} {AUTOCOMPLETE[part]}"
    return text_field(ADDRESS_LABELS[part], ADDRESS_LIMITS[part], autocomplete)


# billing_line1 ... shipping_country: the same six parts twice, as the checkout's address.
for _prefix in ("billing", "shipping"):
    for _part in ADDRESS_PARTS:
        setattr(CustomerForm, f"{_prefix}_{_part}", address_field(_prefix, _part))


class SearchForm(KassaForm):
    """The list's search box: sent with GET, so a search is a link (no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search customers"),
        validators=[max_length(SEARCH_MAX), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "off"},
    )


class EraseForm(KassaForm):
    confirm = CheckboxField(
        _l("I understand that this cannot be undone"),
        validators=[required(_l("Tick the box to confirm the erasure."))],
    )
