"""An order reported twice (tracked at checkout, then in the shop's export) counts once in segments.

The ``orders`` table always kept the first report of an order id; segments counted
``Order Completed`` events and so saw such an order twice. Each report stays an event
on the timeline: only counts, sums and the other event conditions leave the echo out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integration.segments.clocked import at
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import parse_mapping
from persona360.segments.definitions import SegmentSpec

ORDERS = """order_id,ordered_at,customer_id,email,sku,unit_price,quantity,order_total
1001,2026-10-01 10:00:00,1234,jane.doe@gmail.com,SKU-1,50,2,130
1001,2026-10-01 10:00:00,1234,jane.doe@gmail.com,SKU-2,30,1,130
1002,2026-10-02 11:00:00,1234,jane.doe@gmail.com,SKU-1,50,1,50
"""
MAPPING = [
    "order_id=order_id",
    "ordered_at=timestamp",
    "customer_id=id:shop",
    "email=email",
    "sku=item:sku",
    "unit_price=item:price",
    "quantity=item:quantity",
    "order_total=prop:total",
]


def checkout(clock: FixedClock, order_id: str, event: str = "Order Completed", **extra: Any) -> dict[str, Any]:
    return at(clock, type="track", userId="u1", event=event, properties={"order_id": order_id, "revenue": 130}, **extra)


def import_orders(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    ws.ingest.import_file(path, source="shop", kind="orders", mapping=parse_mapping(MAPPING))


def jane(shop: Workspace, clock: FixedClock) -> int:
    shop.ingest.send("web", [at(clock, type="identify", userId="u1", traits={"email": "Jane.Doe@gmail.com"})])
    shop.ingest.send("web", [checkout(clock, "1001")])
    return shop.profiles.find("user_id", "u1")


def test_the_export_of_a_tracked_order_counts_once(shop: Workspace, clock: FixedClock, tmp_path: Path) -> None:
    u1 = jane(shop, clock)
    shop.segments.define_trait("orders_ever", 'count("Order Completed")')
    shop.segments.create(SegmentSpec("repeat buyers", 'count("Order Completed") >= 3'))
    shop.segments.create(SegmentSpec("two orders", 'count("Order Completed") = 2'))
    import_orders(shop, tmp_path)  # 1001 again, and 1002 that the web never saw
    assert shop.profiles.find("email", "jane.doe@gmail.com") == u1
    assert shop.segments.computed_of(u1)["orders_ever"] == "2"
    assert shop.segments.members("repeat buyers")["total"] == 0
    assert shop.segments.members("two orders")["total"] == 1
    assert shop.profiles.show(u1)["orders_count"] == 2
    timeline = [e for e in shop.profiles.timeline(u1)["events"] if e["event"] == "Order Completed"]
    assert len(timeline) == 3  # both reports of 1001 stay on the timeline


def test_a_resent_order_counts_once_and_another_order_event_still_counts(shop: Workspace, clock: FixedClock) -> None:
    u1 = jane(shop, clock)
    clock.advance(minutes=1)
    shop.ingest.send("web", [checkout(clock, " 1001 ")])  # a retry with a new message id (and stray spaces)
    shop.ingest.send("web", [checkout(clock, "1001", event="Order Placed")])
    shop.segments.define_trait("completed", 'count("Order Completed")')
    shop.segments.define_trait("placed", 'count("Order Placed")')
    assert shop.segments.computed_of(u1) == {"completed": "1", "placed": "1"}
    echoes = shop.db.query("SELECT e.event FROM events e JOIN order_echoes USING (message_key)")
    assert echoes == [("Order Completed",)]


def test_a_workspace_from_before_finds_its_echoes(shop: Workspace, clock: FixedClock, tmp_path: Path) -> None:
    jane(shop, clock)
    import_orders(shop, tmp_path)
    shop.ingest.send("web", [checkout(clock, "1002", messageId="late-web-report")])
    before = (
        shop.db.query("SELECT * FROM order_echoes ORDER BY ALL"),
        shop.db.query("SELECT * FROM order_reports ORDER BY ALL"),
    )
    assert len(before[0]) == 2 and len(before[1]) == 2
    path = Path(shop.settings.db)
    with shop.db.transaction() as tx:  # what a workspace made before the tables looked like
        tx.execute("DROP VIEW seg_events")
        tx.execute("CREATE VIEW seg_events AS SELECT 1 AS profile_id")
        tx.execute("DROP TABLE order_echoes")
        tx.execute("DROP TABLE order_reports")
        tx.execute("DELETE FROM meta WHERE key IN ('migration:orders_1', 'migration:segments_4')")
    shop.close()
    with Workspace.open(path) as ws:
        after = (
            ws.db.query("SELECT * FROM order_echoes ORDER BY ALL"),
            ws.db.query("SELECT * FROM order_reports ORDER BY ALL"),
        )
        assert after == before
        assert ws.db.scalar("SELECT count(*) FROM seg_events WHERE event = 'Order Completed'") == 2
