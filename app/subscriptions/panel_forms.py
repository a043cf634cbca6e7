"""The forms of the merchant's subscription pages: the list's filters, pause and cancel, and
the edits (billing address, contact, lines, next charge date)."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField, StringField, TextAreaField

from app.core.regions import world_country_choices
from app.customers.forms import address_field
from app.customers.service import ADDRESS_PARTS
from app.subscriptions.changes import MAX_QUANTITY
from app.subscriptions.labels import STATUS_LABELS
from app.subscriptions.listing import SEARCH_MAX
from app.web.forms import (
    CheckboxField,
    ChoiceField,
    DateInputField,
    KassaForm,
    RadioChoiceField,
    WholeNumberField,
    email_field,
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


CONTACT_NAME_MAX = 200
OVERRIDE_LABEL = _l("Change it even though the next charge is less than 2 days away")


class EditRules:
    """What every edit of a subscription's lines carries: the override of the 2-day rule and
    the change counter the page showed (``version``: two tabs posting one change make it
    once; the service refuses a stale or unreadable one in words)."""

    override = CheckboxField(OVERRIDE_LABEL)
    version = HiddenField()
    timing = RadioChoiceField(
        _l("From when"),
        choices=[
            ("next_period", _l("From the next period: nothing is charged or credited now")),
            (
                "prorate",
                _l(
                    "From today, prorated: the difference for the days left of this period is "
                    "charged now, or credited on the next invoice"
                ),
            ),
        ],
        default="next_period",
        validators=[required()],
    )

    def seen_change(self) -> int:
        """The change counter the page showed (-1 when unreadable: refused as stale)."""
        text = str(self.version.data or "")
        return int(text) if text.isdigit() and len(text) < 10 else -1

    @property
    def prorated(self) -> bool:
        return bool(self.timing.data == "prorate")


def _quantity_field() -> WholeNumberField:
    return WholeNumberField(
        _l("Quantity"), [required()], minimum=1, maximum=MAX_QUANTITY, default="1"
    )


class LineQuantityForm(EditRules, KassaForm):
    """A line's new quantity (the line chosen among the subscription's)."""

    line = ChoiceField(_l("Line"), validate_choice=True)
    quantity = _quantity_field()


class RemoveLineForm(EditRules, KassaForm):
    line = ChoiceField(_l("Line to remove"), validate_choice=True)


class AddLineForm(EditRules, KassaForm):
    """A line added from the merchant's products on the subscription's schedule and currency."""

    product = ChoiceField(
        _l("Product"), [required(_l("Choose a product."))], validate_choice=True, default=""
    )
    quantity = _quantity_field()


class NextChargeForm(KassaForm):
    on = DateInputField(
        _l("Next charge on"),
        validators=[required()],
        description=_l("The periods after it follow from that day."),
    )
    override = CheckboxField(OVERRIDE_LABEL)


class ContactForm(KassaForm):
    """The customer's name and email (their customer record)."""

    name = StringField(
        _l("Name"),
        validators=[max_length(CONTACT_NAME_MAX), plain_text],
        filters=[strip_whitespace],
        render_kw={"autocomplete": "name"},
    )
    email = email_field(_l("Email"))
    override = CheckboxField(OVERRIDE_LABEL)


class BillingAddressForm(KassaForm):
    """The address the subscription's invoices are made out to (billing_line1 ...)."""

    override = CheckboxField(OVERRIDE_LABEL)

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
