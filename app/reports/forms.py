"""The report's choices: sent with GET, so a report is a link (no CSRF token)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.reports.labels import GRANULARITY_NAMES
from app.reports.periods import Granularity
from app.web.forms import DateInputField, KassaForm, RadioChoiceField

# The most periods a chart draws: a year of days, ten years of weeks or months.
LONGEST_RANGE = {
    Granularity.DAY: timedelta(days=366),
    Granularity.WEEK: timedelta(days=3660),
    Granularity.MONTH: timedelta(days=3660),
}


class RevenueReportForm(KassaForm):
    class Meta:
        csrf = False

    period = RadioChoiceField(
        _l("Show"),
        choices=[(kind.value, label) for kind, label in GRANULARITY_NAMES.items()],
        default=Granularity.MONTH.value,
    )
    start = DateInputField(_l("From"))
    end = DateInputField(_l("To"))

    def fill_defaults(self, today: date) -> None:
        """This year so far, by month, for what the merchant left out."""
        if not "".join(self.start.raw_data or []).strip():
            self.start.process_data(today.replace(month=1, day=1))
        if not "".join(self.end.raw_data or []).strip():
            self.end.process_data(today)

    def validate_end(self, field: DateInputField) -> None:
        if self.start.data is None or field.data is None:
            return
        if field.data < self.start.data:
            raise ValidationError(_l("Choose a day on or after the first day."))
        if self.period.data not in {kind.value for kind in Granularity}:
            return  # the period's own error says what to do
        if field.data - self.start.data >= LONGEST_RANGE[Granularity(self.period.data)]:
            if self.period.data == Granularity.DAY:
                raise ValidationError(_l("Show at most a year by day: choose weekly or monthly."))
            raise ValidationError(_l("Choose a range of at most ten years."))

    @property
    def granularity(self) -> Granularity:
        return Granularity(self.period.data)

    @property
    def first(self) -> date:
        """The first day chosen (after ``fill_defaults`` and a validation that passed)."""
        return cast(date, self.start.data)

    @property
    def last(self) -> date:
        return cast(date, self.end.data)
