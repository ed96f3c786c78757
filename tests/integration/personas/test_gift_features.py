"""The gift, brand and browsing features of the features query, on a hand-made shop.

Every expected value below is counted by hand from the rows written here: orders
imported from a shop export (shipping name, gift wrap, SKU and brand per line) and a
web customer tracked through the SDK path.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import ColumnMapping
from persona360.personas.features import GiftCalendar, read_features
from persona360.personas.holidays import GiftCalendarError
from persona360.settings import load_settings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
MAPPING = {
    "order_id": "order_id", "ordered_at": "timestamp", "customer_id": "id:shop", "first_name": "trait:firstName",
    "last_name": "trait:lastName", "email": "email", "ship_name": "prop:ship_name", "gift_wrap": "prop:gift_wrap",
    "sku": "item:sku", "brand": "item:brand", "category": "item:category", "quantity": "item:quantity",
    "unit_price": "item:price", "order_total": "prop:total", "currency": "prop:currency",
}  # fmt: skip
# customer, order, day, first name, last name, shipped to, wrapped, [(sku, brand)]
ORDERS = [
    # Olena: to herself, to someone else, to herself with her names swapped but wrapped
    ("c1", "o1", "2026-10-25", "Olena", "Kovalenko", "Olena Kovalenko", "false", [("A1", "Acme")]),
    ("c1", "o2", "2026-09-10", "Olena", "Kovalenko", "Taras Shevchenko", "false", [("A2", "Acme")]),
    ("c1", "o3", "2026-11-20", "Olena", "Kovalenko", "kovalenko olena", "true", [("B1", "Bolt")]),
    # Ivan: last name left blank in the export, ships to himself, on a holiday itself (not before it)
    ("c2", "o4", "2026-10-31", "Ivan", "", "Ivan Petrenko", "false", [("A1", "Acme")]),
    # Marta re-orders one SKU: replenishment, and too few products to tell brand loyalty
    ("c3", "o5", "2026-08-01", "Marta", "Bondar", "Marta Bondar", "false", [("C1", "Cora")]),
    ("c3", "o6", "2026-09-01", "Marta", "Bondar", "Marta Bondar", "false", [("C1", "Cora")]),
    ("c3", "o7", "2026-10-01", "Marta", "Bondar", "Marta Bondar", "false", [("C1", "Cora")]),
    # Petro: four different products, three of one brand
    ("c4", "o8", "2026-08-05", "Petro", "Melnyk", "Petro Melnyk", "false", [("A1", "Acme"), ("A2", "Acme")]),
    ("c4", "o9", "2026-08-06", "Petro", "Melnyk", "", "false", [("A3", "Acme"), ("B1", "Bolt")]),
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("gift")
    settings = load_settings(db=folder / "ws.duckdb")
    with Workspace(settings, FixedClock(NOW), create=True) as workspace:
        workspace.ingest.import_file(
            _export(folder / "orders.csv"), source="shop", kind="orders", mapping=ColumnMapping(MAPPING)
        )
        workspace.access.ensure_source("web")
        workspace.ingest.send("web", _web_customer())
        yield workspace


def _export(path: Path) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(MAPPING)
        for customer, order, day, first, last, ship, wrap, items in ORDERS:
            for sku, brand in items:
                writer.writerow([order, f"{day}T10:00:00Z", customer, first, last, f"{customer}@shop.test", ship,
                                 wrap, sku, brand, "home", "1", "100", str(100 * len(items)), "UAH"])  # fmt: skip
    return path


def _web_customer() -> list[dict[str, Any]]:
    """Dana, tracked on the site: four product views, one wrapped order with no shipping name."""
    at = "2026-11-01T12:00:{:02d}Z"
    calls: list[dict[str, Any]] = [
        {
            "type": "identify",
            "userId": "dana",
            "timestamp": at.format(0),
            "traits": {"createdAt": "2026-11-13T12:00:00Z"},
        }
    ]
    calls += [
        {"type": "track", "userId": "dana", "event": "Product Viewed", "timestamp": at.format(n),
         "properties": {"product_id": f"P{n}"}}
        for n in range(1, 5)
    ]  # fmt: skip
    calls.append({
        "type": "track", "userId": "dana", "event": "Order Completed", "timestamp": at.format(9),
        "properties": {"order_id": "w1", "revenue": 50, "currency": "UAH", "gift_wrap": True,
                       "products": [{"product_id": "P1", "sku": "D1", "brand": "Dart"}]},
    })  # fmt: skip
    return calls


def _by_customer(ws: Workspace, calendar: GiftCalendar | None = None) -> dict[str, dict[str, Any]]:
    table = read_features(ws.db, NOW, calendar=calendar)
    customers = ["c1", "c2", "c3", "c4", "dana"]
    names = dict(
        ws.db.query("SELECT profile_id, value FROM identifiers WHERE list_contains($c, value)", {"c": customers})
    )
    keyed = {str(names[p]): {k: v[i] for k, v in table.items()} for i, p in enumerate(table["profile_id"])}
    assert sorted(keyed) == customers
    return keyed


def test_orders_sent_to_someone_else(ws: Workspace) -> None:
    rows = _by_customer(ws)
    assert rows["c1"]["other_recipient_share"] == pytest.approx(1 / 3)  # swapped names are still her
    assert rows["c1"]["gift_share"] == pytest.approx(1 / 3)  # wrapped
    assert rows["c1"]["gift_order_share"] == pytest.approx(2 / 3)  # wrapped or sent elsewhere
    assert rows["c2"]["other_recipient_share"] == 0.0  # a blank last name: the first name matches
    assert rows["c4"]["other_recipient_share"] == 0.0  # one order without a shipping name: not counted
    assert rows["dana"]["other_recipient_share"] is None  # no order names a recipient: unknown
    assert rows["dana"]["gift_order_share"] == 1.0


def test_orders_before_a_gift_holiday(ws: Workspace) -> None:
    rows = _by_customer(ws)
    # o1 six days before Halloween, o3 a week before Black Friday (27 Nov 2026); o2 is 9 days after 1 Sep
    assert rows["c1"]["holiday_share"] == pytest.approx(2 / 3)
    assert rows["c2"]["holiday_share"] == 0.0  # bought on the day itself: too late for a present
    # 1 Aug is 23 days before 24 Aug; 1 Sep and 1 Oct are gift days themselves
    assert rows["c3"]["holiday_share"] == 0.0
    christmas_only = _by_customer(ws, GiftCalendar("12-25", 3))
    assert christmas_only["c1"]["holiday_share"] == 0.0


def test_brand_loyalty_counts_distinct_products(ws: Workspace) -> None:
    rows = _by_customer(ws)
    assert rows["c4"]["top_brand_share"] == pytest.approx(3 / 4)
    assert rows["c3"]["top_brand_share"] is None  # one product re-ordered: loyalty to it, not to a brand
    assert rows["c3"]["repeat_item_share"] == pytest.approx(2 / 3)
    assert rows["c1"]["top_brand_share"] == pytest.approx(2 / 3)


def test_browsing_and_tenure_are_unknown_not_zero(ws: Workspace) -> None:
    rows = _by_customer(ws)
    assert rows["dana"]["views_per_order"] == 4.0
    assert rows["c1"]["views_per_order"] is None and rows["c1"]["reviews_per_order"] is None  # imported orders only
    assert rows["dana"]["tenure_days"] == pytest.approx(10.0)
    assert rows["c1"]["tenure_days"] is None  # no account date: first seen is when the data starts


@pytest.mark.parametrize(
    ("days", "window", "message"),
    [
        ("12-25,xmas", 14, "gift day 'xmas': use MM-DD"),
        ("13-01", 14, "gift day '13-01'"),
        ("12-25", 0, "gift window of 0 days"),
    ],
)
def test_a_bad_gift_calendar_is_named(ws: Workspace, days: str, window: int, message: str) -> None:
    with pytest.raises(GiftCalendarError, match=message):
        read_features(ws.db, NOW, calendar=GiftCalendar(days, window))
