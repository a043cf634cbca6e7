"""Forms of the payments' pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField
from wtforms.validators import Optional, Regexp, ValidationError

from app.core.money import Money, is_currency
from app.core.tokens import new_public_id
from app.payments.models import PaymentStatus
from app.payments.queries import EARLIEST_DATE, SEARCH_MAX, Sort
from app.settings.labels import METHOD_LABELS
from app.web.forms import (
    AmountField,
    ChoiceField,
    DateInputField,
    KassaForm,
    max_length,
    plain_text,
    required,
    strip_whitespace,
)

STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Pending"),
    PaymentStatus.PROCESSING: _l("Processing"),
    PaymentStatus.SUCCEEDED: _l("Succeeded"),
    PaymentStatus.FAILED: _l("Failed"),
    PaymentStatus.CANCELED: _l("Canceled"),
    PaymentStatus.PARTIALLY_REFUNDED: _l("Partially refunded"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.DISPUTED: _l("Disputed"),
}
# Payment.document_type of each kind of document buyers pay at the checkout.
DOCUMENT_LABELS = {
    "payment_link": _l("Payment link"),
    "cart": _l("Shop"),
    "invoice": _l("Invoice"),
}
SORT_LABELS = {
    Sort.NEWEST: _l("Newest first"),
    Sort.OLDEST: _l("Oldest first"),
    Sort.LARGEST: _l("Largest amount first"),
    Sort.SMALLEST: _l("Smallest amount first"),
}


def _options(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(str(value), label) for value, label in labels.items()]


def _not_before_kassa(_form: Any, field: DateInputField) -> None:
    if field.data is not None and field.data < EARLIEST_DATE:
        raise ValidationError(_l("Choose a date from 2000 on."))


class PaymentFilterForm(KassaForm):
    """The index's filters: sent with GET, so a filtered list is a link (no CSRF token). What
    it accepts, ``queries.PaymentFilters.from_query`` reads."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        validators=[max_length(SEARCH_MAX), plain_text],
        filters=[strip_whitespace],
        description=_l("Email, name, last four digits, document number or Stripe id."),
        render_kw={"autocomplete": "off"},
    )
    status = ChoiceField(_l("Status"), validate_choice=True, default="")
    method = ChoiceField(_l("Method"), validate_choice=True, default="")
    currency = ChoiceField(_l("Currency"), validate_choice=True, default="")
    document = ChoiceField(_l("Sold through"), validate_choice=True, default="")
    start = DateInputField(_l("From"), validators=[Optional(), _not_before_kassa])
    end = DateInputField(_l("To"), validators=[Optional(), _not_before_kassa])
    sort = ChoiceField(_l("Order"), validate_choice=True, default=Sort.NEWEST.value)
    customer = HiddenField(
        validators=[
            Optional(),
            max_length(18),
            Regexp(r"^[0-9]+$", message=_l("Choose the customer from their page.")),
        ]
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status")), *_options(STATUS_LABELS)]
        self.method.choices = [("", _l("Any method")), *_options(METHOD_LABELS)]
        # The account's currencies, and one it no longer has that a shared address names.
        requested = self.currency.data or ""
        shown = [*currencies, requested] if is_currency(requested) else currencies
        self.currency.choices = [
            ("", _l("Any currency")),
            *((code, code) for code in dict.fromkeys(shown)),
        ]
        self.document.choices = [("", _l("Any document")), *DOCUMENT_LABELS.items()]
        self.sort.choices = [(sort.value, label) for sort, label in SORT_LABELS.items()]

    def validate_end(self, field: DateInputField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("Choose a day on or after the first day."))


REASON_LABELS = {
    "requested_by_customer": _l("The buyer asked for it"),
    "duplicate": _l("The buyer paid twice"),
    "fraudulent": _l("The payment looks fraudulent"),
}


class RefundForm(KassaForm):
    """A refund of a payment, in full or in part. ``request`` is made when the form is shown:
    sent twice, it is one refund."""

    amount = AmountField(
        _l("Amount to refund"),
        validators=[required()],
        currency_field="currency",
        description=_l("At most what is left to refund; several parts may follow."),
    )
    reason = ChoiceField(_l("Reason"), validate_choice=True, default="")
    currency = HiddenField()
    request = HiddenField(
        validators=[required(), max_length(64), Regexp(r"^[A-Za-z0-9_-]+$")],
        default=lambda: new_public_id("rfd"),
    )

    def __init__(self, *args: Any, payment_currency: str, **kwargs: Any) -> None:
        # The currency is the payment's, never what a post says (it is not in the page).
        super().__init__(*args, currency=payment_currency, **kwargs)
        self.currency.data = payment_currency
        self.reason.choices = [("", _l("No reason given")), *REASON_LABELS.items()]

    def refund_amount(self) -> Money:
        """The amount typed, once the form validated (it is required, so it is there)."""
        assert self.amount.money is not None
        return self.amount.money


class ResendReceiptForm(KassaForm):
    """The button that emails the buyer their receipt again (nothing but its CSRF token)."""


class ReplayEventForm(KassaForm):
    """The button that has Kassa read one stored event from Stripe and handle it again."""
