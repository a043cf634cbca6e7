"""The report's choices: sent with GET, so a report is a link (no CSRF token)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.payments.models import PaymentStatus
from app.payments.queries import PaymentFilters
from app.reports.labels import (
    DOCUMENT_NAMES,
    EXPORT_NAMES,
    GRANULARITY_NAMES,
    PAYMENT_STATUS_NAMES,
)
from app.reports.models import ExportKind
from app.reports.periods import Granularity
from app.settings.labels import METHOD_NAMES
from app.web.forms import ChoiceField, DateInputField, KassaForm, RadioChoiceField

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


EARLIEST = date(2000, 1, 1)  # before any payment Kassa could have taken
DELIMITERS = {",": _l("Commas"), ";": _l("Semicolons")}
DECIMAL_MARKS = {".": _l("A point (1250.50)"), ",": _l("A comma (1250,50)")}


class ExportFormatForm(KassaForm):
    """How the merchant's CSV files are written, so their spreadsheet opens them."""

    delimiter = RadioChoiceField(_l("Separate columns with"), choices=list(DELIMITERS.items()))
    decimal_mark = RadioChoiceField(_l("Decimal mark"), choices=list(DECIMAL_MARKS.items()))

    def validate_decimal_mark(self, field: RadioChoiceField) -> None:
        if field.data == "," and self.delimiter.data == ",":
            raise ValidationError(
                _l("With a decimal comma, separate columns with semicolons: a spreadsheet would "
                   "split every amount in two.")
            )  # fmt: skip


class ExportForm(KassaForm):
    """What to export and what it covers. Payments take every filter; invoices the currency and
    the range of issue days; customers the range of the days they were added. A filter left
    empty does not narrow."""

    kind = RadioChoiceField(
        _l("Export"), choices=list(EXPORT_NAMES.items()), default=ExportKind.PAYMENTS.value
    )
    status = ChoiceField(_l("Status"), default="")
    method = ChoiceField(_l("Method"), default="")
    currency = ChoiceField(_l("Currency"), default="")
    document_type = ChoiceField(_l("Document"), default="")
    start = DateInputField(_l("From"))
    end = DateInputField(_l("To"))

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = ("", _l("Any"))
        self.status.choices = [every, *PAYMENT_STATUS_NAMES.items()]
        self.method.choices = [every, *METHOD_NAMES.items()]
        self.currency.choices = [every, *((code, code) for code in currencies)]
        self.document_type.choices = [every, *DOCUMENT_NAMES.items()]

    def validate_start(self, field: DateInputField) -> None:
        if field.data and field.data < EARLIEST:
            raise ValidationError(_l("Choose a day from 2000 on."))

    def validate_end(self, field: DateInputField) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("Choose a day on or after the first day."))

    def filters(self) -> PaymentFilters:
        return PaymentFilters(
            status=PaymentStatus(self.status.data) if self.status.data else None,
            method=self.method.data or "",
            currency=self.currency.data or "",
            document=self.document_type.data or None,
            start=self.start.data,
            end=self.end.data,
        )
