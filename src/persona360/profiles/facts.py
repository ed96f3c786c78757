"""Per-anchor facts: what each batch of new events adds, kept merge-free.

Facts are keyed by an event's anchor identifier, never by profile, so a merge or
unmerge of profiles rewrites nothing here: the projection re-aggregates the facts of
a profile's identifiers. Each write is an upsert of aggregates that add up
(counts, sums, min/max, distinct lists), which is what lets a micro-batch touch only
its own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from persona360.ingest.record import UNDATED, EventRecord
from persona360.store.database import Transaction
from persona360.store.tables.resolution import SPAN_PARTS

# The type of every time column of the facts. A batch's times are converted to it once
# and taken from there: Arrow converts each aware datetime on its own (its UTC offset
# asked each time, 0.25 us a value), and the facts read a record's time up to five
# times (activity, address, span, traits, order).
_STAMP = pa.timestamp("us", "UTC")

# Record types that are a person's decision, not activity: no last_seen, counts or
# traits from them (``consent``: the privacy room's admin consent changes).
NOT_ACTIVITY = frozenset({"consent"})

_TRAIT_UPSERT = """
INSERT INTO trait_values
SELECT anchor_id, name, value, source_id, min(observed_at), max(observed_at), count(*),
       max(confidence), max(seq)
FROM p360_rows GROUP BY ALL
ON CONFLICT (anchor_id, name, value, source_id) DO UPDATE SET
    first_observed = least(trait_values.first_observed, excluded.first_observed),
    last_observed = greatest(trait_values.last_observed, excluded.last_observed),
    times_seen = trait_values.times_seen + excluded.times_seen,
    confidence = greatest(trait_values.confidence, excluded.confidence),
    last_seq = greatest(trait_values.last_seq, excluded.last_seq)
"""

_ORDER_INSERT = """
INSERT OR IGNORE INTO orders
SELECT order_id, arg_min(anchor_id, seq), arg_min(source_id, seq), arg_min(message_key, seq),
       arg_min(revenue, seq), arg_min(currency, seq), arg_min(ordered_at, seq)
FROM p360_rows GROUP BY order_id
"""

# The first report of an order under each order-event name, and the later ones (see
# store/tables/orders.py): what segments leave out of their event counts.
_ORDER_REPORT_INSERT = """
INSERT OR IGNORE INTO order_reports
SELECT order_id, event, arg_min(message_key, seq), arg_min(anchor_id, seq) FROM p360_rows GROUP BY order_id, event
"""
_ORDER_ECHO_INSERT = """
INSERT OR IGNORE INTO order_echoes
SELECT r.message_key, r.anchor_id FROM p360_rows r
JOIN order_reports o ON o.order_id = r.order_id AND o.event = r.event AND o.message_key <> r.message_key
"""

# An echo is no new event of its name: like seg_events, a profile's event counts by name
# leave it out (it stays an event of the timeline and of the counts by type). The writers
# call record_activity, which counts every track event by name, right after
# record_order_rows: this takes the batch's echoes off first (a row may go below zero
# until then, or stay at zero when the echo was its anchor's only event of that name).
_ECHO_UNCOUNT = """
INSERT INTO anchor_event_counts
SELECT r.anchor_id, r.event, -count(*), max(r.ordered_at) FROM p360_rows r
WHERE r.message_key IN (SELECT message_key FROM order_echoes) GROUP BY ALL
ON CONFLICT (anchor_id, event) DO UPDATE SET n = anchor_event_counts.n + excluded.n
"""

# The counts are count(*) FILTER (BIGINT, the columns' type), not count_if, which DuckDB
# types HUGEINT: with HUGEINT counts, updating rows already stored cost ~20 ms of CPU per
# 1,000 rows (170-210 ms of a 20,000-event derivation of returning visitors that updated
# 8,800 rows). With BIGINT counts it costs ~1.5 ms (12-14 ms). The stored figures are the same.
_STATS_UPSERT = """
INSERT INTO anchor_stats
SELECT anchor_id, min(ts), max(ts),
       count(*) FILTER (type = 'identify'), count(*) FILTER (type = 'track'), count(*) FILTER (type = 'page'),
       count(*) FILTER (type = 'screen'), count(*) FILTER (type = 'group'), count(*) FILTER (type = 'alias')
FROM p360_rows GROUP BY anchor_id
ON CONFLICT (anchor_id) DO UPDATE SET
    first_seen = least(anchor_stats.first_seen, excluded.first_seen),
    last_seen = greatest(anchor_stats.last_seen, excluded.last_seen),
    n_identify = anchor_stats.n_identify + excluded.n_identify,
    n_track = anchor_stats.n_track + excluded.n_track,
    n_page = anchor_stats.n_page + excluded.n_page,
    n_screen = anchor_stats.n_screen + excluded.n_screen,
    n_group = anchor_stats.n_group + excluded.n_group,
    n_alias = anchor_stats.n_alias + excluded.n_alias
"""

# Channels, devices and sources seen: sets, so an insert that ignores what is known.
_TAGS_INSERT = """
INSERT OR IGNORE INTO anchor_tags
SELECT DISTINCT anchor_id, tag, value FROM (
    SELECT anchor_id, 'channel' AS tag, channel AS value FROM p360_rows
    UNION ALL SELECT anchor_id, 'device', device FROM p360_rows
    UNION ALL SELECT anchor_id, 'source', source FROM p360_rows)
WHERE value IS NOT NULL
"""

# Where each anchor was seen (store/tables/resolution.py): the resolver's network rules
# read it. The locale is the latest event's there, as the rules compare the latest.
_ADDRESS_UPSERT = """
INSERT INTO anchor_addresses SELECT anchor_id, ip, events, first_seen, last_seen, locale FROM p360_rows
ON CONFLICT (anchor_id, ip) DO UPDATE SET
    events = anchor_addresses.events + excluded.events,
    first_seen = least(anchor_addresses.first_seen, excluded.first_seen),
    last_seen = greatest(anchor_addresses.last_seen, excluded.last_seen),
    locale = CASE WHEN excluded.last_seen >= anchor_addresses.last_seen
                  THEN excluded.locale ELSE anchor_addresses.locale END
"""

# Each anonymous id's first and last event per anchor, with the device of each
# (store/tables/resolution.py): the device handover rule reads it. The device's parts are
# read from the context here, text only, as the table's first fill reads them in SQL. A
# batch's first (last) replaces the stored one only when strictly earlier (at least as
# late), so of events at one time the first stored stays first and the last stored is last.
_SPAN_KEEP = ", ".join(
    f"{end}_{part} = CASE WHEN excluded.{end}_seen {later} anonymous_spans.{end}_seen "
    f"THEN excluded.{end}_{part} ELSE anonymous_spans.{end}_{part} END"
    for end, later in (("first", "<"), ("last", ">="))
    for part in SPAN_PARTS
)
_SPAN_UPSERT = f"""
INSERT INTO anonymous_spans SELECT * FROM p360_rows
ON CONFLICT (anchor_id, anonymous_id) DO UPDATE SET
    first_seen = least(anonymous_spans.first_seen, excluded.first_seen),
    last_seen = greatest(anonymous_spans.last_seen, excluded.last_seen),
    {_SPAN_KEEP}
"""

_EVENT_COUNT_UPSERT = """
INSERT INTO anchor_event_counts
SELECT anchor_id, event, count(*), max(ts) FROM p360_rows
WHERE type = 'track' AND event IS NOT NULL GROUP BY ALL
ON CONFLICT (anchor_id, event) DO UPDATE SET
    n = anchor_event_counts.n + excluded.n,
    last_at = greatest(anchor_event_counts.last_at, excluded.last_at)
"""


def record_facts(
    tx: Transaction,
    records: Sequence[EventRecord],
    anchors: Sequence[int],
    seqs: Sequence[int],
    source_names: dict[int, str],
) -> None:
    """Add what ``records`` (new, stored events) say about their anchors.

    Records whose type is in :data:`NOT_ACTIVITY` are skipped: they are stored as
    events (and other rooms' fact hooks read them) but are no customer activity.
    """
    if any(record.type in NOT_ACTIVITY for record in records):
        keep = [i for i, record in enumerate(records) if record.type not in NOT_ACTIVITY]
        records, anchors, seqs = [records[i] for i in keep], [anchors[i] for i in keep], [seqs[i] for i in keep]
        if not records:
            return
    times = pa.array([record.timestamp for record in records], _STAMP)  # once (_STAMP says why)
    _record_traits(tx, records, anchors, seqs, times)
    _record_orders(tx, records, anchors, seqs, times)
    _record_places(tx, records, anchors, times)
    record_activity(
        tx,
        pa.table(
            {
                "anchor_id": pa.array(anchors, pa.int64()),
                "type": [record.type for record in records],
                "event": [record.event for record in records],
                "ts": _activity_times(records, times),
                "channel": [record.channel for record in records],
                "device": [record.device for record in records],
                "source": [source_names.get(record.source_id, "") for record in records],
            }
        ),
    )


def _activity_times(records: Sequence[EventRecord], times: pa.Array) -> pa.Array:
    """The records' times as activity: an undated record (ingest/record.py) is none at its import's time."""
    if not any(UNDATED in record.extra for record in records):
        return times
    undated = pa.array([bool(record.extra.get(UNDATED)) for record in records])
    return pc.if_else(undated, pa.nulls(len(times), _STAMP), times)


def _record_places(tx: Transaction, records: Sequence[EventRecord], anchors: Sequence[int], times: pa.Array) -> None:
    """Add where the records came from: addresses, and each anonymous id's first and last event.

    Both read each record's context, so one pass over the batch gathers both, keeping
    the positions of the records that decide each row: their times are taken from
    ``times`` rather than converted again for each row. Imported files carry no
    context: their records cost one test each.
    """
    addresses: dict[tuple[int, str], list[Any]] = {}
    spans: dict[tuple[int, str], list[int]] = {}
    # one loop with the steps inline: a call per record and step cost as much as the step
    for index, (record, anchor) in enumerate(zip(records, anchors, strict=True)):
        context = record.context
        if not context:
            continue
        at = record.timestamp
        if ip := _address(context):
            row = addresses.get((anchor, ip))
            if row is None:
                addresses[(anchor, ip)] = [1, at, index, at, index]
            else:
                row[0] += 1
                if at < row[1]:
                    row[1], row[2] = at, index
                if at >= row[3]:  # the latest event's locale (the later record of a tie)
                    row[3], row[4] = at, index
        if record.anonymous_id is not None:
            span = spans.get((anchor, record.anonymous_id))
            if span is None:
                spans[(anchor, record.anonymous_id)] = [index, index]
            else:  # of records at one time the first seen stays first and the last seen is last
                if at < records[span[0]].timestamp:
                    span[0] = index
                if at >= records[span[1]].timestamp:
                    span[1] = index
    if addresses:
        _upsert_addresses(tx, records, addresses, times)
    if spans:
        _upsert_spans(tx, records, spans, times)


def _upsert_addresses(
    tx: Transaction, records: Sequence[EventRecord], seen: dict[tuple[int, str], list[Any]], times: pa.Array
) -> None:
    """Upsert each (anchor, address) once: its events, first and last time, the latest event's locale.

    Each pair is summed first, so the upsert reads one row per pair (about one per 15
    events of the demo's traffic): on 20,000 demo events, a row per event cost 3.4 us
    an event, of which 2.9 in building and upserting rows. The address is trimmed of
    spaces and lower-cased as SQL's ``lower(trim(...))`` does (the migration's fill).
    """
    rows = seen.values()
    tx.execute_arrow(
        _ADDRESS_UPSERT,
        pa.table(
            {
                "anchor_id": pa.array([anchor for anchor, _ in seen], pa.int64()),
                "ip": pa.array([ip for _, ip in seen], pa.string()),
                "events": pa.array([row[0] for row in rows], pa.int64()),
                "first_seen": times.take(pa.array([row[2] for row in rows], pa.int64())),
                "last_seen": times.take(pa.array([row[4] for row in rows], pa.int64())),
                "locale": pa.array([_locale(records[row[4]].context) for row in rows], pa.string()),
            }
        ),
    )


def _upsert_spans(
    tx: Transaction, records: Sequence[EventRecord], spans: dict[tuple[int, str], list[int]], times: pa.Array
) -> None:
    """Upsert each anonymous id's first and last event (of those with a context) per anchor.

    Only the batch's first and last record of each (anchor, anonymous id) are written,
    with their devices' parts read here: the upsert reads one row per pair and no JSON
    (with each context's JSON for SQL to read, it cost 5-8 us an event of the bench's
    traffic, one pair in two events; about 2 us this way).
    """
    parts = []
    for first, last in spans.values():
        first_parts = _device_parts(records[first].context)
        last_parts = first_parts if last == first else _device_parts(records[last].context)
        parts.append((*first_parts, *last_parts))
    ends = [f"{end}_{part}" for end in ("first", "last") for part in SPAN_PARTS]
    table = pa.table(
        [
            pa.array([anchor for anchor, _ in spans], pa.int64()),
            pa.array([anonymous for _, anonymous in spans], pa.string()),
            times.take(pa.array([first for first, _ in spans.values()], pa.int64())),
            times.take(pa.array([last for _, last in spans.values()], pa.int64())),
            *[pa.array(values, pa.string()) for values in zip(*parts, strict=True)],
        ],
        names=["anchor_id", "anonymous_id", "first_seen", "last_seen", *ends],
    )
    tx.execute_arrow(_SPAN_UPSERT, table)


def _device_parts(context: dict[str, Any]) -> tuple[str | None, str | None, str]:
    """The address (trimmed of spaces, lower-cased), the user agent or else app/OS, and the locale ('' when none).

    Text only, as ``store.tables.resolution.DEVICE_PARTS`` reads them in SQL: a value of
    another JSON type is no part.
    """
    agent = context.get("userAgent")
    if not isinstance(agent, str):
        app, system = context.get("app"), context.get("os")
        namespace = app.get("namespace") if isinstance(app, dict) else None
        name = system.get("name") if isinstance(system, dict) else None
        agent = f"{namespace}/{name}" if isinstance(namespace, str) and isinstance(name, str) else None
    return _address(context), agent, _locale(context)


def _address(context: dict[str, Any]) -> str | None:
    """``context.ip`` trimmed of spaces and lower-cased, as SQL's ``lower(trim(...))``; text only."""
    ip = context.get("ip")
    return ip.strip(" ").lower() if isinstance(ip, str) else None


def _locale(context: dict[str, Any]) -> str:
    """``context.locale``, '' when it has none (or one that is not text)."""
    locale = context.get("locale")
    return locale if isinstance(locale, str) else ""


def record_activity(tx: Transaction, facts: pa.Table) -> None:
    """Add events' activity: ``facts`` has anchor_id, type, event, ts, channel, device and source.

    Each statement reads ``facts`` by replacement scan (``Transaction.execute_arrow``):
    registering it as a view cost ~0.7 ms of CPU more than the three scans together.
    """
    tx.execute_arrow(_STATS_UPSERT, facts)
    tx.execute_arrow(_TAGS_INSERT, facts)
    tx.execute_arrow(_EVENT_COUNT_UPSERT, facts)


def record_trait_rows(tx: Transaction, traits: pa.Table) -> None:
    """Add observed trait values: ``traits`` has the columns of ``_record_traits``'s table."""
    tx.execute_arrow(_TRAIT_UPSERT, traits)


def record_order_rows(tx: Transaction, orders: pa.Table) -> None:
    """Add orders: ``orders`` has the columns of ``_record_orders``'s table (the first per order id wins).

    Each order event also becomes its order's first report under its name or an echo of it;
    an echo is taken off the event counts that :func:`record_activity` then adds it to.
    """
    tx.execute_arrow(_ORDER_INSERT, orders)
    tx.execute_arrow(_ORDER_REPORT_INSERT, orders)
    tx.execute_arrow(_ORDER_ECHO_INSERT, orders)
    tx.execute_arrow(_ECHO_UNCOUNT, orders)


def flatten_traits(traits: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested trait objects one level deep: ``address.city``.

    Example:
        >>> flatten_traits({"address": {"city": "Kyiv"}, "age": 30})
        {'address.city': 'Kyiv', 'age': 30}
    """
    flat: dict[str, Any] = {}
    for name, value in traits.items():
        if isinstance(value, dict) and not prefix:
            flat.update(flatten_traits(value, f"{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _record_traits(
    tx: Transaction, records: Sequence[EventRecord], anchors: Sequence[int], seqs: Sequence[int], times: pa.Array
) -> None:
    """One ``trait_values`` row per trait of each record with traits.

    The columns a record's traits share (anchor, source, time, confidence, seq) are
    taken once per record and repeated by Arrow: an import of customers carries
    seven or more traits a row, and Arrow converted the same aware timestamp once per
    trait (its UTC offset asked each time).
    """
    kept: list[int] = []
    counts: list[int] = []
    names: list[str] = []
    values: list[str] = []
    dumps, option = orjson.dumps, orjson.OPT_NON_STR_KEYS
    for index, record in enumerate(records):
        if not record.traits:
            continue
        flat = flatten_traits(record.traits)
        kept.append(index)
        counts.append(len(flat))
        names.extend(flat)
        values.extend([dumps(value, option=option).decode() for value in flat.values()])
    if not names:
        return
    chosen = [records[i] for i in kept]
    per_record = pa.table(
        {
            "anchor_id": pa.array([anchors[i] for i in kept], pa.int64()),
            "source_id": pa.array([record.source_id for record in chosen], pa.int32()),
            "observed_at": times.take(pa.array(kept, pa.int64())),
            "confidence": pa.array([float(record.extra.get("confidence", 1.0)) for record in chosen], pa.float64()),
            "seq": pa.array([seqs[i] for i in kept], pa.int64()),
        }
    ).take(np.repeat(np.arange(len(kept)), counts))
    table = pa.table(
        {
            "anchor_id": per_record["anchor_id"],
            "name": pa.array(names, pa.string()),
            "value": pa.array(values, pa.string()),
            "source_id": per_record["source_id"],
            "observed_at": per_record["observed_at"],
            "confidence": per_record["confidence"],
            "seq": per_record["seq"],
        }
    )
    record_trait_rows(tx, table)


def _record_orders(
    tx: Transaction, records: Sequence[EventRecord], anchors: Sequence[int], seqs: Sequence[int], times: pa.Array
) -> None:
    rows = [
        (record.order, anchor, seq, record)
        for record, anchor, seq in zip(records, anchors, seqs, strict=True)
        if record.order is not None
    ]
    if not rows:
        return
    positions = [index for index, record in enumerate(records) if record.order is not None]
    table = pa.table(
        {
            "order_id": [order.order_id for order, *_ in rows],
            "event": [record.event for *_, record in rows],
            "anchor_id": pa.array([anchor for _, anchor, _, _ in rows], pa.int64()),
            "seq": pa.array([seq for _, _, seq, _ in rows], pa.int64()),
            "source_id": pa.array([record.source_id for *_, record in rows], pa.int32()),
            "message_key": pa.array([record.message_key for *_, record in rows], pa.uint64()),
            "revenue": pa.array([order.revenue for order, *_ in rows], pa.float64()),
            "currency": [order.currency for order, *_ in rows],
            "ordered_at": times.take(pa.array(positions, pa.int64())),
        }
    )
    record_order_rows(tx, table)
