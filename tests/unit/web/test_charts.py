"""Chart labels stay inside the chart (charts.py reserves room from an estimate of their width)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from persona360.web.charts import LABEL_WIDTH, LINE_WIDTH, Series, bar_chart, fit_text, line_chart, text_width

DAY = datetime(2026, 11, 1, tzinfo=UTC)


def value_labels(svg: str) -> list[tuple[float, str]]:
    return [(float(x), text) for x, text in re.findall(r'<text class="chart-value" x="([\d.]+)"[^>]*>([^<]*)<', svg)]


def test_the_longest_value_label_ends_inside_the_bar_chart() -> None:
    # the overview's "Revenue by source" cut "37,353,897.7" at the card's edge
    svg = str(bar_chart("Revenue by source (UAH)", [("shop-web", 37_353_897.7), ("shop", 1_200.5)], width=560))
    labels = value_labels(svg)
    assert [text for _, text in labels] == ["37,353,897.7", "1,200.5"]
    assert all(x + text_width(text) <= 560 for x, text in labels)


def test_short_values_keep_the_bars_as_long_as_before() -> None:
    svg = str(bar_chart("Sizes", [("a", 10.0), ("b", 5.0)], width=560))
    assert 'width="310.0"' in svg  # 560 - LABEL_WIDTH - VALUE_WIDTH, as before


def test_a_long_name_is_shortened_to_fit_left_of_the_bars() -> None:
    name = "Weekend gift shoppers who buy for the whole family"
    shown = re.findall(r'<text class="chart-label"[^>]*>([^<]*)<', str(bar_chart("Personas", [(name, 1.0)])))[0]
    assert shown.endswith("…") and name.startswith(shown[:-1])
    assert text_width(shown) <= LABEL_WIDTH - 8


def test_fit_text_keeps_what_fits() -> None:
    assert fit_text("shop", 100) == "shop"
    assert text_width(fit_text("x" * 100, 50)) <= 50


def test_the_line_chart_makes_room_for_a_large_top_value() -> None:
    points = [(DAY + timedelta(days=d), float(v)) for d, v in enumerate([1_000_000, 12_345_678])]
    svg = str(line_chart("Events per day", [Series("events", points)]))
    x, text = re.findall(r'<text class="chart-label" x="([\d.]+)" y="[\d.]+" text-anchor="end">([^<]*)<', svg)[0]
    assert text == "12,345,678"
    assert float(x) - text_width(text) >= 0
    polyline = re.findall(r'points="([^"]+)"', svg)[0].split()
    assert float(polyline[0].split(",")[0]) > float(x) and float(polyline[-1].split(",")[0]) <= LINE_WIDTH


def axis_ends(svg: str) -> list[str]:
    pattern = r'<text class="chart-label" x="[\d.]+" y="\d+"(?: text-anchor="end")?>([^<]*\d\d:\d\d[^<]*)<'
    return re.findall(pattern, svg)


def test_counts_within_one_minute_have_distinct_axis_ends() -> None:
    """Right after setup both ends of "Segment size over time" read "25 Nov 07:08"."""
    start = datetime(2026, 11, 25, 7, 8, 37, tzinfo=UTC)
    points = [(start, 627.0), (start + timedelta(seconds=2), 512.0)]
    assert axis_ends(str(line_chart("Members over time", [Series("Abandoned cart", points)]))) == [
        "25 Nov 07:08:37",
        "25 Nov 07:08:39",
    ]
    one_moment = str(line_chart("Members over time", [Series("At risk", [(start, 176.0)])]))
    assert axis_ends(one_moment) == ["all at 25 Nov 07:08:37"]


def test_a_count_holds_until_it_changes_and_up_to_now() -> None:
    """A segment that never changed was a lone dot; its size holds from its count to now."""
    start = datetime(2026, 11, 25, 7, 8, tzinfo=UTC)
    now = start + timedelta(minutes=5)
    held = Series("Abandoned cart", [(start, 627.0), (start + timedelta(minutes=1), 512.0)]).held_until(now)
    assert held.points == [
        (start, 627.0),
        (start + timedelta(minutes=1), 627.0),
        (start + timedelta(minutes=1), 512.0),
        (now, 512.0),
    ]
    still = Series("At risk", [(start, 176.0)]).held_until(now)
    assert still.points == [(start, 176.0), (now, 176.0)]
    svg = str(line_chart("Segment size over time", [held, still]))
    assert "<circle" not in svg and svg.count("<polyline") == 2
    assert axis_ends(svg) == ["25 Nov 07:08", "25 Nov 07:13"]
