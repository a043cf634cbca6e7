"""The base of every form, and the field rules all forms share."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, SelectField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

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


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value speaks our words (and our catalogue)."""

    def pre_validate(self, form: Any) -> None:
        if self.validate_choice and self.data not in {
            value for value, _label in self.iter_choices_values()
        }:
            raise ValidationError(_l("Choose one of the options."))

    def iter_choices_values(self) -> list[tuple[Any, Any]]:
        return [(choice[0], choice[1]) for choice in (self.choices or [])]


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
