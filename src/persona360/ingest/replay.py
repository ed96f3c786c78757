"""Deriving from the stored events alone.

A whole rebuild (design rule 1), or the backlog a killed server left behind: events
it acknowledged but had not derived yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from persona360.ingest.backlog import stored_start
from persona360.ingest.record import EventRecord
from persona360.ingest.validate import infer_channel, infer_device, order_facts
from persona360.ingest.writer import ADMIN_TYPES, EventWriter
from persona360.store.database import Database
from persona360.store.schema import DERIVED_TABLES

_COLUMNS = (
    "seq, message_id, source_id, type, event, user_id, anonymous_id, timestamp, "
    "original_timestamp, sent_at, received_at, properties, traits, context, extra, "
    "identifiers, reason"
)


def rebuild(
    db: Database,
    writer: EventWriter,
    *,
    chunk: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Empty every derived table and replay all events in commit order, atomically.

    Returns:
        The number of events replayed.
    """
    writer.settle()
    total = int(db.scalar("SELECT count(*) FROM events"))
    done, last_seq = 0, 0
    with db.transaction() as tx:
        for table in DERIVED_TABLES:
            tx.execute(f"DELETE FROM {table}")
        writer.reset()
        while True:
            rows = db.query_dicts(
                f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                [last_seq, chunk],
            )
            if not rows:
                break
            writer.replay([record_from_row(row) for row in rows], [row["seq"] for row in rows])
            last_seq = rows[-1]["seq"]
            done += len(rows)
            if progress:
                progress(done, total)
    return done


def derive_backlog(db: Database, writer: EventWriter, *, chunk: int = 50_000) -> int:
    """Derive the events a previous process acknowledged but did not derive; return how many.

    What is missing is their identity graph changes (an append leaves them to its
    derivation; the writer observes the events again, ``EventWriter.derive_stored``),
    their facts, hooks and the projection of the profiles they touched, including
    profiles merged away since (their rows must go).
    """
    start = stored_start(db)
    if start is None:
        return 0
    merged_away = {int(row[0]) for row in db.query(_MERGED_AWAY)}
    done, last_seq = 0, start - 1
    while True:
        rows = db.query_dicts(
            f"SELECT {_COLUMNS}, anchor_id FROM events WHERE seq > ? ORDER BY seq LIMIT ?", [last_seq, chunk]
        )
        customer = [row for row in rows if row["type"] not in ADMIN_TYPES]  # admin ones derive whole
        anchors = [int(row["anchor_id"]) for row in customer]
        records = [record_from_row(row) for row in customer]
        seqs = [int(row["seq"]) for row in customer]
        more = len(rows) == chunk
        writer.derive_stored(records, anchors, seqs, merged_away, int(rows[-1]["seq"]) + 1 if more else None)
        merged_away = set()
        done += len(records)
        if len(rows) < chunk:
            return done
        last_seq = int(rows[-1]["seq"])


# profile rows whose id is no profile any more: merged away by an append whose graph
# changes a partial derivation wrote before the append itself was derived
_MERGED_AWAY = "SELECT profile_id FROM profiles WHERE profile_id NOT IN (SELECT profile_id FROM identifiers)"


def record_from_row(row: dict[str, Any]) -> EventRecord:
    """The record a stored event was written from."""
    properties = _load(row["properties"])
    context = _load(row["context"])
    extra = _load(row["extra"])
    record = EventRecord(
        message_id=row["message_id"],
        source_id=row["source_id"],
        type=row["type"],
        timestamp=row["timestamp"],
        received_at=row["received_at"],
        identifiers=[(kind, value) for kind, value in orjson.loads(row["identifiers"])],
        reason=row["reason"],
        event=row["event"],
        user_id=row["user_id"],
        anonymous_id=row["anonymous_id"],
        original_timestamp=row["original_timestamp"],
        sent_at=row["sent_at"],
        properties=properties,
        traits=_load(row["traits"]),
        context=context,
        extra=extra,
        channel=infer_channel(row["type"], context),
        device=infer_device(context),
    )
    if row["type"] == "track":
        record.order = order_facts(row["event"], properties, row["message_id"])
    return record


def _load(text: str | None) -> dict[str, Any]:
    return orjson.loads(text) if text else {}
