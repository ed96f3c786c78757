"""Figures, dates, money and headings stay on one line at 1400 and 1920 px; chart labels keep their size.

At 1400 px the profiles list broke dates over three lines ("2026- / 09-07 / 00:50"),
money over two ("9,180.72 / UAH") and headings ("First / seen"); persona cards broke
"(18 / %)"; the persona charts were drawn 560 units wide in a 360 px card, so their 12 px
labels were shown at 8 px. Keeping figures whole must not push a card's table out of it.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Shop, admin_page, screenshot

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("browser")]

# the text of each element matching the selector, with the number of lines it is drawn on
LINES = """(selector) => [...document.querySelectorAll(selector)].map(el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
  return [el.textContent.trim(), tops.size];
})"""
# the size each chart label is drawn at on screen, in px
LABEL_PX = """() => [...document.querySelectorAll("figure.chart svg")].flatMap(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("text.chart-label")].map(t =>
    [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]);
})"""
ONE_LINE = {
    "/profiles": "thead th, tbody .figure, tbody time",
    "/personas": ".figure",
    "/personas/0": "thead th, tbody .figure",
    "/audit": "thead th, tbody time",
}
# cards whose content is wider than they are (they scroll sideways): text that cannot wrap pushed them
SCROLLED = """() => [...document.querySelectorAll(".card")].filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => c.querySelector("h1, h2, caption")?.textContent.trim() || c.className)"""


def broken(page: Any, selector: str) -> list[list[Any]]:
    found: list[list[Any]] = page.evaluate(LINES, selector)
    assert found, f"nothing matches {selector}"
    return [item for item in found if item[1] != 1]


@pytest.mark.parametrize("width", [1400, 1920])
def test_figures_dates_and_headings_stay_on_one_line(browser: Any, shop: Shop, width: int) -> None:
    with admin_page(browser, shop, width) as page:
        for path, selector in ONE_LINE.items():
            page.goto(path)
            assert broken(page, selector) == [], path
            assert page.evaluate(SCROLLED) == [], path
            screenshot(page, f"wrapping{path.replace('/', '-')}-{width}")
        page.goto("/personas")
        labels: list[list[Any]] = page.evaluate(LABEL_PX)
        assert labels and [label for label in labels if label[1] < 11.5] == []
