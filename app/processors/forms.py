"""Forms of Settings → Payments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField

from app.web.forms import KassaForm, max_length, required

KEY_MAX = 255


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class StripeKeysForm(KassaForm):
    secret_key = PasswordField(
        _l("Secret key"),
        validators=[required(), max_length(KEY_MAX)],
        filters=[_strip],
        description=_l(
            "Starts with sk_test_ or sk_live_ (or rk_ for a restricted key). It is stored encrypted"
            " and never shown again."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    publishable_key = StringField(
        _l("Publishable key"),
        validators=[required(), max_length(KEY_MAX)],
        filters=[_strip],
        description=_l("Starts with pk_test_ or pk_live_."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ConfirmConnectionForm(KassaForm):
    """The second step: the verified keys travel sealed, never in plain text in the page."""

    sealed = HiddenField(validators=[required(), max_length(4096)])


class DisconnectForm(KassaForm):
    """Only the CSRF token: the confirmation page states what disconnecting means."""


class SigningSecretForm(KassaForm):
    """The signing secret of Stripe's events forwarded to Kassa another way."""

    signing_secret = PasswordField(
        _l("Webhook signing secret"),
        validators=[required(), max_length(KEY_MAX)],
        filters=[_strip],
        description=_l(
            "Starts with whsec_. The Stripe CLI prints it when it starts forwarding (stripe "
            "listen); an endpoint made in the Stripe dashboard shows it there. It is stored "
            "encrypted."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class RegisterWebhookForm(KassaForm):
    """Only the CSRF token: register Kassa's webhook endpoint again."""
