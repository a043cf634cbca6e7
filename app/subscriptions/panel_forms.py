"""The forms of the merchant's subscription pages: the list's filters, pause and cancel."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SearchField, TextAreaField

from app.core.regions import world_country_choices
from app.customers.forms import address_field
from app.customers.service import ADDRESS_PARTS
from app.subscriptions.labels import STATUS_LABELS
from app.subscriptions.listing import SEARCH_MAX
from app.web.forms import (
    CheckboxField,
    ChoiceField,
    DateInputField,
    KassaForm,
    RadioChoiceField,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
)

CANCEL_REASON_MAX = 2000


class SubscriptionFilterForm(KassaForm):
    """The list's filters: sent with GET, so a filtered list is a link (no CSRF token)."""

    class Meta:
        csrf = False

    status = ChoiceField(_l("Status"), validate_choice=True, default="")
    q = SearchField(
        _l("Search by customer"),
        validators=[max_length(SEARCH_MAX), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "off"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status")), *STATUS_LABELS.items()]


class PauseForm(KassaForm):
    until = DateInputField(
        _l("Pause until"),
        description=_l("Leave it empty to pause until you resume it. No charge is made meanwhile."),
    )


class ActionForm(KassaForm):
    """A one-button action (resume, email the portal link): only its CSRF token."""


class CancelForm(KassaForm):
    when = RadioChoiceField(
        _l("When"),
        choices=[
            ("period_end", _l("At the end of the period paid for")),
            ("now", _l("Now: nothing more is charged")),
        ],
        default="period_end",
        validators=[required()],
    )
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[max_length(CANCEL_REASON_MAX), multiline_text],
        filters=[strip_whitespace],
    )


class BillingAddressForm(KassaForm):
    """The address the subscription's invoices are made out to (billing_line1 ...)."""

    override = CheckboxField(
        _l("Change it even though the next charge is less than 2 days away"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = [("", _l("Choose a country")), *world_country_choices(str(get_locale()))]
        self.billing_country.choices = countries

    def address(self) -> dict[str, str]:
        return {part: self[f"billing_{part}"].data or "" for part in ADDRESS_PARTS}

    def fill(self, stored: dict[str, str] | None) -> None:
        """Show the stored address (only on a form not posted: a post keeps what was typed)."""
        for part in ADDRESS_PARTS:
            self[f"billing_{part}"].data = (stored or {}).get(part, "")


for _part in ADDRESS_PARTS:
    setattr(BillingAddressForm, f"billing_{_part}", address_field("billing", _part))
