"""The SQL compiled for each kind of condition, in each engine's dialect, as snapshots.

A change to compile.py that changes the SQL shows up here as a diff to review; update
with ``pytest tests/unit/segments/test_compile_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from syrupy.assertion import SnapshotAssertion

from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import compile_condition
from persona360.segments.evaluate import plan_shared
from persona360.segments.parse import parse_condition

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CATALOGUE = Catalogue(
    traits=frozenset({"city", "plan", "shoeSize", "birthday", "vip"}),
    events=frozenset({"Order Completed", "Product Added", "page"}),
    segments=frozenset({"buyers"}),
    consent_allowed=frozenset({"analytics"}),
)
KINDS = {
    "column compare": "orders_count >= 3",
    "column in": "n_identify in (1, 2)",
    "column is set": "first_order_at is not set",
    "list contains": 'channels contains "web"',
    "trait text": 'city = "Kyiv"',
    "trait number": "shoeSize > 38",
    "trait bool": "vip = true",
    "trait in": 'plan in ("gold", "silver")',
    "trait contains": 'city contains "iv"',
    "trait starts with": 'city starts with "Ky"',
    "trait is set": "plan is set",
    "trait time": 'birthday before "2000-01-01"',
    "column time within": "last_seen within 7d",
    "count window filter": 'count("Product Added", category = "shoes", within = 30d) >= 2',
    "count between": 'count("page", between = ("2026-10-01", "2026-10-15")) >= 5',
    "sum": 'sum("Order Completed", revenue, within = 90d) >= 1000',
    "avg": 'avg("Order Completed", revenue) < 50',
    "first last": 'first("Order Completed") before 60d ago and last("page") within 1d',
    "then": 'then("Product Added", "Order Completed", within = 1h)',
    "then_not": 'then_not("Product Added", "Order Completed", within = 30m)',
    "in segment": 'in_segment("buyers")',
    "consent": 'consent("marketing", "email") and not consent("analytics")',
    "and or not": 'not (orders_count >= 1 or city = "Lviv") and plan is set',
}


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
@pytest.mark.parametrize("condition", KINDS.values(), ids=KINDS.keys())
def test_compiled_sql(condition: str, dialect: str, snapshot: SnapshotAssertion) -> None:
    query = compile_condition(parse_condition(condition), CATALOGUE, NOW)
    assert query.sql(dialect=dialect, pretty=True) == snapshot


def test_scoped_sql(snapshot: SnapshotAssertion) -> None:
    query = compile_condition(parse_condition('did("page") and city = "Kyiv"'), CATALOGUE, NOW, scoped=True)
    assert query.sql(dialect="spark", pretty=True) == snapshot


def test_shared_plan_sql(snapshot: SnapshotAssertion) -> None:
    """Two segments over one fill: the events source once, one window source per sequence pair."""
    nodes = [
        parse_condition('count("Product Added", within = 7d) >= 2 and then("Product Added", "Order Completed")'),
        parse_condition('then_not("Product Added", "Order Completed", within = 30m) or did("Product Added")'),
        parse_condition('city = "Kyiv" and not plan is set'),
    ]
    plan = plan_shared(nodes, NOW, CATALOGUE)
    assert (plan.fill, plan.queries, plan.drop) == snapshot
