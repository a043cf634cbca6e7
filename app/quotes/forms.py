"""Forms of the quote pages: the editor (lines as sub-forms added and removed in place, as the
invoice editor's; the schedule's parts as a few fixed rows), canceling, and the buyer's
acceptance and decline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField

from app.catalog.models import Product
from app.core import pricing
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.core.numbers import whole_number
from app.customers.models import Customer
from app.merchants.models import User
from app.quotes.labels import ACCEPTANCE_LABELS, INTERVAL_LABELS, PAYMENT_MODE_LABELS
from app.quotes.models import AcceptanceMode, PaymentMode
from app.quotes.pricing import PartSpec
from app.quotes.service import (
    MAX_DESCRIPTION,
    MAX_LINES,
    MAX_NAME,
    MAX_QUANTITY,
    MAX_TEXT,
    LineInput,
)
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
    RadioChoiceField,
    WholeNumberField,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
)
from app.web.i18n import locale_name, shipped_locales

SCHEDULE_ROWS = 4  # the parts a schedule is typed in; empty rows are left out


def _percent(field: PercentField) -> Decimal | None:
    return Decimal(field.basis_points) / 100 if field.basis_points else None


class QuoteLineForm(Form):
    """One line (a part of ``QuoteForm``: a plain form, as FormField wants; the quote form
    carries the CSRF token and the service's refusals)."""

    currency = HiddenField()  # the quote's, set by the quote form (never the posted one)
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
        description=_l("Left empty for a product: its price in the quote's currency."),
    )
    discount_percent = PercentField(_l("Discount %"))
    tax_rates = MultipleChoiceField(_l("Taxes"))
    interval = ChoiceField(
        _l("Charged"),
        choices=[("", _l("Once")), *((i.value, label) for i, label in INTERVAL_LABELS.items())],
        validate_choice=True,
        default="",
    )
    optional = CheckboxField(_l("Optional: the customer may add it"))
    adjustable = CheckboxField(_l("The customer may change the quantity"))
    min_quantity = WholeNumberField(_l("Smallest quantity"), minimum=1, maximum=MAX_QUANTITY)
    max_quantity = WholeNumberField(_l("Largest quantity"), minimum=1, maximum=MAX_QUANTITY)


class PartForm(Form):
    """One part of a payment schedule: a percentage or an amount (or neither on the last
    part: the rest), and its date (none on the first: at acceptance)."""

    currency = HiddenField()
    percent = PercentField(_l("Percentage"))
    amount = AmountField(_l("Amount"), currency_field="currency")
    due_on = DateInputField(_l("Due on"))


class QuoteForm(KassaForm):
    customer = ChoiceField(_l("Customer"), validators=[required()], validate_choice=True)
    currency = ChoiceField(_l("Currency"), validators=[required()], validate_choice=True)
    locale = ChoiceField(
        _l("Language"),
        description=_l("The language the customer reads the quote and its emails in."),
        validators=[required()],
        validate_choice=True,
    )
    title = StringField(
        _l("Title"),
        validators=[max_length(MAX_DESCRIPTION), plain_text],
        filters=[strip_whitespace],
    )
    expires_on = DateInputField(
        _l("Valid until"), description=_l("Left empty: your default validity from sending.")
    )
    lines = FieldList(FormField(QuoteLineForm), min_entries=1, max_entries=MAX_LINES)
    discount_percent = PercentField(_l("Quote discount %"))
    discount_amount = AmountField(_l("Quote discount amount"), currency_field="currency")
    acceptance_mode = RadioChoiceField(
        _l("Acceptance"),
        choices=[(mode.value, label) for mode, label in ACCEPTANCE_LABELS.items()],
        validators=[required()],
        default=AcceptanceMode.SIGNATURE.value,
    )
    countersigner = ChoiceField(
        _l("Countersigned by"),
        description=_l("Someone of your team who signs after the customer, before it counts."),
        validate_choice=True,
        default="",
    )
    payment_methods = MultipleChoiceField(
        _l("Payment methods"),
        description=_l("None chosen: every method your checkout accepts."),
    )
    payment_mode = ChoiceField(
        _l("Payment at acceptance"),
        choices=[(mode.value, label) for mode, label in PAYMENT_MODE_LABELS.items()],
        validators=[required()],
        validate_choice=True,
        default=PaymentMode.FULL.value,
    )
    deposit_percent = PercentField(_l("Deposit %"))
    deposit_amount = AmountField(_l("Deposit amount"), currency_field="currency")
    parts = FieldList(FormField(PartForm), min_entries=SCHEDULE_ROWS, max_entries=SCHEDULE_ROWS)

    def __init__(
        self,
        *args: Any,
        customers: list[Customer],
        currencies: list[str],
        products: list[Product],
        tax_rates: list[TaxRate],
        methods: list[PaymentMethod],
        team: list[User],
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
        self.countersigner.choices = [("", _l("No countersignature")), *(
            (str(user.id), user.name or user.email) for user in team
        )]  # fmt: skip
        self.rate_choices = [(str(rate.id), rate.name) for rate in tax_rates]
        self.prepare_lines()

    def prepare_lines(self) -> None:
        """Give every line (new ones too) and every part its choices and the currency."""
        product_choices = [("", _l("No product: describe the line")), *(
            (str(p.id), p.name) for p in self.products.values()
        )]  # fmt: skip
        for entry in self.lines:
            entry.form.product.choices = product_choices
            entry.form.tax_rates.choices = self.rate_choices
            entry.form.currency.data = self.currency.data
        for entry in self.parts:
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
        """The validated lines; a product line without a typed amount takes the product's
        price in the quote's currency (refused when it has none)."""
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
                    optional=bool(line.optional.data),
                    adjustable=bool(line.adjustable.data),
                    min_quantity=line.min_quantity.value,
                    max_quantity=line.max_quantity.value,
                    interval=pricing.Interval(line.interval.data) if line.interval.data else None,
                )
            )
        return lines

    def schedule(self) -> tuple[PartSpec, ...]:
        """The schedule's parts typed (rows left empty are not parts)."""
        parts = []
        for entry in self.parts:
            part = entry.form
            if not (part.percent.basis_points or part.amount.money or part.due_on.data):
                continue
            parts.append(
                PartSpec(
                    percent=_percent(part.percent),
                    amount=part.amount.money.amount if part.amount.money else None,
                    due_on=part.due_on.data,
                )
            )
        return tuple(parts)

    def texts(self, kind: str) -> dict[str, str]:
        """The terms or notes typed for each shipped language, by locale."""
        return {code: self[f"{kind}_{code}"].data or "" for code in shipped_locales()}

    def quote_fields(self) -> dict[str, Any]:
        """The editor's other fields as the service's keyword arguments."""
        countersigner = self.countersigner.data or ""
        return {
            "locale": self.locale.data,
            "title": self.title.data or "",
            "expires_on": self.expires_on.data,
            "terms": self.texts("terms"),
            "notes": self.texts("notes"),
            "payment_methods": list(self.payment_methods.data or []) or None,
            "discount_percent": _percent(self.discount_percent),
            "discount_amount": (
                self.discount_amount.money.amount if self.discount_amount.money else None
            ),
            "acceptance_mode": AcceptanceMode(self.acceptance_mode.data),
            "countersigner_id": whole_number(countersigner),
            "payment_mode": PaymentMode(self.payment_mode.data),
            "deposit_percent": _percent(self.deposit_percent),
            "deposit_amount": (
                self.deposit_amount.money.amount if self.deposit_amount.money else None
            ),
            "parts": self.schedule(),
        }


for _code in shipped_locales():  # terms and notes per shipped language
    setattr(
        QuoteForm,
        f"terms_{_code}",
        TextAreaField(
            _l("Terms (%(language)s)", language=locale_name(_code)),
            validators=[max_length(MAX_TEXT), multiline_text],
        ),
    )
    setattr(
        QuoteForm,
        f"notes_{_code}",
        TextAreaField(
            _l("Notes (%(language)s)", language=locale_name(_code)),
            validators=[max_length(MAX_TEXT), multiline_text],
        ),
    )


class AcceptQuoteForm(KassaForm):
    """The buyer's acceptance: the revision they read, the terms ticked first, then the
    typed name (the signature) last. The quantities are posted as ``quantity-<line>``."""

    revision = HiddenField(validators=[required()])
    lines = HiddenField()  # where a refusal of the chosen quantities is shown
    agree = CheckboxField(_l("I have read and agree to the terms of this quote"))
    signature = StringField(
        _l("Type your full name to sign"),
        description=_l(
            "Your typed name is your signature. It is kept with the time, your IP address and "
            "browser, and a fingerprint of the quote as shown."
        ),
        validators=[max_length(MAX_NAME), plain_text],
        filters=[strip_whitespace],
    )


class DeclineQuoteForm(KassaForm):
    revision = HiddenField(validators=[required()])
    reason = TextAreaField(
        _l("Reason (optional)"),
        description=_l("Tell the seller why, if you like."),
        validators=[max_length(MAX_TEXT), multiline_text],
    )


class PayQuoteForm(KassaForm):
    """ "Pay": what is due now, at the checkout (nothing to type)."""
