"""A bench-only generator: a workspace of millions of profiles and events, filled by SQL.

It BYPASSES INGESTION. Sending 50,000,000 events through the tracking API or the
writer would take hours here, and the segment benchmark measures the segment engines,
not the write path. So this fills the tables the segment relations read (``events``,
``identifiers``, ``profiles``, ``profile_traits``, ``anchor_event_counts``,
``consent_ledger``) directly with set-based DuckDB SQL, in the shape the writer
produces: one ``user_id`` identifier per profile (its anchor, so ``anchor_id`` equals
``profile_id``), events with the Segment spec's columns and JSON properties, the
projection's counts and times aggregated from those events, trait values as JSON text,
consent decisions per anchor with their event's ``seq``. Identity edges, trait
provenance (``trait_values``), orders and ``anchor_stats`` are not written: the segment
engines never read them, and a rebuild of such a workspace would produce nothing.
Deterministic: every value comes from ``hash()`` of the row number.

    .venv/bin/python bench/segments.py --profiles 1000000 --events 50000000
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from persona360 import Workspace

END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_DAYS = 180
CHUNK = 5_000_000  # events per INSERT: bounds the memory of one statement

# (event, type, share in percent); the shares add up to 100
MIX = [
    ("Product Viewed", "track", 36),
    ("page", "page", 18),
    ("Product Added", "track", 12),
    ("Cart Viewed", "track", 6),
    ("Checkout Started", "track", 4),
    ("Order Completed", "track", 4),
    ("Coupon Applied", "track", 2),
    ("Email Opened", "track", 8),
    ("Email Clicked", "track", 4),
    ("identify", "identify", 6),
]
CATEGORIES = ["shoes", "bags", "dresses", "jeans", "shirts", "hats", "watches", "toys"]
CITIES = ["Kyiv", "Lviv", "Odesa", "Kharkiv", "Dnipro", "Warsaw", "Berlin", "Vienna"]
NAMES = ["Olena", "Taras", "Maria", "Mykola", "Iryna", "Andrii", "Sofiia", "Bohdan"]


def _case(column: str, pairs: list[tuple[int, str]]) -> str:
    """``CASE WHEN column < bound THEN value ...``: a table of shares as SQL text (bench only)."""
    whens = " ".join(f"WHEN {column} < {bound} THEN {value}" for bound, value in pairs)
    return f"CASE {whens} END"


def _event_sql(profiles: int, start: int, stop: int, source_id: int) -> str:
    bounds, total = [], 0
    for event, kind, share in MIX:
        total += share
        bounds.append((total, f"{{'event': '{event}', 'type': '{kind}'}}"))
    span = SPAN_DAYS * 86_400 * 1_000_000
    end = int(END.timestamp() * 1_000_000)
    categories = "[" + ", ".join(f"'{c}'" for c in CATEGORIES) + "]"
    return f"""
    INSERT INTO events
    WITH raw AS (
        SELECT i, (1 + hash(i) % {profiles})::BIGINT AS anchor, hash(i + 7777777777) % 100 AS kind_draw,
               (hash(i + 3333333333) % {span})::BIGINT AS back, (hash(i + 5555555555) >> 1)::BIGINT AS h
        FROM range({start}, {stop}) t(i)),
    typed AS (SELECT *, {_case("kind_draw", bounds)} AS k FROM raw)
    SELECT i, i::UBIGINT, 'bench-' || i, {source_id}, k.type,
           CASE WHEN k.type = 'track' THEN k.event END,
           'u' || anchor, NULL, anchor,
           make_timestamp({end} - back)::TIMESTAMPTZ, NULL, NULL, make_timestamp({end} - back)::TIMESTAMPTZ,
           CASE
             WHEN k.event IN ('Product Viewed', 'Product Added', 'Cart Viewed')
               THEN json_object('category', {categories}[1 + h % 8], 'price', 50 + h % 4000,
                                'quantity', 1 + h % 3, 'sku', 'SKU-' || h % 5000)
             WHEN k.event = 'Order Completed'
               THEN json_object('order_id', 'o' || i, 'revenue', 100 + h % 5000,
                                'category', {categories}[1 + h % 8], 'coupon', h % 5 = 0)
             WHEN k.event = 'page' THEN json_object('path', '/p/' || h % 300)
           END,
           NULL, NULL, NULL, '[]', 'bench'
    FROM typed"""


def _profiles_sql(profiles: int) -> str:
    return f"""
    INSERT INTO profiles
    WITH agg AS (
        SELECT anchor_id, min(timestamp) AS first_seen, max(timestamp) AS last_seen, count(*) AS n,
               count(*) FILTER (type = 'identify') AS n_identify, count(*) FILTER (type = 'track') AS n_track,
               count(*) FILTER (type = 'page') AS n_page,
               count(*) FILTER (event = 'Order Completed') AS orders,
               sum(TRY_CAST(properties ->> '$.revenue' AS DOUBLE)) FILTER (event = 'Order Completed') AS revenue,
               min(timestamp) FILTER (event = 'Order Completed') AS first_order,
               max(timestamp) FILTER (event = 'Order Completed') AS last_order
        FROM events GROUP BY anchor_id)
    SELECT p.i, first_seen, last_seen, coalesce(n, 0), coalesce(n_identify, 0), coalesce(n_track, 0),
           coalesce(n_page, 0), 0, 0, 0, coalesce(orders, 0), coalesce(revenue, 0),
           CASE WHEN orders > 0 THEN revenue / orders END, first_order, last_order,
           CASE hash(p.i) % 3 WHEN 0 THEN ['web'] WHEN 1 THEN ['web', 'mobile'] ELSE ['mobile'] END,
           CASE hash(p.i) % 4 WHEN 0 THEN ['desktop'] WHEN 1 THEN ['mobile'] ELSE ['desktop', 'mobile'] END,
           ['bench-web'], 1
    FROM range(1, {profiles} + 1) p(i) LEFT JOIN agg ON agg.anchor_id = p.i"""


def _traits_sql() -> str:
    cities = "[" + ", ".join(f"'{c}'" for c in CITIES) + "]"
    names = "[" + ", ".join(f"'{n}'" for n in NAMES) + "]"
    domains = "['gmail.com', 'yahoo.com', 'ukr.net', 'example.org']"
    return f"""
    INSERT INTO profile_traits
    WITH p AS (SELECT profile_id AS i, (hash(profile_id + 99) >> 1)::BIGINT AS h, coalesce(last_seen, now()) AS seen
               FROM profiles),
    t AS (
        SELECT i, h, seen, unnest([
            {{'name': 'email', 'value': to_json('u' || i || '@' || {domains}[1 + h % 4])}},
            {{'name': 'firstName', 'value': to_json({names}[1 + h % 8])}},
            {{'name': 'address.city', 'value': to_json({cities}[1 + (h // 8) % 8])}},
            {{'name': 'loyaltyMember', 'value': to_json(h % 3 = 0)}},
            {{'name': 'emailOpens', 'value': to_json(h % 12)}},
            {{'name': 'createdAt', 'value': to_json(strftime(seen - to_days((h % 900)::INTEGER), '%Y-%m-%d'))}},
            {{'name': 'phone',
              'value': CASE WHEN h % 5 < 3 THEN to_json('+38067' || lpad((h % 10000000)::VARCHAR, 7, '0')) END}}
        ]) AS trait FROM p)
    SELECT i, trait.name, trait.value::VARCHAR, 'bench-web', seen, 1.0, 1
    FROM t WHERE trait.value IS NOT NULL"""


_CONSENT_SQL = """
INSERT INTO consent_ledger
SELECT profile_id, 'marketing', CASE WHEN h % 3 = 0 THEN NULL ELSE 'email' END, h % 4 <> 0, 'consent',
       'bench-web', coalesce(first_seen, now()), NULL, profile_id
FROM (SELECT profile_id, first_seen, hash(profile_id + 4242) AS h FROM profiles)
WHERE h % 10 < 4
"""

_COUNTS_SQL = """
INSERT INTO anchor_event_counts
SELECT anchor_id, CASE WHEN type = 'track' THEN event ELSE type END, count(*), max(timestamp)
FROM events GROUP BY ALL
"""


def fill_workspace(ws: Workspace, profiles: int, events: int) -> None:
    """Fill an empty workspace with ``profiles`` profiles and ``events`` events (see the module)."""
    source = ws.access.add_source("bench-web")[0]
    started = time.monotonic()
    with ws.db.transaction() as tx:
        tx.execute(
            "INSERT INTO identifiers SELECT i, 'user_id', 'u' || i, i, ?, ? FROM range(1, ? + 1) t(i)",
            [END, source.source_id, profiles],
        )
    for start in range(0, events, CHUNK):
        with ws.db.transaction() as tx:
            tx.execute(_event_sql(profiles, start + 1, min(start + CHUNK, events) + 1, source.source_id))
        print(f"  events {min(start + CHUNK, events):,} after {time.monotonic() - started:.0f} s", flush=True)
    for label, sql in (
        ("profiles", _profiles_sql(profiles)),
        ("traits", _traits_sql()),
        ("event counts", _COUNTS_SQL),
        ("consent", _CONSENT_SQL),
    ):
        with ws.db.transaction() as tx:
            tx.execute(sql)
        print(f"  {label} after {time.monotonic() - started:.0f} s", flush=True)
    ws.db.checkpoint()
