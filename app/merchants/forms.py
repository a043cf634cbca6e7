"""Forms for signing up, logging in, passwords and staff invitations."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField

from app.core.regions import country_choices, currency_choices
from app.web.forms import (
    PASSWORD_MAX,
    ChoiceField,
    KassaForm,
    email_field,
    max_length,
    new_password_field,
    password_confirmation_field,
    plain_text,
    required,
)
from app.web.i18n import locale_name, shipped_locales

NAME_MAX = 120


class SignupForm(KassaForm):
    business_name = StringField(
        _l("Business name"),
        validators=[required(), max_length(NAME_MAX), plain_text],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "organization"},
    )
    country = ChoiceField(
        _l("Country"), validators=[required(_l("Choose your country."))], validate_choice=True
    )
    currency = ChoiceField(
        _l("Default currency"),
        description=_l("Leave as is to use your country's currency."),
        validate_choice=True,
    )
    email = email_field(_l("Email"))
    password = new_password_field(_l("Password"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = str(get_locale())
        self.country.choices = [("", _l("Choose a country")), *country_choices(locale)]
        self.currency.choices = [("", _l("Currency of my country")), *currency_choices(locale)]


class LoginForm(KassaForm):
    email = email_field(_l("Email"))
    password = PasswordField(
        _l("Password"),
        validators=[required(), max_length(PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordChangeForm(KassaForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[required(), max_length(PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(_l("New password"))
    confirm_password = password_confirmation_field(_l("Repeat new password"), "new_password")


class InviteForm(KassaForm):
    email = email_field(_l("Email"))
    locale = ChoiceField(
        _l("Language of the invitation"), validators=[required()], validate_choice=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [(code, locale_name(code)) for code in shipped_locales()]
        if not self.is_submitted():
            self.locale.data = str(get_locale())


class AcceptInvitationForm(KassaForm):
    name = StringField(
        _l("Your name"),
        validators=[required(), max_length(NAME_MAX), plain_text],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "name"},
    )
    password = new_password_field(_l("Password"))
    confirm_password = password_confirmation_field(_l("Repeat password"), "password")


class ForgotPasswordForm(KassaForm):
    email = email_field(_l("Email"))


class ResetPasswordForm(KassaForm):
    password = new_password_field(_l("New password"))
    confirm_password = password_confirmation_field(_l("Repeat new password"), "password")
