from datetime import date

from patients.charts import Series, line_chart


def test_points_are_placed_by_date_and_value():
    chart = line_chart(
        "Pain",
        "0–10",
        [Series("Before", "series-a", [(date(2026, 1, 1), 10), (date(2026, 1, 11), 0)])],
        y_min=0,
        y_max=10,
        y_step=5,
        width=140,
        height=140,
    )
    # plot area: x 40..128, y 12..112
    assert chart.series[0].svg_points == "40.0,12.0 128.0,112.0"
    assert [label for _, label in chart.y_ticks] == ["0", "5", "10"]
    assert chart.rows == [(date(2026, 1, 1), ["10"]), (date(2026, 1, 11), ["0"])]


def test_two_series_share_rows_by_date():
    chart = line_chart(
        "Pain",
        "0–10",
        [
            Series("Before", "a", [(date(2026, 1, 1), 6)]),
            Series("After", "b", [(date(2026, 1, 1), 4), (date(2026, 1, 2), 3)]),
        ],
        y_min=0,
        y_max=10,
        y_step=2,
    )
    assert chart.rows == [(date(2026, 1, 1), ["6", "4"]), (date(2026, 1, 2), ["", "3"])]


def test_empty_chart_says_so():
    assert line_chart("Pain", "", [Series("Before", "a", [])], y_min=0, y_max=10, y_step=5).empty
