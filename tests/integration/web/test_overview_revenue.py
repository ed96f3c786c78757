"""The overview's "Revenue by source" never adds up orders in different currencies.

The demo shop sells in UAH, PLN and USD; the overview summed them as one number. Each
currency now has its own chart, or, with a reporting currency and the user's rates, the
converted total comes first and what has no rate is shown apart, marked not converted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.settings import load_settings
from persona360.web.figures import revenue_by_source
from persona360.web.routes import count_overview

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ORDERS = [  # source, order id, revenue, currency, day of October
    ("web", "w1", 1000.0, "UAH", 10),
    ("web", "w2", 50.5, "PLN", 10),
    ("web", "w3", 20.0, "USD", 20),
    ("shop", "s1", 300.0, "UAH", 20),
    ("shop", "s2", 10.0, "USD", 2),
    ("shop", "s3", 99.0, None, 20),  # names no currency: revenue_currency (UAH)
]


def order(order_id: str, revenue: float, currency: str | None, day: int) -> dict[str, Any]:
    properties: dict[str, Any] = {"order_id": order_id, "revenue": revenue}
    if currency:
        properties["currency"] = currency
    moment = datetime(2026, 10, day, 12, 0, tzinfo=UTC)
    return {"type": "track", "userId": f"u-{order_id}", "event": "Order Completed", "properties": properties,
            "timestamp": moment.isoformat()}  # fmt: skip


def shop(tmp_path: Path, **settings: Any) -> Iterator[Workspace]:
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb", **settings), FixedClock(NOW), create=True)
    for source in ("web", "shop"):
        ws.access.add_source(source)
    for source, order_id, revenue, currency, day in ORDERS:
        ws.ingest.send(source, [order(order_id, revenue, currency, day)])
    yield ws
    ws.close()


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[Workspace]:
    yield from shop(tmp_path)


@pytest.fixture
def converting(tmp_path: Path) -> Iterator[Workspace]:
    # USD has a rate only from 15 October: the order of the 2nd stays in USD
    yield from shop(tmp_path, reporting_currency="UAH", exchange_rates=["USD 2026-10-15 41.5", "PLN 2026-01-01 10"])


def test_each_currency_has_its_own_revenue_by_source(plain: Workspace) -> None:
    assert revenue_by_source(plain) == {
        "PLN": [("web", 50.5)],
        "UAH": [("web", 1000.0), ("shop", 399.0)],
        "USD": [("web", 20.0), ("shop", 10.0)],
    }
    charts = count_overview(plain)["charts"]["revenue"]
    captions = [str(chart).split("<figcaption>")[1].split("</figcaption>")[0] for chart in charts]
    assert captions == ["Revenue by source (PLN)", "Revenue by source (UAH)", "Revenue by source (USD)"]


def test_revenue_is_converted_only_where_the_user_gave_a_rate(converting: Workspace) -> None:
    assert revenue_by_source(converting) == {
        "UAH": [("web", 1000.0 + 50.5 * 10 + 20.0 * 41.5), ("shop", 399.0)],
        "USD, not converted": [("shop", 10.0)],
    }
    charts = count_overview(converting)["charts"]["revenue"]
    assert "Revenue by source (USD, not converted)" in str(charts[1])


def test_an_order_two_sources_reported_counts_for_each_and_the_total_counts_it_once(plain: Workspace) -> None:
    """The shop's export repeats the web's orders: it was credited only with the orders the web missed."""
    plain.ingest.send("shop", [order("w1", 1000.0, "UAH", 10), order("w3", 20.0, "USD", 20)])  # echoes
    assert revenue_by_source(plain) == {
        "PLN": [("web", 50.5)],
        "UAH": [("shop", 1399.0), ("web", 1000.0)],
        "USD": [("shop", 30.0), ("web", 20.0)],
    }
    figures = count_overview(plain)["figures"]
    assert figures["order_revenue"] == {"PLN": 50.5, "UAH": 1399.0, "USD": 30.0}
    html = fetch(plain, "/")[0].split('id="revenue-note">')[1].split("</p>")[0]
    note = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))  # each amount is a <span class="figure">
    assert note == (
        "Each source counts the orders it reported: an order two sources reported (a tracked checkout and the "
        "shop's export) counts in both. All orders, once each: 50.50 PLN; 1,399.00 UAH; 30.00 USD."
    )
