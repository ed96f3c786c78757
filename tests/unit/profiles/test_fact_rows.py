"""The rows ``record_facts`` hands the store, held to a plain reading of each record.

The facts take every time from one Arrow column converted per batch, and gather
addresses and anonymous spans in one pass keeping the positions of the records that
decide each row; the reference here reads the records one by one, as the facts once
did, and the tables must agree (ties at one time included: the first seen stays first,
the last seen is last, and the latest event's locale wins).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from persona360.ingest.record import UNDATED, EventRecord
from persona360.profiles.facts import record_facts

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class CapturingTx:
    """A transaction that keeps the Arrow table of each statement by the table it writes."""

    def __init__(self) -> None:
        self.tables: dict[str, pa.Table] = {}

    def execute_arrow(self, sql: str, rows: pa.Table, params: dict[str, Any] | None = None) -> None:
        target = sql.split("INTO", 1)[1].split()[0]
        self.tables.setdefault(target, rows)

    def execute(self, sql: str, params: Any = None) -> None:
        pass


def _records(seed: int, count: int = 300) -> tuple[list[EventRecord], list[int]]:
    rng = random.Random(seed)
    records, anchors = [], []
    for n in range(count):
        context: dict[str, Any] = {}
        if rng.random() < 0.9:
            ip, locale = rng.choice([" 10.0.0.1", "10.0.0.2 ", "FE80::1", 7]), rng.choice(["uk", "en", 3])
            context = {"ip": ip, "locale": locale}
            if rng.random() < 0.5:
                context["userAgent"] = rng.choice(["A", "B"])
        extra = {UNDATED: True} if rng.random() < 0.1 else {}
        record = EventRecord(
            f"m{n}",
            1,
            "track",
            START + timedelta(seconds=rng.randrange(5)),  # few distinct times: many ties
            START,
            [("anonymous_id", "a")],
            "same_event",
            event="Viewed",
            anonymous_id=rng.choice(["a1", "a2", None]),
            context=context,
            extra=extra,
            traits={"plan": "free"} if rng.random() < 0.2 else {},
        )
        records.append(record)
        anchors.append(rng.randrange(4))
    return records, anchors


def _reference_addresses(records: list[EventRecord], anchors: list[int]) -> dict[tuple[int, str], tuple[Any, ...]]:
    seen: dict[tuple[int, str], list[Any]] = {}
    for record, anchor in zip(records, anchors, strict=True):
        ip = record.context.get("ip")
        if not record.context or not isinstance(ip, str) or not ip.strip(" "):
            continue
        locale = record.context.get("locale")
        locale = locale if isinstance(locale, str) else ""
        key, at = (anchor, ip.strip(" ").lower()), record.timestamp
        row = seen.setdefault(key, [0, at, at, locale])
        row[0] += 1
        row[1] = min(row[1], at)
        if at >= row[2]:
            row[2], row[3] = at, locale
    return {key: tuple(row) for key, row in seen.items()}


def _reference_spans(records: list[EventRecord], anchors: list[int]) -> dict[tuple[int, str], tuple[Any, ...]]:
    spans: dict[tuple[int, str], list[EventRecord]] = {}
    for record, anchor in zip(records, anchors, strict=True):
        if record.anonymous_id is None or not record.context:
            continue
        span = spans.setdefault((anchor, record.anonymous_id), [record, record])
        if record.timestamp < span[0].timestamp:
            span[0] = record
        if record.timestamp >= span[1].timestamp:
            span[1] = record
    return {
        key: (first.timestamp, last.timestamp, first.context.get("userAgent"), last.context.get("userAgent"))
        for key, (first, last) in spans.items()
    }


def _facts_of(records: list[EventRecord], anchors: list[int]) -> CapturingTx:
    """The fact tables ``record_facts`` writes for ``records``, as captured."""
    tx = CapturingTx()
    record_facts(tx, records, anchors, list(range(len(records))), {1: "web"})  # type: ignore[arg-type]
    return tx


def test_address_rows_match_a_record_by_record_reading() -> None:
    for seed in range(5):
        records, anchors = _records(seed)
        rows = _facts_of(records, anchors).tables["anchor_addresses"].to_pylist()
        got = {
            (row["anchor_id"], row["ip"]): (row["events"], row["first_seen"], row["last_seen"], row["locale"])
            for row in rows
        }
        assert got == _reference_addresses(records, anchors)


def test_span_rows_match_a_record_by_record_reading() -> None:
    for seed in range(5):
        records, anchors = _records(seed)
        rows = _facts_of(records, anchors).tables["anonymous_spans"].to_pylist()
        got = {
            (row["anchor_id"], row["anonymous_id"]): (
                row["first_seen"],
                row["last_seen"],
                row["first_agent"],
                row["last_agent"],
            )
            for row in rows
        }
        assert got == _reference_spans(records, anchors)


def test_undated_records_are_no_activity_and_their_traits_keep_their_time() -> None:
    records, anchors = _records(7)
    tx = _facts_of(records, anchors)
    activity = tx.tables["anchor_stats"].column("ts").to_pylist()
    assert activity == [None if record.extra.get(UNDATED) else record.timestamp for record in records]
    with_traits = [record for record in records if record.traits]
    assert tx.tables["trait_values"].column("observed_at").to_pylist() == [r.timestamp for r in with_traits]
