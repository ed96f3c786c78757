"""The files themselves: deterministic, fully covered by the truth, valid Segment."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import pytest
from demo_shop_data import Demo

from persona360.demo import DemoSpec, generate_shop, outputs
from persona360.demo.generator import shard_ranges
from persona360.demo.outputs import event_slices
from persona360.demo.survey import demo_survey
from persona360.ingest.importers.mapping import check_role
from persona360.surveys.definitions import parse_survey
from persona360.surveys.importing import parse_answer_mapping

_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_FILES = (
    "events.jsonl",
    "orders.csv",
    "email_contacts.csv",
    "support_tickets.csv",
    "social_handles.csv",
    "survey_answers.csv",
    "truth.parquet",
    "manifest.json",
)


def _hashes(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in _FILES}


def test_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    spec = DemoSpec(customers=150, days=30, seed=3)
    generate_shop(spec, tmp_path / "a")
    generate_shop(spec, tmp_path / "b")
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")


def test_worker_processes_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    spec = DemoSpec(customers=150, days=30, seed=3)
    one = generate_shop(spec, tmp_path / "one", workers=1)
    three = generate_shop(spec, tmp_path / "three", workers=3)
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "three")
    assert one.files == three.files
    assert not (tmp_path / "three" / ".demo-spool").exists()


def test_shard_ranges_cover_everyone_once() -> None:
    assert shard_ranges(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert shard_ranges(2, 8) == [(0, 1), (1, 2)]
    assert shard_ranges(5, 1) == [(0, 5)]


def test_another_seed_writes_other_files(tmp_path: Path) -> None:
    generate_shop(DemoSpec(customers=150, days=30, seed=3), tmp_path / "a")
    generate_shop(DemoSpec(customers=150, days=30, seed=4), tmp_path / "b")
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert all(a[name] != b[name] for name in _FILES)


def test_truth_covers_every_record_exactly_once(demo: Demo) -> None:
    expected = {("shop-web", e["messageId"]) for e in demo.events}
    assert len(expected) == len(demo.events), "messageIds repeat"
    expected |= {("shop", oid) for oid in demo.orders()}
    for name, source, column in (
        ("email_contacts.csv", "email", "contact_id"),
        ("support_tickets.csv", "support", "ticket_id"),
        ("social_handles.csv", "social", "row_id"),
        ("survey_answers.csv", "survey", "response_id"),
    ):
        ids = [row[column] for row in demo.rows(name)]
        assert len(set(ids)) == len(ids), f"{name}: {column} repeats"
        expected |= {(source, i) for i in ids}
    assert set(demo.truth) == expected


def test_manifest_counts_and_mappings_match_the_files(demo: Demo) -> None:
    for entry in demo.manifest.files:
        if entry.format != "csv":
            continue
        rows = demo.rows(entry.name)
        assert len(rows) == entry.rows
        assert set(entry.mapping) <= set(rows[0]), entry.name
        if entry.kind == "survey":  # roles of the survey-answer importer, checked against the survey
            flags = [f"{column}={role}" for column, role in entry.mapping.items()]
            assert parse_answer_mapping(flags, list(rows[0]), parse_survey(demo_survey())) == entry.mapping
            continue
        for column, role in entry.mapping.items():
            assert check_role(role, column) == role
    assert demo.manifest.file("events.jsonl").rows == len(demo.events)
    assert demo.manifest.file("orders.csv").records == len(demo.orders())
    assert demo.manifest.file("truth.parquet").rows == len(demo.truth)


def test_events_follow_the_segment_spec(demo: Demo) -> None:
    assert len(demo.events) > 60 * demo.spec.customers
    for e in demo.events:
        assert e["type"] in ("identify", "track", "page", "screen", "alias")
        assert _ISO.match(e["timestamp"]), e["timestamp"]
        assert e["messageId"] and (e.get("userId") or e.get("anonymousId"))
        if e["type"] == "track":
            assert e["event"] and isinstance(e["properties"], dict)
        if e["type"] in ("page", "screen"):
            assert e["name"]
        if e["type"] == "identify":
            assert e["userId"] and isinstance(e["traits"], dict)


def test_events_are_sorted_by_time(demo: Demo) -> None:
    stamps = [e["timestamp"] for e in demo.events]
    assert stamps == sorted(stamps)
    assert stamps[0] >= demo.spec.start.isoformat()[:10]


def test_web_orders_appear_in_events_and_export_under_one_id(demo: Demo) -> None:
    completed = {e["properties"]["order_id"]: e for e in demo.events if e.get("event") == "Order Completed"}
    exported = demo.orders()
    assert completed and set(completed) < set(exported), "offline orders are export-only"
    for order_id, event in completed.items():
        rows = exported[order_id]
        assert {p["sku"] for p in event["properties"]["products"]} == {r["sku"] for r in rows}
        assert float(rows[0]["order_total"]) == pytest.approx(event["properties"]["total"])
        assert rows[0]["ordered_at"] == event["timestamp"]
        assert event["properties"]["currency"] in ("UAH", "PLN", "USD")


@pytest.mark.parametrize("days", [7, 90])
def test_the_event_spool_is_cut_into_slices_that_err_small(tmp_path: Path, days: int) -> None:
    """The slice count is an estimate made before any person is simulated; too high is safe, too low is not.

    Each slice is sorted in memory and handed to the feed whole, so an estimate below the
    real events made a short window's slices huge (100,000 people over 7 days: 430,000
    events a slice, 3.2 GB).
    """
    spec = DemoSpec(customers=500, days=days, seed=11)
    rows = generate_shop(spec, tmp_path).events.rows
    per_slice = math.ceil(spec.customers * (outputs._EVENTS_PER_PERSON + days * outputs._EVENTS_PER_PERSON_DAY))
    assert rows <= per_slice, f"{rows} events from {spec.customers} people over {days} days: the estimate is low"
    big = DemoSpec(customers=1_000_000, days=days, seed=11)
    assert big.customers * rows / spec.customers / event_slices(big) <= outputs._EVENTS_PER_SLICE
