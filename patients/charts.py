"""Server-rendered charts: geometry computed here, drawn by templates/patients/_line_chart.html as SVG.

No JavaScript, so they work everywhere, print well and pass a strict CSP; each chart comes with a
table of the same numbers as its text alternative. Dates and numbers are written in the active language.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import dateformat, formats


@dataclass
class Series:
    name: str
    css_class: str
    points: list[tuple[date, float]]
    svg_points: str = ""
    dots: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class LineChart:
    title: str
    y_label: str
    series: list[Series]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    width: int
    height: int
    left: int
    bottom: int
    empty: bool

    @property
    def rows(self) -> list[tuple[date, list[str]]]:
        """The same data as a table: one row per date, one column per series."""
        by_day: dict[date, list[str]] = {}
        for index, series in enumerate(self.series):
            for day, value in series.points:
                by_day.setdefault(day, [""] * len(self.series))[index] = _number(value)
        return sorted(by_day.items())


def _number(value: float) -> str:
    """3.5 as "3.5" or "3,5", 4.0 as "4": as few digits as the value needs, with the language's decimal mark."""
    return formats.number_format(Decimal(f"{value:g}"))


def _day(day: date) -> str:
    return dateformat.format(day, "d M")


def line_chart(
    title: str,
    y_label: str,
    series: list[Series],
    *,
    y_min: float,
    y_max: float,
    y_step: float,
    width: int = 640,
    height: int = 240,
) -> LineChart:
    left, right, top, bottom = 40, 12, 12, 28
    days = sorted({day for s in series for day, _ in s.points})
    empty = not days
    first, last = (days[0], days[-1]) if days else (date.today(), date.today())
    span = max((last - first).days, 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(day: date) -> float:
        return round(left + (day - first).days / span * plot_w, 1)

    def y_of(value: float) -> float:
        return round(top + (1 - (value - y_min) / (y_max - y_min)) * plot_h, 1)

    for s in series:
        s.dots = [(x_of(day), y_of(value), f"{_day(day)}: {_number(value)}") for day, value in s.points]
        s.svg_points = " ".join(f"{x},{y}" for x, y, _ in s.dots)
    y_ticks = []
    value = y_min
    while value <= y_max:
        y_ticks.append((y_of(value), _number(value)))
        value += y_step
    x_ticks = [(x_of(day), _day(day)) for day in _spread(first, last)] if days else []
    return LineChart(title, y_label, series, y_ticks, x_ticks, width, height, left, height - bottom, empty)


def _spread(first: date, last: date, count: int = 5) -> list[date]:
    span = (last - first).days
    return sorted({first + timedelta(days=round(span * i / (count - 1))) for i in range(count)})
