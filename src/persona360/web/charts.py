"""Charts drawn on the server as inline SVG: horizontal bars and lines over time.

No JavaScript and no third-party library: each chart is a ``<figure>`` whose SVG has a
``<title>`` and ``<desc>`` for screen readers, and a caption naming what it shows.
Colours come from CSS classes (``static/app.css``), so the palette lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import ceil

from markupsafe import Markup, escape

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 170
VALUE_WIDTH = 80  # the least room kept right of the bars for their value labels
VALUE_GAP = 6
FONT_PX = 12  # .chart-label and .chart-value in static/app.css
_CHAR_EM = dict.fromkeys(",.:;'!|ijlI ()[]-", 0.32) | dict.fromkeys("mwMW%@—", 1.0)
LINE_WIDTH = 640
LINE_HEIGHT = 220
PAD = 36
SERIES_CLASSES = 6


@dataclass(frozen=True)
class Series:
    """One line: a name and its (time, value) points in time order."""

    name: str
    points: Sequence[tuple[datetime, float]]

    def held_until(self, moment: datetime) -> Series:
        """The series as a count that holds until its next change, drawn up to ``moment``.

        A segment's size is written down only when it changes: between two counts the
        first still holds (a step, not a slope), and the last holds until now, so a
        segment that has not changed since setup is a line to now, not a lone dot.
        """
        if not self.points:
            return self
        steps: list[tuple[datetime, float]] = [self.points[0]]
        for moment_i, value in self.points[1:]:
            steps += [(moment_i, steps[-1][1]), (moment_i, value)]
        if moment > steps[-1][0]:
            steps.append((moment, steps[-1][1]))
        return Series(self.name, steps)


def bar_chart(
    title: str, items: Sequence[tuple[str, float]], unit: str = "", width: int = 560, labels: float = LABEL_WIDTH
) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given; ``labels`` is the room left of them.

    The bars leave room for the widest value label at the end of the longest bar, so a
    large figure ("37,353,897.7") is shown whole instead of cut at the chart's edge.
    """
    if not items:
        return _empty(title)
    top = max(value for _, value in items) or 1.0
    values = [format_number(value) + unit for _, value in items]
    span = width - labels - max(VALUE_WIDTH, VALUE_GAP + max(map(text_width, values)) + VALUE_GAP)
    height = len(items) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    labelled = list(zip(items, values, strict=True))
    rows = [_bar(i, label, value, top, span, text, labels) for i, ((label, value), text) in enumerate(labelled)]
    summary = "; ".join(f"{label}: {text}" for (label, _), text in labelled)
    return _figure(title, summary, width, height, "".join(rows))


def _bar(index: int, label: str, value: float, top: float, span: float, text: str, labels: float) -> str:
    y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
    length = max(value / top * span, 1.0 if value else 0.0)
    middle = y + BAR_HEIGHT / 2 + 4
    return (
        f'<text class="chart-label" x="{labels - 8:g}" y="{middle:.1f}" text-anchor="end">'
        f"{escape(fit_text(label, labels - 8 - VALUE_GAP))}</text>"
        f'<rect class="chart-bar" x="{labels:g}" y="{y}" width="{length:.1f}" '
        f'height="{BAR_HEIGHT}" rx="3"/>'
        f'<text class="chart-value" x="{labels + length + VALUE_GAP:.1f}" y="{middle:.1f}">{escape(text)}</text>'
    )


def label_room(labels: Iterable[str]) -> float:
    """The room left of the bars that the widest of ``labels`` needs, at most ``LABEL_WIDTH``.

    For a chart drawn in a narrow card (a persona's), where the usual 170 units of labels
    left too little for the bars unless the chart was drawn wider and scaled down, which
    shrank its 12 px text to 8 px.
    """
    return min(LABEL_WIDTH, ceil(max(map(text_width, labels), default=0.0)) + 8 + VALUE_GAP)


def text_width(text: str) -> float:
    """A generous estimate of ``text``'s width in chart units, at the charts' 12px font.

    SVG text does not wrap or shrink, so room for a label is reserved from this estimate.
    The widths are DejaVu Sans's (the widest common sans-serif, and Debian's default),
    rounded up: digits 0.64 em, separators 0.32 em, capitals 0.78 em, ``m``/``w``/``%`` 1 em.

    Example:
        >>> round(text_width("37,353,897.7"), 1)
        80.6
    """
    return FONT_PX * sum(_CHAR_EM.get(c, 0.78 if c.isupper() else 0.64) for c in text)


def fit_text(text: str, room: float) -> str:
    """``text``, or its longest start that fits ``room`` with an ellipsis after it."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def line_chart(title: str, series: Sequence[Series], unit: str = "") -> Markup:
    """Lines over a shared time axis, with min/max labels and a legend."""
    points = [p for s in series for p in s.points]
    if not points:
        return _empty(title)
    t0 = min(t for t, _ in points).timestamp()
    t1 = max(t for t, _ in points).timestamp()
    top = max(max(v for _, v in points), 1.0)
    top_text = format_number(top) + unit
    left = max(PAD, round(text_width(top_text)) + 8)  # the top value's label fits left of the axis
    plot_w, plot_h = LINE_WIDTH - left - PAD, LINE_HEIGHT - 2 * PAD

    def xy(moment: datetime, value: float) -> str:
        x = left + (moment.timestamp() - t0) / ((t1 - t0) or 1.0) * plot_w
        return f"{x:.1f},{PAD + plot_h - value / top * plot_h:.1f}"

    body = [_axes(left, plot_w, plot_h, top_text, min(t for t, _ in points), max(t for t, _ in points))]
    for i, line in enumerate(series):
        path = " ".join(xy(t, v) for t, v in line.points)
        klass = f"chart-line s{i % SERIES_CLASSES}"
        if len(line.points) == 1:
            x, y = xy(*line.points[0]).split(",")
            body.append(f'<circle class="{klass}" cx="{x}" cy="{y}" r="3"/>')
        else:
            body.append(f'<polyline class="{klass}" points="{path}"/>')
    summary = "; ".join(
        f"{s.name}: {format_number(s.points[0][1])} to {format_number(s.points[-1][1])}{unit}"
        for s in series
        if s.points
    )
    legend = _legend(series)
    return _figure(title, summary, LINE_WIDTH, LINE_HEIGHT, "".join(body), legend)


def _axes(left: int, plot_w: int, plot_h: int, top_text: str, first: datetime, last: datetime) -> str:
    bottom = PAD + plot_h
    start, end = time_labels(first, last)
    ends = (
        f'<text class="chart-label" x="{left}" y="{bottom + 18}">{escape(start)}</text>'
        f'<text class="chart-label" x="{left + plot_w}" y="{bottom + 18}" text-anchor="end">{escape(end)}</text>'
        if end
        else f'<text class="chart-label" x="{left}" y="{bottom + 18}">all at {escape(start)}</text>'
    )
    return (
        f'<line class="chart-axis" x1="{left}" y1="{bottom}" x2="{left + plot_w}" y2="{bottom}"/>'
        f'<line class="chart-axis" x1="{left}" y1="{PAD}" x2="{left}" y2="{bottom}"/>'
        f'<text class="chart-label" x="{left - 4}" y="{PAD + 4}" text-anchor="end">{escape(top_text)}</text>'
        f'<text class="chart-label" x="{left - 4}" y="{bottom + 4}" text-anchor="end">0</text>' + ends
    )


def time_labels(first: datetime, last: datetime) -> tuple[str, str]:
    """The time axis's two ends, to the minute, or to the second when minutes would read the same.

    Just after setup every count falls within a minute, and both ends read "25 Nov 07:08".
    The end's label is empty when there is one moment only.

    Example:
        >>> from datetime import datetime
        >>> time_labels(datetime(2026, 11, 25, 7, 8, 37), datetime(2026, 11, 25, 7, 8, 39))
        ('25 Nov 07:08:37', '25 Nov 07:08:39')
        >>> time_labels(datetime(2026, 11, 25, 7, 8), datetime(2026, 11, 26, 9, 0))
        ('25 Nov 07:08', '26 Nov 09:00')
    """
    for pattern in ("%d %b %H:%M", "%d %b %H:%M:%S"):
        start, end = f"{first:{pattern}}", f"{last:{pattern}}"
        if start != end:
            return start, end
    return start, ""


def _legend(series: Sequence[Series]) -> str:
    items = "".join(
        f'<li><span class="swatch s{i % SERIES_CLASSES}" aria-hidden="true"></span>{escape(s.name)}</li>'
        for i, s in enumerate(series)
    )
    return f'<ul class="chart-legend">{items}</ul>'


def diverging_chart(
    title: str, items: Sequence[tuple[str, float]], unit: str = "", width: int = 560, labels: float = LABEL_WIDTH
) -> Markup:
    """Bars left (below average) or right (above) of a centre line, e.g. standardised lifts.

    ``labels`` is the room left of the bars; right of them is room for the widest value.
    """
    if not items:
        return _empty(title)
    reach = max(abs(value) for _, value in items) or 1.0
    values = max(text_width(f"{value:+.2f}{unit}") for _, value in items) + 2 * VALUE_GAP
    half = (width - labels - values) / 2
    centre = labels + half
    height = len(items) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    body = [f'<line class="chart-axis" x1="{centre:.1f}" y1="0" x2="{centre:.1f}" y2="{height}"/>']
    for i, (label, value) in enumerate(items):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        length = max(abs(value) / reach * half, 1.0)
        x = centre if value >= 0 else centre - length
        klass = "chart-bar" if value >= 0 else "chart-bar negative"
        body.append(
            f'<text class="chart-label" x="{labels - 8:g}" y="{y + BAR_HEIGHT / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(fit_text(label, labels - 8 - VALUE_GAP))}</text>"
            f'<rect class="{klass}" x="{x:.1f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" rx="3"/>'
            f'<text class="chart-value" x="{centre + half + 6:.1f}" y="{y + BAR_HEIGHT / 2 + 4:.1f}">'
            f"{value:+.2f}{escape(unit)}</text>"
        )
    summary = "; ".join(f"{label}: {value:+.2f}{unit}" for label, value in items)
    return _figure(title, summary, width, height, "".join(body))


def funnel_chart(title: str, steps: Sequence[tuple[str, float]], width: int = 560) -> Markup:
    """Columns for the steps of a funnel, each labelled with its count and its share of the first."""
    if not steps or not steps[0][1]:
        return _empty(title)
    first = steps[0][1]
    column = (width - PAD) / len(steps)
    height = LINE_HEIGHT
    plot_h = height - 2 * PAD - 10
    body = [f'<line class="chart-axis" x1="{PAD / 2}" y1="{PAD + plot_h}" x2="{width}" y2="{PAD + plot_h}"/>']
    for i, (label, value) in enumerate(steps):
        h = max(value / first * plot_h, 1.0 if value else 0.0)
        x = PAD / 2 + i * column + column * 0.15
        share = f"{value / first:.0%}"
        body.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{PAD + plot_h - h:.1f}" width="{column * 0.7:.1f}" '
            f'height="{h:.1f}" rx="3"/>'
            f'<text class="chart-value" x="{x + column * 0.35:.1f}" y="{PAD + plot_h - h - 6:.1f}" '
            f'text-anchor="middle">{escape(format_number(value))} ({share})</text>'
            f'<text class="chart-label" x="{x + column * 0.35:.1f}" y="{PAD + plot_h + 16:.1f}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    summary = "; ".join(f"{label}: {format_number(value)} ({value / first:.0%})" for label, value in steps)
    return _figure(title, summary, width, height, "".join(body))


def interval_chart(
    title: str, estimate: float | None, low: float | None, high: float | None, width: int = 560
) -> Markup:
    """A point with its confidence interval on an axis through zero (differences in rate points)."""
    if estimate is None or low is None or high is None:
        return _empty(title)
    reach = max(abs(low), abs(high), 0.01) * 1.15
    left, right, y = PAD, width - PAD, 44

    def x(value: float) -> float:
        return left + (value + reach) / (2 * reach) * (right - left)

    def pct(value: float) -> str:
        return f"{value * 100:+.1f} pt"

    body = (
        f'<line class="chart-axis" x1="{left}" y1="{y + 26}" x2="{right}" y2="{y + 26}"/>'
        f'<line class="chart-zero" x1="{x(0):.1f}" y1="12" x2="{x(0):.1f}" y2="{y + 30}"/>'
        f'<text class="chart-label" x="{x(0):.1f}" y="{y + 44}" text-anchor="middle">0 (no effect)</text>'
        f'<text class="chart-label" x="{left}" y="{y + 44}">{escape(pct(-reach))}</text>'
        f'<text class="chart-label" x="{right}" y="{y + 44}" text-anchor="end">{escape(pct(reach))}</text>'
        f'<line class="chart-interval" x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" y2="{y}"/>'
        f'<line class="chart-interval" x1="{x(low):.1f}" y1="{y - 8}" x2="{x(low):.1f}" y2="{y + 8}"/>'
        f'<line class="chart-interval" x1="{x(high):.1f}" y1="{y - 8}" x2="{x(high):.1f}" y2="{y + 8}"/>'
        f'<circle class="chart-point" cx="{x(estimate):.1f}" cy="{y}" r="6"/>'
        f'<text class="chart-value" x="{x(estimate):.1f}" y="{y - 14}" text-anchor="middle">'
        f"{escape(pct(estimate))}</text>"
    )
    summary = f"difference {pct(estimate)}, 95% interval {pct(low)} to {pct(high)}"
    return _figure(title, summary, width, y + 52, body)


def _figure(title: str, summary: str, width: int, height: int, body: str, extra: str = "") -> Markup:
    # every text from data went through escape() in the builders above
    return Markup(  # noqa: S704
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>{body}</svg>{extra}</figure>"
    )


def _empty(title: str) -> Markup:
    return Markup(  # noqa: S704 - the title is escaped
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p class="muted">No data yet.</p></figure>'
    )


def format_number(value: float) -> str:
    """1234567 -> '1,234,567'; 12.5 -> '12.5'; 0.333 -> '0.33'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
