"""Evaluating segments and keeping their membership history.

One path for everything (design rule 5): a full evaluation, the re-evaluation of the
profiles a micro-batch touched and the clock sweep all run the same compiled SQL,
the last two restricted to a set of profiles. The difference between the result and
the current members becomes entries and exits with a reason, and each entry or exit
queues the segment's triggers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import pyarrow as pa
from sqlglot import exp

from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import SCOPE_TABLE, compile_condition, in_scope
from persona360.segments.definitions import Segment
from persona360.segments.measures import TRAITS_TABLE, EventMeasures
from persona360.segments.nodes import Node
from persona360.segments.triggers import queue_deliveries
from persona360.store.database import Transaction

PERMISSIVE = Catalogue(permissive=True)
SCOPED_EVENTS = "__p360__scope_events"


@dataclass
class Changes:
    """Who entered and who left one segment in one evaluation."""

    segment: str
    entered: list[int] = field(default_factory=list)
    exited: list[int] = field(default_factory=list)
    members: int = -1  # -1: not counted (a micro-batch that changed nothing)


def members_sql(
    segment: Segment,
    now: datetime,
    *,
    scoped: bool,
    dialect: str = "duckdb",
    catalogue: Catalogue = PERMISSIVE,
) -> str:
    """The SQL text selecting the members of ``segment`` as of ``now``.

    ``catalogue`` is permissive (names were checked when the segment was saved) and
    carries the workspace's consent defaults.
    """
    return compile_condition(segment.node, catalogue, now, scoped=scoped).sql(dialect=dialect)


@dataclass
class SharedPlan:
    """Many segments' queries over event measures filled once (see ``segments.measures``).

    ``fill`` creates the temporary tables of the shared sources, ``queries`` select each
    definition's members from them, ``drop`` removes them again.
    """

    fill: list[str]
    queries: list[str]
    drop: list[str]


def plan_shared(
    nodes: list[Node],
    now: datetime,
    catalogue: Catalogue = PERMISSIVE,
    dialect: str = "duckdb",
    *,
    scoped: bool = False,
) -> SharedPlan:
    """The SQL evaluating ``nodes`` together: the events are read once per source, not per condition.

    ``scoped``: only the profiles in ``__p360__scope`` (a micro-batch's), as ``compile_condition``.
    """
    measures = EventMeasures(tables=True)
    queries = [
        compile_condition(node, catalogue, now, scoped=scoped, measures=measures).sql(dialect=dialect) for node in nodes
    ]
    fill, drop = [], []

    def temporary(name: str, select: exp.Select) -> None:
        table = exp.to_table(name)
        create = exp.Create(
            this=table,
            kind="TABLE",
            replace=True,
            expression=select,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        fill.append(create.sql(dialect=dialect))
        drop.append(exp.Drop(tables=[table.copy()], kind="TABLE", exists=True).sql(dialect=dialect))

    events = "seg_events"
    if scoped and measures.sources:
        # The scope's events once (a semi-join the engine runs early); then every
        # source reads that small table instead of filtering all events again.
        events = SCOPED_EVENTS
        temporary(events, exp.select("*").from_("seg_events").where(in_scope(exp.column("profile_id"))))
    for source in measures.sources.values():
        temporary(measures.relation(source), source.select(None, events))
    if measures.traits:
        names = exp.In(this=exp.column("name"), expressions=[exp.Literal.string(n) for n in measures.traits])
        where = exp.and_(names, in_scope(exp.column("profile_id"))) if scoped else names
        temporary(TRAITS_TABLE, exp.select("*").from_("seg_traits").where(where))
    return SharedPlan(fill, queries, drop)


def evaluate_all(
    tx: Transaction,
    segments: list[Segment],
    now: datetime,
    reason: str,
    catalogue: Catalogue = PERMISSIVE,
    scope: Iterable[int] | None = None,
) -> list[Changes]:
    """Evaluate ``segments`` in order (for ``scope`` only, when given), sharing their event measures.

    Segments are evaluated one after another, so ``in_segment`` sees the members just
    recorded for the segments before it, as with :func:`evaluate`.
    """
    scoped = scope is not None
    ids = sorted(set(scope or ()))
    if scoped and not ids:
        return [Changes(segment.name) for segment in segments]
    plan = plan_shared([segment.node for segment in segments], now, catalogue, scoped=scoped)
    if scoped:
        tx.register(SCOPE_TABLE, pa.table({"profile_id": pa.array(ids, pa.int64())}))
    try:
        for sql in plan.fill:
            tx.execute(sql)
        # the scope's current members of every segment at once; each segment's own
        # changes are the only ones recorded for it below, so this stays true
        current = _current_members_of(tx, [segment.segment_id for segment in segments]) if scoped else None
        absorbed = cache(lambda: _absorbed(tx)) if scoped else None  # read only once a segment changed
        changes = [
            _apply(
                tx,
                segment,
                {int(row[0]) for row in tx.fetchall(sql)},
                now,
                reason,
                scoped,
                None if current is None else current.get(segment.segment_id, set()),
                absorbed,
            )
            for segment, sql in zip(segments, plan.queries, strict=True)
        ]
        _stamp(tx, segments, now)
        return changes
    finally:
        for sql in plan.drop:
            tx.execute(sql)


def evaluate(
    tx: Transaction,
    segment: Segment,
    now: datetime,
    reason: str,
    scope: Iterable[int] | None = None,
    catalogue: Catalogue = PERMISSIVE,
) -> Changes:
    """Re-evaluate ``segment`` (for ``scope`` profiles only, when given) and record changes."""
    scoped = scope is not None
    if scoped:
        ids = sorted(set(scope or ()))
        if not ids:
            return Changes(segment.name)
        tx.register(SCOPE_TABLE, pa.table({"profile_id": pa.array(ids, pa.int64())}))
    now_members = {int(row[0]) for row in tx.fetchall(members_sql(segment, now, scoped=scoped, catalogue=catalogue))}
    changes = _apply(tx, segment, now_members, now, reason, scoped)
    _stamp(tx, [segment], now)
    return changes


def _apply(
    tx: Transaction,
    segment: Segment,
    now_members: set[int],
    now: datetime,
    reason: str,
    scoped: bool,
    current: set[int] | None = None,
    absorbed: Callable[[], Mapping[int, str]] | None = None,
) -> Changes:
    if current is None:
        current = _current_members(tx, segment.segment_id, scoped)
    changes = Changes(segment.name, sorted(now_members - current), sorted(current - now_members))
    survivors = absorbed() if absorbed is not None and (changes.entered or changes.exited) else {}
    _record(tx, segment, changes, now, reason, counted=not scoped, survivors=survivors)
    return changes


def _current_members(tx: Transaction, segment_id: int, scoped: bool) -> set[int]:
    sql = "SELECT profile_id FROM segment_memberships WHERE segment_id = ? AND exited_at IS NULL"
    if scoped:
        sql += f" AND profile_id IN (SELECT profile_id FROM {SCOPE_TABLE})"
    return {int(row[0]) for row in tx.fetchall(sql, [segment_id])}


def _current_members_of(tx: Transaction, segment_ids: list[int]) -> dict[int, set[int]]:
    """The current members among the scope's profiles, by segment, in one query."""
    rows = tx.fetchall(
        "SELECT segment_id, profile_id FROM segment_memberships WHERE exited_at IS NULL "
        f"AND segment_id IN (SELECT unnest(?)) AND profile_id IN (SELECT profile_id FROM {SCOPE_TABLE})",
        [segment_ids],
    )
    current: dict[int, set[int]] = {}
    for segment_id, profile_id in rows:
        current.setdefault(int(segment_id), set()).add(int(profile_id))
    return current


def _stamp(tx: Transaction, segments: list[Segment], now: datetime) -> None:
    tx.execute(
        "UPDATE segments SET evaluated_at = ? WHERE segment_id IN (SELECT unnest(?))",
        [now, [segment.segment_id for segment in segments]],
    )


def _name_merges(tx: Transaction, segment_id: int, exited: list[int], now: datetime) -> None:
    """An exit of a profile merged into another says so ("merged into #12"), not the evaluation's reason.

    A profile merged away stops being a member when the batch that merged it is evaluated,
    so its exit read "event". The merged profile's own membership goes on (or begins) under
    its live id, which the reason names; an entry or exit of that survivor in the same
    evaluation names the merge from its side ("merged with #7", :func:`_absorbed`).
    """
    tx.execute(
        "UPDATE segment_memberships m SET exit_reason = 'merged into #' || CAST(r.new_id AS VARCHAR) "
        "FROM profile_redirects r WHERE r.old_id = m.profile_id AND m.segment_id = ? AND m.exited_at = ? "
        "AND m.profile_id IN (SELECT unnest(?))",
        [segment_id, now, exited],
    )


def _absorbed(tx: Transaction) -> dict[int, str]:
    """The survivors of the scope's merges, each with the reason naming it ("merged with #7").

    The writer puts the profiles a batch merged away in the batch's scope (their rows
    go), so a profile into which a scope's profile was merged took it in with this
    batch: its entries and exits now follow from the merge, not from an "event". Read
    at most once per evaluation, and only when a segment has an entry or an exit.
    """
    rows = tx.fetchall(
        "SELECT new_id, list(old_id ORDER BY old_id) FROM profile_redirects "
        f"WHERE old_id IN (SELECT profile_id FROM {SCOPE_TABLE}) GROUP BY new_id"
    )
    return {int(new): "merged with " + ", ".join(f"#{old}" for old in olds) for new, olds in rows}


def _record(
    tx: Transaction,
    segment: Segment,
    changes: Changes,
    now: datetime,
    reason: str,
    *,
    counted: bool,
    survivors: Mapping[int, str],
) -> None:
    """Write the entries and exits; count the members when something changed or ``counted``.

    Each row takes ``reason``, or the merge a survivor among them took in (:func:`_absorbed`).

    A micro-batch re-evaluates every segment for a few profiles and mostly changes
    nothing: counting all members of every segment each time scanned the whole
    membership table once per segment and batch. ``members`` stays -1 when not counted.
    """
    if changes.entered:
        tx.execute(
            "INSERT INTO segment_memberships SELECT ?, unnest(?), ?, NULL, unnest(?), NULL",
            [segment.segment_id, changes.entered, now, [survivors.get(p, reason) for p in changes.entered]],
        )
    if changes.exited:
        tx.execute(
            "UPDATE segment_memberships m SET exited_at = ?, exit_reason = r.reason "
            "FROM (SELECT unnest(?) AS profile_id, unnest(?) AS reason) r "
            "WHERE m.segment_id = ? AND m.exited_at IS NULL AND m.profile_id = r.profile_id",
            [now, changes.exited, [survivors.get(p, reason) for p in changes.exited], segment.segment_id],
        )
        _name_merges(tx, segment.segment_id, changes.exited, now)
    changed = bool(changes.entered or changes.exited or segment.evaluated_at is None)
    if changed or counted:
        row = tx.fetchone(
            "SELECT count(*) FROM segment_memberships WHERE segment_id = ? AND exited_at IS NULL",
            [segment.segment_id],
        )
        changes.members = int(row[0]) if row else 0
    if changed:
        tx.execute(
            "INSERT INTO segment_counts VALUES (?, ?, ?)",
            [segment.segment_id, now, changes.members],
        )
    queue_deliveries(tx, segment, changes.entered, "enter", now, reason)
    queue_deliveries(tx, segment, changes.exited, "exit", now, reason)
