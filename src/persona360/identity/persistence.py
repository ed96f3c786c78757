"""Writing a batch's graph changes, and reading the graph back into memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from persona360.identity.graph import EdgeBlock, GraphDelta, IdentityGraph
from persona360.store.database import Database, Transaction

_TS = pa.timestamp("us", "UTC")


def write_delta(tx: Transaction, delta: GraphDelta, graph: IdentityGraph, at: datetime) -> None:
    """Persist ``delta`` so that the stored graph equals ``graph`` again.

    Identifiers new in this delta are inserted with their final profile and were never
    a profile anyone stored or pointed to, so they need no relabelling UPDATE and no
    redirect can point at them: the server's micro-batches, whose merges are mostly a
    new anonymous id joining a known profile, skip one or two statements (1-2 ms each).
    """
    new = delta.new_identifier_ids()
    _write_relabels(tx, delta, new)
    _write_identifiers(tx, delta, graph)
    _write_edges(tx, delta)
    _write_redirects(tx, delta, at, new)
    if delta.log:
        tx.execute(
            "INSERT INTO identity_log SELECT * FROM (SELECT unnest($at) AS logged_at, "
            "unnest($code) AS code, unnest($detail)::JSON AS detail)",
            {
                "at": [at for at, _, _ in delta.log],
                "code": [code for _, code, _ in delta.log],
                "detail": [orjson.dumps(detail).decode() for _, _, detail in delta.log],
            },
        )


def load_graph(db: Database, graph: IdentityGraph) -> None:
    """Fill ``graph`` from the stored identifiers, edges and unmerge decisions.

    Read as Arrow columns, not rows: three million identifier rows as Python tuples
    cost 10 s before the graph saw any of them.
    """
    identifiers = db.query_arrow("SELECT identifier_id, kind, value, profile_id FROM identifiers")
    edges = db.query_arrow("SELECT a, b FROM edges")  # Pairs drops the repeats
    splits = db.query(
        "SELECT (detail->>'a')::BIGINT, (detail->>'b')::BIGINT FROM identity_log "
        "WHERE code = 'split' "
        "AND NOT EXISTS (SELECT 1 FROM identity_log l WHERE l.code = 'split_lifted' "
        "AND l.detail->>'a' = identity_log.detail->>'a' "
        "AND l.detail->>'b' = identity_log.detail->>'b' AND l.logged_at >= identity_log.logged_at)"
    )
    next_edge = int(db.scalar("SELECT coalesce(max(edge_id), 0) + 1 FROM edges"))
    graph.load_columns(
        _ints(identifiers.column("identifier_id")),
        _strings(identifiers.column("kind")),
        identifiers.column("value").to_pylist(),
        _ints(identifiers.column("profile_id")),
        (_ints(edges.column("a")), _ints(edges.column("b"))),
        ((int(a), int(b)) for a, b in splits),
        next_edge,
    )


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _strings(column: pa.ChunkedArray) -> list[str]:
    """A column of a few distinct strings (kinds) as a list sharing one object per value."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    names = encoded.dictionary.to_pylist()
    return [names[i] for i in encoded.indices.to_numpy(zero_copy_only=False).tolist()]


def retired_ids(db: Database) -> list[int]:
    """The identifier ids that must not be issued again (see :meth:`IdentityGraph.retire`)."""
    return [int(row[0]) for row in db.query("SELECT identifier_id FROM retired_identifiers")]


def retire_ids(tx: Transaction, identifier_ids: list[int], at: datetime) -> None:
    """Record the ids of deleted identifiers so that they are never issued again."""
    tx.execute(
        "INSERT INTO retired_identifiers SELECT DISTINCT unnest($ids::BIGINT[]), $at ON CONFLICT DO NOTHING",
        {"ids": identifier_ids, "at": at},
    )


ACTIVE_EDGES = (
    "SELECT a, b FROM edges WHERE status = 'active' AND a IN (SELECT unnest($ids)) AND b IN (SELECT unnest($ids))"
)


def active_edges(tx: Transaction | Database, identifier_ids: list[int]) -> list[tuple[int, int]]:
    """The active edges among ``identifier_ids`` (what an unmerge has to cut, or would: a plan reads outside one)."""
    params = {"ids": identifier_ids}
    rows = tx.fetchall(ACTIVE_EDGES, params) if isinstance(tx, Transaction) else tx.query(ACTIVE_EDGES, params)
    return [(int(a), int(b)) for a, b in rows]


def _write_relabels(tx: Transaction, delta: GraphDelta, new: set[int]) -> None:
    relabels = {key: value for key, value in delta.relabels.items() if key not in new}
    if not relabels:
        return
    table = pa.table(
        {
            "identifier_id": pa.array(list(relabels), pa.int64()),
            "profile_id": pa.array(list(relabels.values()), pa.int64()),
        }
    )
    tx.execute_arrow(
        "UPDATE identifiers SET profile_id = r.profile_id FROM p360_rows r "
        "WHERE identifiers.identifier_id = r.identifier_id",
        table,
    )


_IDENTIFIERS = pa.schema(
    [
        ("identifier_id", pa.int64()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("profile_id", pa.int64()),
        ("first_seen", _TS),
        ("source_id", pa.int32()),
    ]
)
_EDGES = pa.schema(
    [
        ("edge_id", pa.int64()),
        ("a", pa.int64()),
        ("b", pa.int64()),
        ("reason", pa.string()),
        ("status", pa.string()),
        ("detail", pa.string()),
        ("source_id", pa.int32()),
        ("message_key", pa.uint64()),
        ("created_at", _TS),
    ]
)


def _write_identifiers(tx: Transaction, delta: GraphDelta, graph: IdentityGraph) -> None:
    rows = delta.new_identifiers
    tables = [
        pa.table(
            {
                "identifier_id": pa.array([row[0] for row in rows], pa.int64()),
                "kind": [row[1] for row in rows],
                "value": [row[2] for row in rows],
                "profile_id": pa.array([graph.profile_of(row[0]) for row in rows], pa.int64()),
                "first_seen": pa.array([row[3] for row in rows], _TS),
                "source_id": pa.array([row[4] for row in rows], pa.int32()),
            },
            schema=_IDENTIFIERS,
        )
    ]
    for block in delta.identifier_blocks:
        ids, n = block.ids(), len(block.kinds)
        tables.append(
            pa.table(
                {
                    "identifier_id": pa.array(np.arange(ids.start, ids.stop, dtype=np.int64)),
                    "kind": pa.array(block.kinds, pa.string()),
                    "value": pa.array(block.values, pa.string()),
                    "profile_id": pa.array(graph.profiles_of(ids), pa.int64()),
                    "first_seen": pa.repeat(pa.scalar(block.at, _TS), n),
                    "source_id": pa.repeat(pa.scalar(block.source_id, pa.int32()), n),
                },
                schema=_IDENTIFIERS,
            )
        )
    table = pa.concat_tables(tables)
    if table.num_rows:
        tx.insert_arrow("identifiers", table)


def _write_edges(tx: Transaction, delta: GraphDelta) -> None:
    tables = [_edge_block_table(block) for block in delta.edge_blocks]
    if delta.new_edges:
        columns: dict[str, list[Any]] = {
            name: [getattr(edge, name) for edge in delta.new_edges]
            for name in (
                "edge_id",
                "a",
                "b",
                "reason",
                "status",
                "detail",
                "source_id",
                "message_key",
                "created_at",
            )
        }
        tables.append(
            pa.table(
                {
                    **columns,
                    "source_id": pa.array(columns["source_id"], pa.int32()),
                    "message_key": pa.array(columns["message_key"], pa.uint64()),
                    "created_at": pa.array(columns["created_at"], _TS),
                },
                schema=_EDGES,
            )
        )
    if tables:
        tx.insert_arrow("edges", pa.concat_tables(tables))
    for a, b, why in delta.removed_edges:
        tx.execute(
            "UPDATE edges SET status = 'removed', detail = ? WHERE status = 'active' "
            "AND ((a = ? AND b = ?) OR (a = ? AND b = ?))",
            [why, a, b, b, a],
        )


def _edge_block_table(block: EdgeBlock) -> pa.Table:
    n = len(block.b)
    return pa.table(
        {
            "edge_id": pa.array(np.arange(block.first_edge, block.first_edge + n, dtype=np.int64)),
            "a": pa.array(block.a, pa.int64()),
            "b": pa.array(block.b, pa.int64()),
            "reason": pa.repeat(pa.scalar(block.reason, pa.string()), n),
            "status": pa.repeat(pa.scalar("active", pa.string()), n),
            "detail": pa.nulls(n, pa.string()),
            "source_id": pa.repeat(pa.scalar(block.source_id, pa.int32()), n),
            "message_key": pa.array(block.message_keys, pa.uint64()),
            "created_at": pa.repeat(pa.scalar(block.at, _TS), n),
        },
        schema=_EDGES,
    )


def _write_redirects(tx: Transaction, delta: GraphDelta, at: datetime, new: set[int]) -> None:
    if delta.dropped_redirects:
        tx.execute(
            "DELETE FROM profile_redirects WHERE old_id IN (SELECT unnest($ids))",
            {"ids": sorted(delta.dropped_redirects)},
        )
    if not delta.merges:
        return
    merges, final = delta.merges, delta.final_profile
    # most merged ids point at a profile that stayed: no chain to follow (a new customer's
    # identifiers joining its anchor, ~160,000 in a million-line import)
    finals = {old: new if new not in merges else final(old) for old, new in merges.items()}
    table = pa.table(
        {
            "old_id": pa.array(list(finals), pa.int64()),
            "new_id": pa.array(list(finals.values()), pa.int64()),
        }
    )
    if new.issuperset(finals):  # nothing stored names them: a plain insert (OR REPLACE costs 3-4 ms more)
        tx.execute_arrow("INSERT INTO profile_redirects SELECT old_id, new_id, $at FROM p360_rows", table, {"at": at})
        return
    tx.execute_arrow(
        "UPDATE profile_redirects SET new_id = m.new_id FROM p360_rows m WHERE profile_redirects.new_id = m.old_id",
        table,
    )
    tx.execute_arrow(
        "INSERT OR REPLACE INTO profile_redirects SELECT old_id, new_id, $at FROM p360_rows", table, {"at": at}
    )
