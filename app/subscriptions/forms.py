"""The merchant's billing settings form: the dunning plans, reminders and notices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from app.subscriptions.models import AfterLastTry
from app.web.forms import (
    CheckboxField,
    ChoiceField,
    KassaForm,
    WholeNumberField,
    max_length,
    plain_text,
    required,
    strip_whitespace,
)

MAX_REMINDER_DAYS = 30  # the billing run looks 31 days ahead
MAX_RETRY_DAY = 60


def parse_retry_days(text: str) -> list[int]:
    """ "1, 3, 5, 7" as [1, 3, 5, 7] (sorted, each once); ValueError for anything else."""
    days = {int(part) for part in text.replace(";", ",").split(",") if part.strip()}
    if len(days) > 10 or any(not 1 <= day <= MAX_RETRY_DAY for day in days):
        raise ValueError(text)
    return sorted(days)


class BillingSettingsForm(KassaForm):
    card_retry_days = StringField(
        _l("Card retries after a soft decline"),
        description=_l(
            "Days after the charge date, separated by commas (1, 3, 5, 7 by default). Empty: "
            "no retries. Hard declines (lost, stolen or expired cards) are never retried."
        ),
        validators=[max_length(60), plain_text],
        filters=[strip_whitespace],
    )
    retry_bank_debits = CheckboxField(
        _l("Retry a bank debit once after insufficient funds, after a new notice period")
    )
    after_last_try = ChoiceField(
        _l("After the last try"),
        choices=[
            (AfterLastTry.CANCEL.value, _l("Cancel the subscription")),
            (AfterLastTry.STAY_PAST_DUE.value, _l("Leave it past due")),
        ],
        validators=[required()],
        validate_choice=True,
    )
    reminder_week = WholeNumberField(
        _l("Reminder before a weekly charge (days, 0: none)"), [required()], minimum=0, maximum=6
    )
    reminder_month = WholeNumberField(
        _l("Reminder before a monthly charge (days, 0: none)"),
        [required()],
        minimum=0,
        maximum=MAX_REMINDER_DAYS,
    )
    reminder_quarter = WholeNumberField(
        _l("Reminder before a quarterly charge (days, 0: none)"),
        [required()],
        minimum=0,
        maximum=MAX_REMINDER_DAYS,
    )
    reminder_year = WholeNumberField(
        _l("Reminder before a yearly charge (days, 0: none)"),
        [required()],
        minimum=0,
        maximum=MAX_REMINDER_DAYS,
    )
    customers_may_cancel = CheckboxField(_l("Customers may cancel at the end of a period"))
    customers_may_pause = CheckboxField(_l("Customers may pause"))

    retry_days: list[int]

    def validate_card_retry_days(self, field: StringField) -> None:
        try:
            self.retry_days = parse_retry_days(field.data or "")
        except ValueError as error:
            raise ValidationError(
                _l("Enter whole numbers of days from 1 to 60, separated by commas.")
            ) from error

    def reminders(self) -> dict[str, int]:
        """The reminder days by interval (0 ones left out: no reminder)."""
        chosen = {
            interval: self[f"reminder_{interval}"].value or 0
            for interval in ("week", "month", "quarter", "year")
        }
        return {interval: days for interval, days in chosen.items() if days}
