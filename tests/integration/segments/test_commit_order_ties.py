"""Ties at one timestamp are broken by commit order (``seq``), the same on every engine.

Events sent in one call share a timestamp here; the writer numbers them in the order
they came. ``first``/``last`` then pick the first/last committed, and ``most_frequent``
gives an equally frequent value to the one seen last. DuckDB (what ``computed_values``
holds), Spark and the reference must say exactly that.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.segments.clocked import at
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.segments.computed import parse_computed
from persona360.segments.reference import computed_reference, read_relations

pyspark = pytest.importorskip("pyspark")

from persona360.store.spark import SparkEngine, local_session  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

TRAITS = {
    "first_category": 'first("Product Viewed", category)',
    "last_category": 'last("Product Viewed", category)',
    "favourite_category": 'most_frequent("Product Viewed", category)',
    "favourite_hour": 'most_frequent_hour("Email Opened")',
}
# per user: categories viewed at one instant, in commit order; then the expected values
VIEWS = {
    "a": (["shoes", "bags"], {"first_category": "shoes", "last_category": "bags", "favourite_category": "bags"}),
    "b": (["bags", "shoes"], {"first_category": "bags", "last_category": "shoes", "favourite_category": "shoes"}),
    "c": (
        ["hats", "bags", "hats", "bags", "toys"],
        {"first_category": "hats", "last_category": "toys", "favourite_category": "bags"},
    ),
}


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[SparkEngine]:
    session = local_session(cores=2, app_name="persona360-ties", small_data=True)
    yield SparkEngine(session)
    session.stop()


@pytest.fixture
def tied(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Workspace, dict[str, int]]]:
    ws = Workspace.open(tmp_path / "ws.duckdb", clock)
    ws.access.add_source("web")
    calls: list[dict[str, Any]] = []
    for user, (categories, _) in VIEWS.items():
        calls += [
            at(clock, type="track", userId=user, event="Product Viewed", properties={"category": c}) for c in categories
        ]
    # one open at 09:xx and one at 15:xx, stamped the same instant: the later committed wins
    stamp = clock.now().replace(hour=9)
    calls.append({"type": "track", "userId": "a", "event": "Email Opened", "timestamp": stamp.isoformat()})
    calls.append(
        {"type": "track", "userId": "a", "event": "Email Opened", "timestamp": stamp.replace(hour=15).isoformat()}
    )
    calls.append(
        {"type": "track", "userId": "a", "event": "Email Opened", "timestamp": stamp.replace(hour=15).isoformat()}
    )
    calls.append({"type": "track", "userId": "a", "event": "Email Opened", "timestamp": stamp.isoformat()})
    ws.ingest.send("web", calls)
    for name, definition in TRAITS.items():
        ws.segments.define_trait(name, definition)
    yield ws, {user: ws.profiles.find("user_id", user) for user in VIEWS}
    ws.close()


def test_ties_go_by_commit_order_on_duckdb_spark_and_the_reference(
    tied: tuple[Workspace, dict[str, int]], spark_engine: SparkEngine, tmp_path: Path
) -> None:
    ws, ids = tied
    for user, (_, expected) in VIEWS.items():
        computed = ws.segments.computed_of(ids[user])
        assert {name: computed[name] for name in expected} == expected, user
    # two opens at 09:00 and two at 15:00: equal counts, the 09:00 one committed last
    assert ws.segments.computed_of(ids["a"])["favourite_hour"] == "9"
    spark_engine.load(ws.db, tmp_path / "parquet")
    relations = read_relations(ws.db, ws.settings.consent_default_allow)
    for name, definition in TRAITS.items():
        spec = parse_computed(name, definition)
        stored = {pid: value for pid in ids.values() if (value := ws.segments.computed_of(pid).get(name))}
        assert spark_engine.computed(spec, ws.clock.now()) == stored, name
        assert computed_reference(spec, relations, ws.clock.now()) == stored, name
