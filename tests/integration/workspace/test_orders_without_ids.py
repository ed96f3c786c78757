"""Orders tracked without an order id or a messageId each count, for each customer.

A server-side integration (a plain ``curl`` to ``/v1/track``) often sends neither. Each
such order was keyed ``msg:None``: the first was stored and every later one, whoever
placed it, was taken for it and left out of orders, revenue, RFM and predictions.
"""

from __future__ import annotations

from persona360 import Workspace


def test_each_customer_keeps_an_order_sent_without_ids(workspace: Workspace) -> None:
    workspace.access.add_source("shop")
    orders = [
        {"type": "track", "userId": user, "event": "Order Completed", "properties": {"revenue": revenue}}
        for user, revenue in (("a", 10), ("b", 20), ("b", 5))
    ]
    workspace.ingest.send("shop", orders)
    for user, count, revenue in (("a", 1, 10.0), ("b", 2, 25.0)):
        shown = workspace.profiles.show(workspace.profiles.find("user_id", user))
        assert (shown["orders_count"], shown["revenue"]) == (count, revenue), user
