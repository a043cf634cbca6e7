"""The portal's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from app.web.forms import (
    KassaForm,
    email_field,
    max_length,
    multiline_text,
    strip_whitespace,
)

REASON_MAX = 2000


class OpenForm(KassaForm):
    """The button that uses the emailed link: only its CSRF token."""


class PortalCancelForm(KassaForm):
    reason = TextAreaField(
        _l("Why are you leaving? (optional)"),
        validators=[max_length(REASON_MAX), multiline_text],
        filters=[strip_whitespace],
    )


class PortalActionForm(KassaForm):
    """A one-button change: only its CSRF token."""


class AskLinkForm(KassaForm):
    """ "Email me a link": the address a customer of the seller gets a new one-time link at."""

    email = email_field(_l("Email"))
