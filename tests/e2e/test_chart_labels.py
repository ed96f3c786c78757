"""Chart labels are drawn whole in Chromium: the text's real box stays inside its SVG.

The overview cut its longest value label at the card's edge ("37,353,897.7"). The
charts reserve room from an estimate of each label's width (charts.py ``text_width``);
this measures the real width with the stylesheet the pages use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import ROOT, cut_labels, screenshot, text_boxes
from persona360.web.charts import Series, bar_chart, line_chart

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("browser")]
CSS = (ROOT / "src" / "persona360" / "web" / "static" / "app.css").read_text(encoding="utf-8")


def test_large_figures_are_drawn_whole(browser: Any) -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    charts = [
        bar_chart("Revenue by source (UAH)", [("shop-web", 37_353_897.7), ("shop", 4_811_120.35)]),
        bar_chart("Personas", [("Weekend gift shoppers who buy for the whole family", 99.9)], unit=" %"),
        line_chart("Events per day", [Series("events", [(day + timedelta(days=d), 12_345_678.0 * d) for d in (1, 2)])]),
    ]
    cards = "".join(f'<section class="card">{chart}</section>' for chart in charts)
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    try:
        page.set_content(f'<html><head><style>{CSS}</style></head><body><main><div class="grid">{cards}</div></main>'
                         "</body></html>")  # fmt: skip
        assert "37,353,897.7" in [text for *_, text in text_boxes(page)]
        assert cut_labels(page) == []
        screenshot(page, "19-chart-labels")
    finally:
        context.close()
