"""Forms of the invoice pages: the editor (its lines are sub-forms, added and removed in
place), a manual payment, voiding, and the invoice settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.catalog.models import Product
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.customers.models import Customer
from app.documents.numbering import MAX_PADDING
from app.invoices.labels import MANUAL_METHOD_LABELS, TERMS_LABELS
from app.invoices.models import ManualMethod, PaymentTerms
from app.invoices.service import MAX_DESCRIPTION, MAX_LINES, MAX_QUANTITY, MAX_TEXT, LineInput
from app.settings.forms import account_currency_choices
from app.settings.labels import METHOD_LABELS
from app.settings.models import TaxRate
from app.web.forms import (
    AmountField,
    CheckboxField,
    ChoiceField,
    DateInputField,
    KassaForm,
    MultipleChoiceField,
    PercentField,
    WholeNumberField,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
)
from app.web.i18n import locale_name, shipped_locales


def _percent(field: PercentField) -> Decimal | None:
    return Decimal(field.basis_points) / 100 if field.basis_points else None


class InvoiceLineForm(Form):
    """One line: a product (at its price in the invoice's currency unless an amount is typed)
    or a description and an amount.

    A part of ``InvoiceForm`` (its ``lines``, a FormField): a plain WTForms form, as FormField
    wants, since the invoice form (a KassaForm) carries the CSRF token and the service's
    refusals for all its lines."""

    currency = HiddenField()  # the invoice's, set by the invoice form (never the posted one)
    product = ChoiceField(_l("Product"), validate_choice=True, default="")
    description = StringField(
        _l("Description"),
        validators=[max_length(MAX_DESCRIPTION), plain_text],
        filters=[strip_whitespace],
    )
    quantity = WholeNumberField(
        _l("Quantity"), [required()], minimum=1, maximum=MAX_QUANTITY, default="1"
    )
    unit_amount = AmountField(
        _l("Unit price"),
        currency_field="currency",
        description=_l("Left empty for a product: its price in the invoice's currency."),
    )
    discount_percent = PercentField(_l("Discount %"))
    tax_rates = MultipleChoiceField(_l("Taxes"))


class InvoiceForm(KassaForm):
    customer = ChoiceField(_l("Customer"), validators=[required()], validate_choice=True)
    currency = ChoiceField(_l("Currency"), validators=[required()], validate_choice=True)
    locale = ChoiceField(
        _l("Language"),
        description=_l("The language the customer reads the invoice and its emails in."),
        validators=[required()],
        validate_choice=True,
    )
    lines = FieldList(FormField(InvoiceLineForm), min_entries=1, max_entries=MAX_LINES)
    discount_percent = PercentField(_l("Invoice discount %"))
    discount_amount = AmountField(_l("Invoice discount amount"), currency_field="currency")
    terms = ChoiceField(
        _l("Payment terms"),
        choices=[(terms.value, label) for terms, label in TERMS_LABELS.items()],
        validators=[required()],
        validate_choice=True,
    )
    due_date = DateInputField(_l("Due date"), description=_l("For terms on a chosen date."))
    # The language the memo and footer were last filled in for (see ``texts_in_language``).
    texts_locale = HiddenField()
    memo = TextAreaField(
        _l("Memo"),
        description=_l("Shown above the lines."),
        validators=[max_length(MAX_TEXT), multiline_text],
    )
    footer = TextAreaField(
        _l("Footer"),
        description=_l("Shown at the bottom: payment details, registration numbers."),
        validators=[max_length(MAX_TEXT), multiline_text],
    )
    payment_methods = MultipleChoiceField(
        _l("Payment methods"),
        description=_l("None chosen: every method your checkout accepts."),
    )
    allow_partial = CheckboxField(_l("The customer may pay in parts"))
    minimum_part = AmountField(
        _l("Smallest part"),
        currency_field="currency",
        description=_l("Left empty: any amount the currency allows."),
    )

    def __init__(
        self,
        *args: Any,
        customers: list[Customer],
        currencies: list[str],
        products: list[Product],
        tax_rates: list[TaxRate],
        methods: list[PaymentMethod],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.products = {product.id: product for product in products}
        self.customer.choices = [("", _l("Choose a customer")), *(
            (str(c.id), c.display_name) for c in customers
        )]  # fmt: skip
        self.currency.choices = account_currency_choices(currencies)
        self.locale.choices = [(code, locale_name(code)) for code in shipped_locales()]
        self.payment_methods.choices = [(m.value, METHOD_LABELS[m]) for m in methods]
        self.rate_choices = [(str(rate.id), rate.name) for rate in tax_rates]
        self.prepare_lines()

    def prepare_lines(self) -> None:
        """Give every line (new ones too) its choices and the invoice's currency."""
        product_choices = [("", _l("No product: describe the line")), *(
            (str(p.id), p.name) for p in self.products.values()
        )]  # fmt: skip
        for entry in self.lines:
            entry.form.product.choices = product_choices
            entry.form.tax_rates.choices = self.rate_choices
            entry.form.currency.data = self.currency.data

    def add_line(self) -> None:
        if len(self.lines) < MAX_LINES:
            self.lines.append_entry()
            self.prepare_lines()

    def remove_line(self, index: int) -> None:
        """Drop the line at ``index`` (the ones after it move up); the last one stays."""
        kept = [entry.data for n, entry in enumerate(self.lines) if n != index]
        if not kept or len(kept) == len(self.lines):
            return
        while len(self.lines):
            self.lines.pop_entry()
        for data in kept:
            self.lines.append_entry(data)
        self.prepare_lines()

    def line_inputs(self) -> list[LineInput]:
        """The validated lines for the service; a product line without a typed amount takes the
        product's price in the invoice's currency (refused when it has none)."""
        lines = []
        for entry in self.lines:
            line = entry.form
            product = self.products.get(int(line.product.data)) if line.product.data else None
            amount = line.unit_amount.money
            if amount is None and product is not None:
                amount = product.price_in(self.currency.data or "")
                if amount is None:
                    raise ServiceError(
                        _l("%(product)s has no price in this currency: type one.",
                           product=product.name), "lines",
                    )  # fmt: skip
            if amount is None:
                raise ServiceError(_l("Enter each line's unit price."), "lines")
            lines.append(
                LineInput(
                    description=line.description.data or (product.name if product else ""),
                    quantity=line.quantity.value or 1,
                    unit_amount=amount.amount,
                    product_id=product.id if product else None,
                    discount_percent=_percent(line.discount_percent),
                    tax_rate_ids=tuple(int(rate) for rate in line.tax_rates.data or ()),
                )
            )
        return lines

    def invoice_fields(self) -> dict[str, Any]:
        """The editor's other fields as the service's keyword arguments."""
        return {
            "locale": self.locale.data,
            "terms": PaymentTerms(self.terms.data),
            "due_date": self.due_date.data,
            "memo": self.memo.data or "",
            "footer": self.footer.data or "",
            "payment_methods": list(self.payment_methods.data or []) or None,
            "allow_partial": bool(self.allow_partial.data),
            "minimum_part": self.minimum_part.money.amount if self.minimum_part.money else None,
            "discount_percent": _percent(self.discount_percent),
            "discount_amount": (
                self.discount_amount.money.amount if self.discount_amount.money else None
            ),
        }


class ManualPaymentForm(KassaForm):
    currency = HiddenField()  # the invoice's, set by the route (never the posted one)
    amount = AmountField(_l("Amount"), [required()], currency_field="currency")
    paid_on = DateInputField(_l("Paid on"), [required()])
    method = ChoiceField(
        _l("Method"),
        choices=[(method.value, label) for method, label in MANUAL_METHOD_LABELS.items()],
        validators=[required()],
        validate_choice=True,
    )
    reference = StringField(
        _l("Reference"),
        description=_l("The bank's reference, a receipt number."),
        validators=[max_length(120), plain_text],
        filters=[strip_whitespace],
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.data = currency

    @property
    def method_value(self) -> ManualMethod:
        return ManualMethod(self.method.data)


class VoidForm(KassaForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Printed on the credit note when the invoice was sent."),
        validators=[max_length(MAX_TEXT), multiline_text],
    )


class InvoiceSettingsForm(KassaForm):
    invoice_pattern = StringField(
        _l("Invoice number prefix"),
        description=_l("{YYYY} is the year: the numbers start at 1 again each year."),
        validators=[required(), max_length(30), plain_text],
        filters=[strip_whitespace],
    )
    invoice_padding = WholeNumberField(
        _l("Invoice number digits"), [required()], minimum=1, maximum=MAX_PADDING
    )
    credit_note_pattern = StringField(
        _l("Credit note number prefix"),
        validators=[required(), max_length(30), plain_text],
        filters=[strip_whitespace],
    )
    credit_note_padding = WholeNumberField(
        _l("Credit note number digits"), [required()], minimum=1, maximum=MAX_PADDING
    )
    terms = ChoiceField(
        _l("Default payment terms"),
        choices=[
            (terms.value, label)
            for terms, label in TERMS_LABELS.items()
            if terms is not PaymentTerms.CUSTOM
        ],
        validators=[required()],
        validate_choice=True,
    )
    reminder_days = StringField(
        _l("Reminders"),
        description=_l(
            "Days from the due date, separated by commas: -3 is three days before, 0 the day, "
            "7 a week after. Empty: no reminders."
        ),
        validators=[max_length(60), plain_text],
        filters=[strip_whitespace],
    )

    def validate_reminder_days(self, field: StringField) -> None:
        try:
            self.reminders = parse_reminder_days(field.data or "")
        except ValueError as error:
            raise ValidationError(
                _l("Enter whole numbers of days from -60 to 365, separated by commas.")
            ) from error

    reminders: list[int]

    def texts(self, kind: str) -> dict[str, str]:
        """The memo or footer typed for each shipped language, by locale."""
        return {code: self[f"{kind}_{code}"].data or "" for code in shipped_locales()}


def parse_reminder_days(text: str) -> list[int]:
    """ "-3, 0, 7" as [-3, 0, 7] (sorted, each once); ValueError for anything else."""
    days = {int(part) for part in text.replace(";", ",").split(",") if part.strip()}
    if len(days) > 10 or any(not -60 <= day <= 365 for day in days):
        raise ValueError(text)
    return sorted(days)


for _code in shipped_locales():  # a memo and a footer per shipped language
    setattr(
        InvoiceSettingsForm,
        f"memo_{_code}",
        TextAreaField(
            _l("Memo (%(language)s)", language=locale_name(_code)),
            validators=[max_length(MAX_TEXT), multiline_text],
        ),
    )
    setattr(
        InvoiceSettingsForm,
        f"footer_{_code}",
        TextAreaField(
            _l("Footer (%(language)s)", language=locale_name(_code)),
            validators=[max_length(MAX_TEXT), multiline_text],
        ),
    )
