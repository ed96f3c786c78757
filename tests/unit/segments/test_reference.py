"""The reference evaluator on a handful of hand-made profiles: the meaning, one rule a case."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from persona360.segments.compile import epoch_us
from persona360.segments.parse import parse_condition
from persona360.segments.reference import Relations, evaluate_reference, parse_time

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def ts(**ago: float) -> int:
    return epoch_us(NOW - timedelta(**ago))


def event(pid: int, name: str, at: int, **props: object) -> dict[str, object]:
    return {"profile_id": pid, "type": "track", "event": name, "ts": at, "properties": json.dumps(props)}


DATA = Relations(
    profiles=[
        {"profile_id": 1, "orders_count": 3, "channels": ["web"], "last_seen": ts(days=1)},
        {"profile_id": 2, "orders_count": None, "channels": None, "last_seen": ts(days=40)},
        {"profile_id": 3, "orders_count": 0, "channels": ["app", "web"], "last_seen": ts(hours=1)},
    ],
    traits=[
        {"profile_id": 1, "name": "city", "value_text": "Kyiv", "value_num": None},
        {"profile_id": 2, "name": "city", "value_text": "Lviv", "value_num": None},
        {"profile_id": 1, "name": "size", "value_text": "38", "value_num": 38.0},
        {"profile_id": 1, "name": "vip", "value_text": "true", "value_num": None},
        {"profile_id": 1, "name": "born", "value_text": "1990-05-01T23:30:00-02:00", "value_num": None},
        {"profile_id": 2, "name": "born", "value_text": "1990", "value_num": 1990.0},
    ],
    events=[
        event(1, "Product Added", ts(hours=2), category="shoes", price=20),
        event(1, "Order Completed", ts(hours=2), revenue=100),
        event(2, "Product Added", ts(hours=3), category="hats", price="n/a"),
        event(2, "Order Completed", ts(hours=1), revenue=50.5),
        event(3, "Product Added", ts(hours=1)),
        event(3, "Product Added", ts(days=-1)),  # after now: never counts
        event(3, "Order Completed", ts(minutes=40)),
    ],
    members=[{"segment": "buyers", "profile_id": 2}],
)
CASES = {
    'not city = "Kyiv"': {2, 3},  # 3 has no city: not of nothing is true
    "orders_count >= 0": {1, 3},  # a missing column matches nothing
    "not orders_count >= 1": {2, 3},
    "size >= 38 and vip = true": {1},
    'city in ("Kyiv", "Odesa")': {1},
    'city contains "vi" and city starts with "L"': {2},
    'channels contains "app"': {3},
    "city is not set": {3},
    'born before "1990-05-02"': set(),  # 23:30-02:00 is 01:30 UTC the next day
    'born after "1990-05-02"': {1},  # and the bare year "1990" is no time
    "last_seen within 2d": {1, 3},
    'count("Product Added") >= 2': set(),  # 3's second add is in the future
    'count("Product Added", category = "shoes", within = 1d) = 1': {1},
    'count("Order Completed") = 0': set(),
    'not count("Coupon Applied") >= 1': {1, 2, 3},
    'sum("Order Completed", revenue) >= 50': {1, 2},
    'max("Product Added", price) >= 0': {1},  # "n/a" is no number; 3 has no price
    'then("Product Added", "Order Completed")': {2, 3},  # 1's order is the same instant
    'then("Product Added", "Order Completed", within = 1h)': {3},
    'then_not("Product Added", "Order Completed", within = 10m)': {2, 3},
    'then_not("Product Added", "Order Completed", within = 30m)': {2},  # 1: same instant
    'then_not("Product Added", "Page Viewed", within = 3h)': {2},  # 1 and 3: 3h not run out
    'last("Order Completed") within 90m': {2, 3},
    'first("Product Added") before 150m ago': {2},
    'in_segment("buyers")': {2},
}


@pytest.mark.parametrize(("condition", "members"), CASES.items(), ids=CASES.keys())
def test_reference_members(condition: str, members: set[int]) -> None:
    assert evaluate_reference(parse_condition(condition), DATA, NOW) == members


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-19", datetime(2026, 2, 19)),
        ("2026-02-19T19:07:58.438Z", datetime(2026, 2, 19, 19, 7, 58, 438000)),
        ("2026-02-19 21:07:58+02:00", datetime(2026, 2, 19, 19, 7, 58)),
        ("2026", None),
        ("2026-02", None),
        ("20260219", None),
        ("37", None),
        ("soon", None),
    ],
)
def test_parse_time(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected
