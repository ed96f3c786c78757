"""Some people stop coming part-way through the window: the churn the predictions are scored on."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from demo_shop_data import Demo

from persona360.demo import generate_shop

SLACK = timedelta(days=1)  # a session's time is moved to a likely hour of its day


def _lapsed_at(demo: Demo, source: str, record_id: str) -> datetime | None:
    value: datetime | None = demo.truth[(source, record_id)]["lapsed_at"]
    return value


def test_a_share_of_people_lapse_and_nothing_of_theirs_comes_later(demo: Demo) -> None:
    people = {row["person_id"]: row["lapsed_at"] for row in demo.truth.values()}
    share = sum(t is not None for t in people.values()) / len(people)
    assert 0.2 < share < 0.4  # DemoSpec.lapse_share is 0.3
    late = 0
    for event in demo.events:
        lapsed = _lapsed_at(demo, "shop-web", event["messageId"])
        late += lapsed is not None and datetime.fromisoformat(event["timestamp"]) > lapsed + SLACK
    for order_id, rows in demo.orders().items():
        lapsed = _lapsed_at(demo, "shop", order_id)
        late += lapsed is not None and datetime.fromisoformat(rows[0]["ordered_at"]) > lapsed + SLACK
    assert late == 0
    starts = [t for t in people.values() if t is not None]
    assert min(starts) >= demo.spec.start + timedelta(days=5) and max(starts) <= demo.spec.end - timedelta(days=10)


def test_people_who_never_lapse_are_as_they_were_without_lapses(demo: Demo, tmp_path: Path) -> None:
    """The lapse is drawn apart from each person's own stream: the others' records are unchanged."""
    steady = generate_shop(replace(demo.spec, lapse_share=0.0), tmp_path)
    person_of = {
        (r["source"], r["record_id"]): r["person_id"] for r in pq.read_table(steady.path("truth.parquet")).to_pylist()
    }
    lapsed = {row["person_id"] for row in demo.truth.values() if row["lapsed_at"] is not None}
    for name, source, key in (("email_contacts.csv", "email", "contact_id"), ("orders.csv", "shop", "order_id")):
        with open(steady.path(name), newline="", encoding="utf-8") as f:
            before = [row for row in csv.DictReader(f) if person_of[(source, row[key])] not in lapsed]
        after = [row for row in demo.rows(name) if demo.person(source, row[key]) not in lapsed]
        assert before == after and len(after) > 100


def test_a_lapse_share_outside_zero_to_one_is_refused(demo: Demo) -> None:
    with pytest.raises(ValueError, match="lapse_share=1.5"):
        replace(demo.spec, lapse_share=1.5)
