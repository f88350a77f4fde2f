"""Server-rendered charts: geometry computed here, drawn by templates/patients/_line_chart.html as SVG.

No JavaScript, so they work everywhere, print well and pass a strict CSP; each chart comes with a
table of the same numbers as its text alternative. Dates and numbers are written in the active language; SVG
coordinates are strings, so no language's decimal comma reaches them. A year of daily points is several hundred
dots and table rows: their labels are written here, once each, not by a template filter per row.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import dateformat, formats
from django.utils.dates import MONTHS_3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext


@dataclass
class Series:
    name: str
    css_class: str
    points: list[tuple[date, float]]
    svg_points: str = ""
    dots: list[tuple[str, str, str]] = field(default_factory=list)  # x, y, "12 Mar: 4"

    @property
    def svg_dots(self) -> SafeString:
        """The dots as SVG circles, each titled with its date and value."""
        name, css = escape(self.name), escape(self.css_class)
        return mark_safe(  # noqa: S308 - every value escaped
            "".join(
                f'<circle cx="{x}" cy="{y}" r="3.5" class="chart-dot {css}">'
                f"<title>{name} {escape(label)}</title></circle>"
                for x, y, label in self.dots
            )
        )


@dataclass
class LineChart:
    title: str
    y_label: str
    series: list[Series]
    y_ticks: list[tuple[str, str]]
    x_ticks: list[tuple[str, str]]
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

    @property
    def table_rows(self) -> SafeString:
        """`rows` as the table's <tr> elements, each date written out ("3 Mar 2026" in the active language)."""
        long_day = _day_formatter(gettext("j M Y"))
        return mark_safe(  # noqa: S308 - every value escaped
            "".join(
                f'<tr><th scope="row">{escape(long_day(day))}</th>'
                + "".join(f"<td>{escape(value or '–')}</td>" for value in values)
                + "</tr>"
                for day, values in self.rows
            )
        )


def _number(value: float) -> str:
    """3.5 as "3.5" or "3,5", 4.0 as "4": as few digits as the value needs, with the language's decimal mark."""
    if value == int(value):
        return str(int(value))  # no decimal mark to localise
    return formats.number_format(Decimal(f"{value:g}"))


def _day_formatter(fmt: str):
    """A function writing dates in `fmt`: Django's date format, or for the formats the charts use, the same text
    from the month names translated once (a DateFormat per date costs more than the rest of a row)."""
    months = {number: str(name).title() for number, name in MONTHS_3.items()}  # as DateFormat's "M" writes them
    if fmt == "d M":
        return lambda day: f"{day.day:02d} {months[day.month]}"
    if fmt == "j M Y":
        return lambda day: f"{day.day} {months[day.month]} {day.year}"
    return lambda day: dateformat.format(day, fmt)


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

    short_day = _day_formatter("d M")
    for s in series:
        s.dots = [(str(x_of(day)), str(y_of(value)), f"{short_day(day)}: {_number(value)}") for day, value in s.points]
        s.svg_points = " ".join(f"{x},{y}" for x, y, _ in s.dots)
    y_ticks = []
    value = y_min
    while value <= y_max:
        y_ticks.append((str(y_of(value)), _number(value)))
        value += y_step
    x_ticks = [(str(x_of(day)), short_day(day)) for day in _spread(first, last)] if days else []
    return LineChart(title, y_label, series, y_ticks, x_ticks, width, height, left, height - bottom, empty)


def _spread(first: date, last: date, count: int = 5) -> list[date]:
    span = (last - first).days
    return sorted({first + timedelta(days=round(span * i / (count - 1))) for i in range(count)})
