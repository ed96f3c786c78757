"""A profile's event counts by name count an order reported twice once, as segments do.

The checkout page tracks ``Order Completed`` and the shop's export reports the same
order again (store/tables/orders.py): ``orders`` and segments always kept one, but the
profile's ``event_counts`` (the profile page's "Events by name") counted both. Both
reports stay events: on the timeline and in the counts by type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.importers import run
from persona360.ingest.importers.mapping import parse_mapping
from persona360.ingest.importers.rows import RowContext

ORDERS = """order_id,ordered_at,email,sku,unit_price,quantity
1001,2026-10-01 10:00:00,jane.doe@gmail.com,SKU-1,50,2
1001,2026-10-01 10:00:00,jane.doe@gmail.com,SKU-2,30,1
1002,2026-10-02 11:00:00,jane.doe@gmail.com,SKU-1,50,1
"""
MAPPING = ["order_id=order_id", "ordered_at=timestamp", "email=email", "sku=item:sku", "unit_price=item:price"]
MAPPING += ["quantity=item:quantity"]


def web(clock: FixedClock, **message: Any) -> dict[str, Any]:
    return {"timestamp": clock.now().isoformat(), "userId": "u1", **message}


def jane(ws: Workspace, clock: FixedClock) -> int:
    """Jane identifies, views a product and checks out order 1001 on the web."""
    ws.access.add_source("web")
    ws.ingest.send(
        "web",
        [
            web(clock, type="identify", traits={"email": "Jane.Doe@gmail.com"}),
            web(clock, type="track", event="Product Viewed", properties={"sku": "SKU-1"}),
            web(clock, type="track", event="Order Completed", properties={"order_id": "1001", "revenue": 130}),
        ],
    )
    return ws.profiles.find("user_id", "u1")


def import_orders(ws: Workspace, tmp_path: Path, clock: FixedClock, way: str) -> None:
    """The shop's export, by each of the importer's paths (they share the facts but not their code)."""
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    source = ws.access.ensure_source("shop")
    ctx = RowContext(parse_mapping(MAPPING), "orders", source.source_id, source.name, clock.now(), "UA", None)
    run.import_file(
        ws.writer, path, ctx, rejects_path=tmp_path / "rejects.csv", by_rows=way == "rows", by_sql=way == "sql"
    )


@pytest.mark.parametrize("way", ["rows", "columns", "sql"])
def test_the_export_of_a_tracked_order_counts_once(
    workspace: Workspace, clock: FixedClock, tmp_path: Path, way: str
) -> None:
    u1 = jane(workspace, clock)
    import_orders(workspace, tmp_path, clock, way)  # 1001 again, and 1002 that the web never saw
    assert workspace.profiles.find("email", "jane.doe@gmail.com") == u1
    profile = workspace.profiles.show(u1)
    assert profile["event_counts"] == {"Order Completed": 2, "Product Viewed": 1}
    assert profile["orders_count"] == 2
    assert profile["n_track"] == 4  # both reports of 1001 stay events, as on the timeline
    completed = [e for e in workspace.profiles.timeline(u1)["events"] if e["event"] == "Order Completed"]
    assert len(completed) == 3


def test_an_echo_on_a_profile_of_its_own_is_not_counted(workspace: Workspace, clock: FixedClock) -> None:
    """A resend of an order from an anonymous browser: the order is the first report's."""
    u1 = jane(workspace, clock)
    clock.advance(minutes=1)
    resent = {"type": "track", "anonymousId": "a-9", "event": "Order Completed", "properties": {"order_id": "1001"}}
    workspace.ingest.send("web", [{"timestamp": clock.now().isoformat(), **resent}])
    other = workspace.profiles.find("anonymous_id", "a-9")
    assert other != u1
    assert workspace.profiles.show(u1)["event_counts"]["Order Completed"] == 1
    assert workspace.profiles.show(other)["event_counts"] == {}
    assert workspace.profiles.show(other)["orders_count"] == 0


def test_a_rebuild_and_a_workspace_from_before_count_the_same(
    workspace: Workspace, clock: FixedClock, tmp_path: Path
) -> None:
    u1 = jane(workspace, clock)
    import_orders(workspace, tmp_path, clock, "columns")
    counts = workspace.db.query("SELECT * FROM anchor_event_counts ORDER BY ALL")
    workspace.profiles.rebuild()
    assert workspace.db.query("SELECT * FROM anchor_event_counts ORDER BY ALL") == counts
    with workspace.db.transaction() as tx:  # what a workspace made before counted
        tx.execute(
            "UPDATE anchor_event_counts SET n = n + 1 WHERE event = 'Order Completed' AND anchor_id IN "
            "(SELECT anchor_id FROM order_echoes)"
        )
        tx.execute("DELETE FROM meta WHERE key = 'migration:orders_2'")
    assert workspace.profiles.show(u1)["event_counts"]["Order Completed"] == 3
    path = Path(workspace.settings.db)
    workspace.close()
    with Workspace.open(path) as ws:
        assert ws.db.query("SELECT * FROM anchor_event_counts ORDER BY ALL") == counts
        assert ws.profiles.show(u1)["event_counts"]["Order Completed"] == 2
