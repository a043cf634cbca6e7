"""What the report's pages show of a report: period names in the viewer's language and the
charts' geometry."""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.money import Money
from app.reports.charts import BarChart, bar_chart
from app.reports.periods import Granularity
from app.reports.service import CurrencyRevenue
from app.web.i18n import money


def period_label(start: date, granularity: Granularity) -> str:
    """A period's name in the viewer's language: 7 Dec 2026, Week of 7 Dec 2026, Dec 2026."""
    locale = get_locale()
    if granularity is Granularity.MONTH:
        return format_skeleton("yMMM", start, locale=locale)
    day = format_skeleton("yMMMd", start, locale=locale)
    return _("Week of %(day)s", day=day) if granularity is Granularity.WEEK else day


def short_period_label(start: date, granularity: Granularity) -> str:
    """A shorter name for along a chart's axis: 7 Dec (a day, or a week's Monday), Dec 26."""
    skeleton = "yyMMM" if granularity is Granularity.MONTH else "MMMd"
    return format_skeleton(skeleton, start, locale=get_locale())


def revenue_chart(revenue: CurrencyRevenue, granularity: Granularity) -> BarChart:
    """Gross and net per period, in the report's currency."""
    return bar_chart(
        [period_label(start, granularity) for start, _figures in revenue.periods],
        [
            (_("Gross"), [figures.gross for _start, figures in revenue.periods]),
            (_("Net"), [figures.net for _start, figures in revenue.periods]),
        ],
        lambda value: money(Money(value, revenue.currency)),
        [short_period_label(start, granularity) for start, _figures in revenue.periods],
    )
