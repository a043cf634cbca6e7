"""The base of every form, and the field rules all forms share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from app.core.colours import HEX_COLOUR
from app.core.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_SIDE,
    ImageProblem,
    ImageRefusedError,
    inspect_image,
)
from app.core.money import (
    MAXIMUM_AMOUNT,
    Money,
    exponent,
    format_money,
    is_currency,
    parse_typed_decimal,
)
from app.core.pricing import add_months, charge_step
from app.web.safety import AddressProblem, redirect_address_problem

PASSWORD_MIN = 10
PASSWORD_MAX = 128
EMAIL_MAX = 254


class KassaForm(FlaskForm):
    """Every Kassa form derives from this: CSRF on, and a place for errors the service raises."""

    def add_error(self, field: str | None, message: str) -> None:
        """Attach a service refusal to a field, or to the form when ``field`` is None."""
        target = getattr(self, field) if field else None
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            self.form_errors.append(message)

    def has_errors(self) -> bool:
        return bool(self.errors or self.form_errors)


def required(message: Any = None) -> InputRequired:
    return InputRequired(message or _l("This field is required."))


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def no_control_characters(_form: Any, field: Field) -> None:
    """Refuse invisible control characters in single-line text (they break emails and exports)."""
    value = field.data or ""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


def plain_text(form: Any, field: Field) -> None:
    """Names and labels are plain text: no control characters and no markup brackets.

    Output is escaped anyway; refusing ``<`` and ``>`` keeps names clean in emails, PDFs and
    exports that other programs read.
    """
    no_control_characters(form, field)
    if any(ch in "<>" for ch in field.data or ""):
        raise ValidationError(_l("Remove the characters < and > from this field."))


def multiline_text(_form: Any, field: Field) -> None:
    """Descriptions and policy texts: line breaks and tabs allowed, other rules as plain_text."""
    value = field.data or ""
    if any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in value):
        raise ValidationError(_l("Remove the invisible control characters from this field."))
    if any(ch in "<>" for ch in value):
        raise ValidationError(_l("Remove the characters < and > from this field."))


def strip_whitespace(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _choice_values(field: SelectField | RadioField) -> set[Any]:
    return {choice[0] for choice in (field.choices or [])}


def web_address(_form: Any, field: Field) -> None:
    """An absolute http(s) address with a host (empty passes: add ``required`` if needed)."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(ch.isspace() or ch in '<>"' for ch in field.data)
    ):
        raise ValidationError(_l("Enter a web address starting with https://."))


REDIRECT_ADDRESS_MESSAGES = {
    AddressProblem.MALFORMED: _l("Enter a web address starting with https://."),
    AddressProblem.SCHEME: _l("Enter an address starting with https:// (http:// only while "
                              "Kassa takes test payments)."),
    AddressProblem.USER_INFO: _l("Leave out the user name and password: buyers would see them "
                                 "in the address."),
    AddressProblem.IP_ADDRESS: _l("Enter a domain name, like shop.example.com, not an IP "
                                  "address."),
    AddressProblem.LOCAL_HOST: _l("Enter the address of a public website, not localhost."),
}  # fmt: skip


def redirect_address(_form: Any, field: Field) -> None:
    """An address to send buyers to after paying (``safety.redirect_address_problem``): https
    only, except while Kassa takes test payments only; empty passes."""
    if not field.data:
        return
    allow_http = current_app.extensions["kassa_settings"].test_payments_only
    problem = redirect_address_problem(field.data, allow_http=allow_http)
    if problem is not None:
        raise ValidationError(REDIRECT_ADDRESS_MESSAGES[problem])


def hex_colour(_form: Any, field: Field) -> None:
    if not HEX_COLOUR.fullmatch(field.data or ""):
        raise ValidationError(_l("Enter a colour as # and six hex digits, like #3b4cca."))


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value speaks our words (and our catalogue)."""

    def pre_validate(self, form: Any) -> None:
        if self.validate_choice and self.data not in _choice_values(self):
            raise ValidationError(_l("Choose one of the options."))

    def iter_choices_values(self) -> list[tuple[Any, Any]]:
        return [(choice[0], choice[1]) for choice in (self.choices or [])]


class RadioChoiceField(RadioField):
    """A group of radio buttons (render it with the ``radio_group`` component)."""

    def pre_validate(self, form: Any) -> None:
        if self.data not in _choice_values(self):
            raise ValidationError(_l("Choose one of the options."))


class MultipleChoiceField(SelectMultipleField):
    """Several checkboxes of one question (render it with the ``checkbox_group`` component)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        if any(value not in _choice_values(self) for value in self.data or []):
            raise ValidationError(_l("Choose one of the options."))


class CheckboxField(BooleanField):
    """A single checkbox that refuses anything but what a ticked checkbox sends."""

    TICKED = "y"

    def pre_validate(self, form: Any) -> None:
        if self.raw_data and self.raw_data[0] not in ("", self.TICKED):
            raise ValidationError(_l("Tick the box or leave it empty."))

    def _value(self) -> str:
        return self.TICKED


NUMBER_TEXT_MAX = 20


class NumberTextField(StringField):
    """A non-negative number typed as text in the viewer's locale ("12,50" in Swedish).

    Never a float: once validated, ``number`` holds the exact Decimal (None when left empty).
    """

    number: Decimal | None = None

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        validators = [*(validators or []), max_length(NUMBER_TEXT_MAX)]
        kwargs.setdefault("filters", [strip_whitespace])
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        """A posted form without this field typed nothing in it: the text is empty, never the
        stored number the form was built from (``obj``), which is not text."""
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form: Any) -> None:
        self.number = None
        if not self.data:
            return
        try:
            number = parse_typed_decimal(self.data, str(get_locale()))
        except ValueError as error:
            raise ValidationError(self.example_message()) from error
        if number < 0:
            raise ValidationError(_l("Enter a number of 0 or more."))
        self.number = number

    def example_message(self) -> Any:
        return _l("Enter a number like 12.50.")


class AmountField(NumberTextField):
    """An amount in the currency chosen by another field of the form (``currency_field``).

    Once validated, ``money`` holds it in integer minor units; more decimals than the currency
    has, and more than Stripe accepts, are refused.
    """

    money: Money | None = None

    def __init__(self, label: Any = None, validators: Any = None, *, currency_field: str,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(label, validators, **kwargs)
        self.currency_field = currency_field

    def example_message(self) -> Any:
        return _l("Enter an amount like 12.50.")

    def pre_validate(self, form: Any) -> None:
        self.money = None
        super().pre_validate(form)
        currency = form[self.currency_field].data
        if self.number is None or not is_currency(currency or ""):
            return  # the currency field reports its own problem
        try:
            money = Money.from_decimal(self.number, currency)
        except ValueError as error:
            raise ValidationError(decimals_message(currency)) from error
        if money.amount > MAXIMUM_AMOUNT:
            largest = format_money(Money(MAXIMUM_AMOUNT, currency), str(get_locale()))
            raise ValidationError(gettext("Enter an amount of at most %(max)s.", max=largest))
        step = charge_step(currency)
        if money.amount % step:  # KWD 1.005: Stripe charges three-decimal currencies by 0.010
            smallest = format_money(Money(step, currency), str(get_locale()))
            raise ValidationError(gettext("Enter an amount in steps of %(step)s.", step=smallest))
        self.money = money


def decimals_message(currency: str) -> str:
    """Formatted now (not lazily): a lazy string is rendered unescaped, so it must never carry
    anything typed by a person."""
    digits = exponent(currency)
    if digits == 0:
        return gettext("%(currency)s amounts have no decimals.", currency=currency)
    return gettext("%(currency)s amounts have at most %(count)d decimals.", currency=currency,
              count=digits)  # fmt: skip


class PercentField(NumberTextField):
    """A percentage from 0 to 100 with at most 2 decimals; ``basis_points`` once validated
    (hundredths of a percent: 12.5% is 1250)."""

    basis_points: int | None = None

    def example_message(self) -> Any:
        return _l("Enter a percentage like 12.5.")

    def pre_validate(self, form: Any) -> None:
        self.basis_points = None
        super().pre_validate(form)
        if self.number is None:
            return
        scaled = self.number.scaleb(2)
        if scaled != scaled.to_integral_value() or self.number > 100:
            raise ValidationError(_l("Enter a percentage from 0 to 100 with at most 2 decimals."))
        self.basis_points = int(scaled)


def email_address(_form: Any, field: Field) -> None:
    """A syntactically valid address. No DNS lookup; ``.test`` addresses (the demo's) pass."""
    try:
        validate_email(field.data or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValidationError(_l("Enter an email address like name@example.com.")) from error


def email_field(label: Any) -> EmailField:
    return EmailField(
        label,
        validators=[
            required(),
            max_length(EMAIL_MAX),
            email_address,
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def new_password_field(label: Any) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            required(),
            no_control_characters,
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Use between %(min)d and %(max)d characters.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(min)d characters.", min=PASSWORD_MIN),
    )


def password_confirmation_field(label: Any, other: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[required(), EqualTo(other, message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class WholeNumberField(NumberTextField):
    """A whole number from ``minimum`` to ``maximum``; ``value`` once validated."""

    value: int | None = None

    def __init__(self, label: Any = None, validators: Any = None, *, minimum: int, maximum: int,
                 **kwargs: Any) -> None:  # fmt: skip
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def example_message(self) -> Any:
        return _l("Enter a whole number from %(min)d to %(max)d.", min=self.minimum,
                  max=self.maximum)  # fmt: skip

    def pre_validate(self, form: Any) -> None:
        self.value = None
        super().pre_validate(form)
        if self.number is None:
            return
        if self.number != self.number.to_integral_value() or not (
            self.minimum <= self.number <= self.maximum
        ):
            raise ValidationError(self.example_message())
        self.value = int(self.number)


YEARS_AHEAD = 100


class DateInputField(DateField):
    """A date picked in the browser's date input (``YYYY-MM-DD``), refused in our words.

    At most ``YEARS_AHEAD`` years from today: every date Kassa asks for (a last valid day, a
    first charge) is a day in a business's future, and the calendar's end (9999-12-31) has no
    day after it for "valid until" to end on.
    """

    data: date | None

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not "".join(valuelist).strip():
            self.data = None
            return
        if len(valuelist[0]) > len("2026-12-31"):
            raise ValueError(_l("Enter a date like 2026-12-31."))
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a date like 2026-12-31.")) from error
        latest = add_months(datetime.now(UTC).date(), 12 * YEARS_AHEAD)
        if self.data is not None and self.data > latest:
            raise ValueError(_l("Choose a date within %(years)d years.", years=YEARS_AHEAD))


IMAGE_PROBLEMS = {
    ImageProblem.NOT_AN_IMAGE: _l("Choose a PNG, JPEG or WebP image."),
    ImageProblem.TOO_MANY_BYTES: _l(
        "Choose an image of at most %(size)d kB.", size=MAX_IMAGE_BYTES // 1000
    ),
    ImageProblem.TOO_MANY_PIXELS: _l(
        "Choose an image of at most %(max)d pixels wide and high.", max=MAX_IMAGE_SIDE
    ),
}


class ImageField(FileField):
    """An optional image upload, checked by its content; ``image_bytes`` once validated."""

    image_bytes: bytes | None = None

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"accept": "image/png,image/jpeg,image/webp"})
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form: Any) -> None:
        self.image_bytes = None
        upload = self.data
        if not upload or not getattr(upload, "filename", ""):
            return
        data = upload.read(MAX_IMAGE_BYTES + 1)
        try:
            inspect_image(data)
        except ImageRefusedError as refusal:
            raise ValidationError(IMAGE_PROBLEMS[refusal.problem]) from refusal
        self.image_bytes = data
