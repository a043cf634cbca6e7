"""The forms of the merchant's subscription pages: the list's filters, pause and cancel."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, TextAreaField

from app.subscriptions.labels import STATUS_LABELS
from app.subscriptions.listing import SEARCH_MAX
from app.web.forms import (
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
