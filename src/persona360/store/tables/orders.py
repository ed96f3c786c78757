"""Which order events repeat an order already reported, as named migrations (see store/schema.py).

A shop's checkout page tracks ``Order Completed`` and its order export says the same
again, each with its own message id: the ``orders`` table keeps the first report of an
order id, but a segment counting ``Order Completed`` events saw every order twice (the
demo's "Repeat buyers" had twice the orders they made). ``order_reports`` holds the
first report of each order id under each order-event name, ``order_echoes`` every later
one; ``seg_events`` and a profile's event counts by name (``anchor_event_counts``) leave
the echoes out. Both are filled where ``orders`` is, by the
writer's facts (profiles/facts.py). Per event name, so a shop that tracks
``Order Placed`` and later ``Order Completed`` for one order keeps both.
"""

from __future__ import annotations

# The order id an event names, as ingest/validate.py's order_facts reads it
# (``order_id``, else ``orderId``, trimmed; else the message id), for the backfill of
# a workspace made before these tables: its later derivations use the Python reading.
# The web overview reads it too, to find every source that reported an order.
ORDER_ID_SQL = """coalesce(
    nullif(trim(coalesce(nullif(properties->>'order_id', ''), properties->>'orderId')), ''),
    'msg:' || message_id)"""

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "orders_1",
        [
            """CREATE TABLE order_reports (
                order_id VARCHAR NOT NULL, event VARCHAR NOT NULL, message_key UBIGINT NOT NULL,
                anchor_id BIGINT NOT NULL, PRIMARY KEY (order_id, event))""",
            """CREATE TABLE order_echoes (
                message_key UBIGINT PRIMARY KEY, anchor_id BIGINT NOT NULL)""",
            f"""CREATE TEMP TABLE order_backfill AS
                SELECT message_key, anchor_id, event, seq, {ORDER_ID_SQL} AS order_id FROM events
                WHERE type = 'track' AND event IN ('Order Completed', 'order_completed', 'Order Placed')""",
            """INSERT INTO order_reports
                SELECT order_id, event, arg_min(message_key, seq), arg_min(anchor_id, seq)
                FROM order_backfill GROUP BY order_id, event""",
            """INSERT INTO order_echoes
                SELECT message_key, anchor_id FROM order_backfill
                WHERE message_key NOT IN (SELECT message_key FROM order_reports)""",
            "DROP TABLE order_backfill",
        ],
    ),
    (
        "orders_2",
        [
            # A profile's event counts by name leave echoes out, as seg_events does
            # (profiles/facts.py): a workspace made before counted each echo once more.
            """UPDATE anchor_event_counts SET n = anchor_event_counts.n - echoed.k
                FROM (SELECT e.anchor_id, e.event, count(*) AS k FROM events e
                      WHERE e.message_key IN (SELECT message_key FROM order_echoes) GROUP BY ALL) echoed
                WHERE anchor_event_counts.anchor_id = echoed.anchor_id
                AND anchor_event_counts.event = echoed.event""",
        ],
    ),
]

# Derived from events inside the write: a rebuild empties them before it replays the events.
DERIVED: tuple[str, ...] = ("order_reports", "order_echoes")
