"""Bar charts drawn on the server: the geometry of an SVG the ``bar_chart`` macro
(``templates/components/charts.html``) renders. Pure: numbers in, positions out; no chart
library reaches the browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 260
LEFT = 96  # room for the value axis' labels
RIGHT = 8
TOP = 12
BOTTOM = 36  # room for the period labels
MOST_LABELS = 12  # period labels shown along the bottom; the others are in the table


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # what a pointer hovering it reads (the table has every figure)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class CategoryLabel:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    right: int  # the plot's right edge
    baseline: float  # the y of zero
    series: list[str]
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[CategoryLabel]


def tick_step(span: int, wanted: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten, at least 1) cutting ``span`` into about
    ``wanted`` parts."""
    raw = max(span / wanted, 1)
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return int(multiple * power)
    return int(10 * power)  # pragma: no cover  (the loop always returns)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    format_value: Callable[[int], str],
    axis_labels: Sequence[str] | None = None,
) -> BarChart:
    """Bars side by side for each category, one per series, from a zero line (negative values
    go below it). Values are minor units; ``format_value`` writes them for the axis.
    ``axis_labels`` are shorter names of the categories for along the bottom."""
    values = [0, *(value for _name, row in series for value in row)]  # zero is always shown
    step = tick_step(max(values) - min(values))
    high = math.ceil(max(values) / step) * step or step
    low = math.floor(min(values) / step) * step
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / (high - low)

    def y_of(value: int) -> float:
        return round(TOP + (high - value) * scale, 1)

    baseline = y_of(0)
    group = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    bar_width = group * 0.8 / max(len(series), 1)
    bars = []
    for index, name_and_values in enumerate(series):
        name, row = name_and_values
        for position, value in enumerate(row):
            top = y_of(max(value, 0))
            bars.append(
                Bar(
                    x=round(LEFT + position * group + group * 0.1 + index * bar_width, 1),
                    y=top,
                    width=round(bar_width, 1),
                    height=round(abs(y_of(value) - baseline), 1),
                    series=index,
                    label=f"{categories[position]}: {name} {format_value(value)}",
                )
            )
    every = math.ceil(len(categories) / MOST_LABELS) or 1
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=baseline,
        series=[name for name, _row in series],
        bars=bars,
        ticks=[Tick(y_of(v), format_value(v)) for v in range(low, high + 1, step)],
        labels=[
            CategoryLabel(round(LEFT + position * group + group / 2, 1), label)
            for position, label in enumerate(axis_labels or categories)
            if position % every == 0
        ],
    )
