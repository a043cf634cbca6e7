"""The report's periods and its charts' geometry (pure code)."""

from __future__ import annotations

import itertools
from bisect import bisect_right
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.charts import HEIGHT, bar_chart, tick_step
from app.reports.periods import Granularity, next_period, period_start, periods

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@settings(deadline=None)  # the machine is shared: timings vary
@given(days, st.integers(min_value=0, max_value=800), st.sampled_from(list(Granularity)))
def test_every_day_of_a_range_falls_in_exactly_one_of_its_periods(
    first: date, length: int, granularity: Granularity
) -> None:
    last = first + timedelta(days=length)
    starts = periods(first, last, granularity)
    assert starts[0] <= first and starts == sorted(set(starts))
    for earlier, later in itertools.pairwise(starts):
        assert next_period(earlier, granularity) == later
    assert next_period(starts[-1], granularity) > last
    for offset in range(0, length + 1, 7):
        day = first + timedelta(days=offset)
        holding = starts[bisect_right(starts, day) - 1]  # the last period starting by ``day``
        assert holding == period_start(day, granularity) <= day < next_period(holding, granularity)


def test_weeks_start_on_monday_and_months_roll_over_the_year() -> None:
    assert period_start(date(2026, 12, 6), Granularity.WEEK) == date(2026, 11, 30)  # a Sunday
    assert period_start(date(2026, 12, 7), Granularity.WEEK) == date(2026, 12, 7)  # a Monday
    assert next_period(date(2026, 12, 1), Granularity.MONTH) == date(2027, 1, 1)
    assert periods(date(2026, 2, 1), date(2026, 1, 1), Granularity.DAY) == []


@given(st.integers(min_value=0, max_value=10**12))
def test_tick_steps_are_round_and_cut_a_span_into_a_few_parts(span: int) -> None:
    step = tick_step(span)
    digits = str(step).rstrip("0")
    assert digits in ("1", "2", "5") and step >= 1
    assert span / step <= 4


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9)),
        min_size=1,
        max_size=60,
    )
)
def test_bars_stand_on_the_zero_line_inside_the_chart(rows: list[tuple[int, int]]) -> None:
    chart = bar_chart(
        [f"P{i}" for i in range(len(rows))],
        [("Gross", [a for a, _b in rows]), ("Net", [b for _a, b in rows])],
        str,
    )
    assert len(chart.bars) == 2 * len(rows)
    for bar in chart.bars:
        assert bar.y >= 0 and bar.y + bar.height <= HEIGHT
        assert chart.left <= bar.x and bar.x + bar.width <= chart.right + 0.5
        touches_zero = (
            abs(bar.y - chart.baseline) < 0.2 or abs(bar.y + bar.height - chart.baseline) < 0.2
        )
        assert touches_zero
    in_bar_order = [a for a, _b in rows] + [b for _a, b in rows]
    largest = max(range(len(in_bar_order)), key=lambda i: abs(in_bar_order[i]))
    assert chart.bars[largest].height >= max(bar.height for bar in chart.bars) - 0.2
    assert len(chart.labels) <= 12


def test_a_chart_of_nothing_still_has_a_zero_line_and_a_scale() -> None:
    chart = bar_chart(["Jan"], [("Gross", [0]), ("Net", [0])], str)
    assert [bar.height for bar in chart.bars] == [0, 0]
    assert any(tick.label == "0" for tick in chart.ticks)
