"""The one writer: stores a batch of records and everything that follows from them.

For each batch: drop records already stored (same source and ``messageId``), stitch
identities, append the events, add their per-anchor facts and re-project the profiles
they touched. :meth:`EventWriter.write` does all of it in one transaction. The server
splits it in two (:meth:`EventWriter.append`, then :meth:`EventWriter.derive`): the
events commit first and the request is answered, and the identity graph changes,
facts, hooks and projection of many such appends follow in one larger transaction,
which is where the throughput comes from (see ``backlog.py``). Either way a caller
that gets a :class:`WriteResult` back knows its events are committed (design rule 6).
Admin actions (merge, unmerge) are events too, so a rebuild replays them like
everything else.

Why an append leaves the graph changes in memory: the graph is a projection of the
events (a rebuild re-stitches them), and writing it cost an append of a few single
calls three more DuckDB statements (identifiers, edges, redirects: ~40% of the
append). Stitching the same events in the same order on the same stored graph gives
the same identifier ids, so nothing is lost when the process dies or a write fails:
the events not yet derived are observed again on the graph read from the store
(:meth:`EventWriter.derive_stored` after a crash, ``_restitch`` after a failed write),
and should an id ever differ, their stored anchors follow.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TypeVar

import numpy as np
import orjson
import pyarrow as pa

from persona360.identity.graph import GraphDelta, IdentityGraph
from persona360.identity.guardrails import parse_blocklist
from persona360.identity.persistence import active_edges, load_graph, retired_ids, write_delta
from persona360.ingest.backlog import Appended, Backlog, mark_done, mark_start
from persona360.ingest.bulk_write import ColumnBatch, write_batch
from persona360.ingest.record import EventRecord, json_column, stored_json
from persona360.ingest.seen import SeenKeys, load_seen
from persona360.profiles.facts import record_facts
from persona360.profiles.projection import reproject
from persona360.settings import Settings
from persona360.store.database import Database, Transaction
from persona360.store.money import Money

log = logging.getLogger(__name__)
_Run = TypeVar("_Run", bound=Sized)  # what one guarded write stores: records, or a batch of columns
_TS = pa.timestamp("us", "UTC")
ADMIN_TYPES = ("merge", "unmerge")
DERIVE_MAX_EVENTS = 50_000  # most events one derivation transaction takes from the backlog
LIVE_RECHECK_SECONDS = 5.0  # how long listening_live trusts its last answer when nobody says it changed
FactHook = Callable[[Transaction, list[EventRecord], list[int], list[int]], None]


@dataclass
class WriteResult:
    """What a write did: how many records were new and which were duplicates."""

    stored: int = 0
    duplicates: int = 0
    touched_profiles: set[int] = field(default_factory=set)

    def add(self, other: WriteResult) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.touched_profiles |= other.touched_profiles


class EventWriter:
    """Writes batches of :class:`EventRecord` into a workspace.

    Thread-safe: calls are serialised, so any thread may call :meth:`write`; the
    server's batcher funnels its requests into it.
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._lock = threading.Lock()
        self._graph: IdentityGraph | None = None
        self._graph_lock = threading.Lock()
        self._next_seq = int(db.scalar("SELECT coalesce(max(seq), 0) + 1 FROM events"))
        self._source_names: dict[int, str] = {}
        self.backlog = Backlog()
        self.derive_max_events = DERIVE_MAX_EVENTS
        # Called with each committed result, outside the write lock (segments listen here).
        self.after_commit: list[Callable[[WriteResult], None]] = []
        # Called on each new batch before anything is stored; returns the records to keep
        # (privacy drops records of erased people here). Not called on a rebuild's replay.
        self.screens: list[Callable[[list[EventRecord]], list[EventRecord]]] = []
        # Called inside the write transaction with the customer records just stored (or
        # replayed), their anchors and seqs: other rooms derive their own facts here, so
        # that those facts commit with the events and a rebuild re-derives them.
        self.fact_hooks: list[FactHook] = []
        # Asked whether something must see new events within moments (a live segment, a
        # computed trait, an event-triggered campaign): see listening_live.
        self.live_probes: list[Callable[[], bool]] = []
        self._live: tuple[float, bool] | None = None  # (monotonic time asked, answer)
        self._observed = ObservedSets()
        # graph changes of appends, written by the next derivation (module docstring)
        self._unsaved: GraphDelta | None = None
        self._unsaved_at: datetime | None = None
        self._restitch_due = False  # the graph was read again while appends waited: observe them again
        self._seen: SeenKeys | None = None  # stored message keys (ingest/seen.py), read when first needed
        self._deriving = 0  # events a derivation has taken off the backlog and not yet committed

    def write(self, records: Sequence[EventRecord]) -> WriteResult:
        """Store ``records`` (in this order) and derive everything from them; return what was stored.

        When this returns, the events, their facts and the profiles are committed
        (one transaction per run); any backlog of earlier appends is derived first.
        """
        result = WriteResult()
        with self._lock:
            kept = self._screen(records)
            notify = self._drain()
            for run in _runs(kept):
                result.add(self._guarded(self._write_run, run))
        notify.add(result)
        self._notify(notify)
        return result

    def write_columns(self, batch: ColumnBatch) -> WriteResult:
        """Store orders given as columns (the set-based import) as :meth:`write` stores records.

        See ``bulk_write.py``: same dedup, stitching, seqs, facts and projection, in one
        transaction, without one :class:`EventRecord` per order.
        """
        with self._lock:
            notify = self._drain()
            result = self._guarded(partial(write_batch, self), batch)
        notify.add(result)
        self._notify(notify)
        return result

    def append(self, records: Sequence[EventRecord]) -> WriteResult:
        """Store ``records`` durably, leaving their facts and profiles to :meth:`derive`.

        When this returns the events and the identity graph changes they cause are
        committed, so an API may acknowledge them. An admin action among them is
        written whole (after deriving the backlog), as a merge must see the facts.
        """
        result = WriteResult()
        notify = WriteResult()
        with self._lock:
            for run in _runs(self._screen(records)):
                if run[0].type in ADMIN_TYPES:
                    notify.add(self._drain())
                    done = self._guarded(self._write_run, run)
                    notify.add(done)
                else:
                    done = self._guarded(self._append_run, run)
                result.add(done)
        self._notify(notify)
        return result

    def derive(self, limit: int | None = None) -> WriteResult:
        """Derive facts, hooks and profiles of the oldest appended events (up to ``limit``).

        Listeners in :attr:`after_commit` then see what was derived.
        """
        with self._lock:
            result = self._derive_backlog(limit)
        self._notify(result)
        return result

    def settle(self) -> None:
        """Derive the whole backlog: afterwards, reads see every acknowledged event.

        The backlog is looked at under the lock: a derivation in flight (the batcher's)
        has already taken its events off the backlog but not committed them, and with
        the identity graph written by the derivation, a read let through then would not
        find a just-acknowledged identifier.
        """
        while True:
            with self._lock:
                if not self.backlog.events:
                    return
                result = self._derive_backlog()
            self._notify(result)

    @property
    def pending(self) -> int:
        """How many appended events are not derived yet, those of a derivation in flight included.

        Read without the lock (the API asks it on every request to decide whether to
        settle): counting only the backlog said 0 while a derivation had taken the
        events off it and not committed them, and a profile read let through then
        missed a just-acknowledged event (a flaky admin lookup right after tracking calls).
        """
        return self.backlog.events + self._deriving

    def listening_live(self) -> bool:
        """Whether a listener needs new events derived within moments, not just before a read.

        The server's batcher derives on a short bound only then (``batcher.py``); reads
        settle the backlog themselves. The answer of :attr:`live_probes` (DuckDB queries)
        is kept until :meth:`live_changed` or :data:`LIVE_RECHECK_SECONDS`, as the batcher
        asks after every commit.
        """
        known, now = self._live, time.monotonic()
        if known is None or now - known[0] > LIVE_RECHECK_SECONDS:
            known = self._live = (now, any(probe() for probe in self.live_probes))
        return known[1]

    def live_changed(self) -> None:
        """A live listener may have come or gone (a segment, computed trait or trigger campaign saved)."""
        self._live = None

    def replay(self, records: Sequence[EventRecord], seqs: Sequence[int]) -> None:
        """Re-derive identity and profiles from stored events (for a rebuild).

        The events stay as they are except their anchor, which follows the current
        guardrail settings.
        """
        with self._lock:
            start = 0
            for run in _runs(records):
                self._write_run(run, seqs=list(seqs[start : start + len(run)]))
                start += len(run)

    @property
    def graph(self) -> IdentityGraph:
        """The identity graph, read from the database the first time something needs it.

        Not when the workspace opens: a process that only reads (the UI, most CLI
        commands) never needs it, and at a million people reading it is the largest
        part of opening the workspace.
        """
        graph = self._graph
        if graph is None:
            with self._graph_lock:
                if self._graph is None:
                    fresh = self._fresh_graph()
                    load_graph(self.db, fresh)
                    self._graph = fresh
                graph = self._graph
        return graph

    def reset(self) -> None:
        """Start from an empty graph (the derived tables were just emptied)."""
        self._graph = self._fresh_graph()
        self._observed.clear()
        self._forget_unsaved()
        self._restitch_due = False

    def reload(self) -> None:
        """Throw the in-memory graph away; it is read again from the database when next needed."""
        self._graph = None
        self._observed.clear()
        self._forget_unsaved()
        self._restitch_due = bool(self.backlog.items)  # their graph changes were in memory only
        self._next_seq = int(self.db.scalar("SELECT coalesce(max(seq), 0) + 1 FROM events"))

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold every write off while the caller changes stored identity, then reload.

        Erasure deletes identifiers under it: no record may pass the screens before the
        suppression exists and be stitched against the old graph after the delete. The
        backlog of appended events is derived first, so the caller sees every fact.
        """
        with self._lock:
            notify = self._drain()
            try:
                yield
            finally:
                self.reload()
        self._notify(notify)

    # -- one run of ordinary records, or a single admin action -------------------
    def _write_run(self, records: list[EventRecord], seqs: list[int] | None = None) -> WriteResult:
        fresh = self._drop_stored(records) if seqs is None else records
        if not fresh:
            return WriteResult(duplicates=len(records))
        with self.db.transaction() as tx:
            anchors, delta = self._stitch(tx, fresh)
            if seqs is None:
                seqs = self._insert(tx, fresh, anchors)
            else:
                _update_anchors(tx, fresh, anchors)
            touched = self._touched(anchors, delta)
            if fresh[0].type not in ADMIN_TYPES:  # a person's decision is no customer activity
                self._derive_facts(tx, fresh, anchors, seqs)
            self._project(tx, touched, self._trait_touched(fresh, anchors, delta))
        # merged-away ids stay in: their segment memberships must end too
        return WriteResult(len(fresh), len(records) - len(fresh), touched)

    def _append_run(self, records: list[EventRecord]) -> WriteResult:
        fresh = self._drop_stored(records)
        if not fresh:
            return WriteResult(duplicates=len(records))
        anchors, delta = self._observe(self._graph_ready(), fresh)
        with self.db.transaction() as tx:
            seqs = self._insert(tx, fresh, anchors)
            if not self.backlog.items:
                mark_start(tx, seqs[0])
        self._keep_unsaved(delta, max(record.received_at for record in fresh))
        touched = self._touched(anchors, delta)
        self.backlog.add(Appended(fresh, anchors, seqs, touched, self._trait_touched(fresh, anchors, delta)))
        return WriteResult(len(fresh), len(records) - len(fresh), touched)

    def _drain(self) -> WriteResult:
        """Derive the whole backlog (caller holds the lock): a whole write must not overtake it.

        Otherwise the edge in ``meta`` would sit below events derived already, and a
        restart would derive those twice.
        """
        result = WriteResult()
        while self.backlog.items:
            result.add(self._derive_backlog())
        return result

    def _derive_backlog(self, limit: int | None = None) -> WriteResult:
        """Derive the oldest appends (caller holds the lock); on failure they stay queued."""
        if self.backlog.items:
            self._graph_ready()  # before any is taken: a restitch observes them all
        taken = self.backlog.take(limit or self.derive_max_events)
        if not taken:
            return WriteResult()
        records = [record for item in taken for record in item.records]
        anchors = [anchor for item in taken for anchor in item.anchors]
        seqs = [seq for item in taken for seq in item.seqs]
        touched = set().union(*(item.touched for item in taken))
        trait_touched = set().union(*(item.trait_touched for item in taken))
        self._deriving = len(records)  # still pending for readers (see pending)
        try:
            with self.db.transaction() as tx:
                self._save_unsaved(tx)
                self._derive_facts(tx, records, anchors, seqs)
                self._project(tx, touched, trait_touched)
                mark_done(tx, self.backlog.first_seq())
        except Exception:
            self.backlog.items[:0] = taken
            self.backlog.events += len(records)
            raise
        finally:
            self._deriving = 0
        self._forget_unsaved()
        return WriteResult(len(records), 0, touched)

    def _graph_ready(self) -> IdentityGraph:
        """The graph, with the waiting appends observed again if it was read anew since."""
        graph = self.graph
        if self._restitch_due:
            self._restitch(graph)
        return graph

    def _keep_unsaved(self, delta: GraphDelta, at: datetime) -> None:
        if self._unsaved is None:
            self._unsaved = delta
        else:
            self._unsaved.absorb(delta)
        self._unsaved_at = at if self._unsaved_at is None else max(self._unsaved_at, at)

    def _forget_unsaved(self) -> None:
        """The appends' graph changes are written, or will be observed again: none is kept."""
        self._unsaved, self._unsaved_at = None, None

    def _save_unsaved(self, tx: Transaction) -> None:
        """Write the graph changes of the appends since the last derivation (one write for all)."""
        if self._unsaved is not None and self._unsaved_at is not None:
            write_delta(tx, self._unsaved, self.graph, self._unsaved_at)

    def _restitch(self, graph: IdentityGraph) -> None:
        """Observe the waiting appends again on ``graph``, just read from the store.

        Their graph changes were in memory only (module docstring); the same records in
        the same order on the same stored graph get the same anchors, and any that does
        not is moved in the stored events and in the backlog.
        """
        items = self.backlog.items
        records = [record for item in items for record in item.records]
        old = [anchor for item in items for anchor in item.anchors]
        anchors, delta = self._observe(graph, records)
        moved, to = _moved(records, anchors, old)
        if moved:
            log.warning("%d waiting events got other anchors when observed again", len(moved))
            with self.db.transaction() as tx:
                _update_anchors(tx, moved, to)
        start = 0
        for item in items:
            item.anchors = anchors[start : start + len(item.records)]
            start += len(item.records)
            item.touched = self._touched(item.anchors, delta)
            item.trait_touched = self._trait_touched(item.records, item.anchors, delta)
        self._forget_unsaved()
        if records:
            self._keep_unsaved(delta, max(record.received_at for record in records))
        self._restitch_due = False

    def derive_stored(
        self,
        records: list[EventRecord],
        stored_anchors: list[int],
        seqs: list[int],
        merged_away: set[int],
        next_start: int | None,
    ) -> None:
        """Derive events a previous process stored but did not derive (at start-up).

        Their graph changes may not be stored (an append leaves them to its
        derivation): the records are observed again, in seq order, on the stored graph,
        which writes what is missing and gives the same anchors; an anchor that differs
        all the same is moved in the stored event. ``merged_away`` are profile rows
        whose id is no profile any more. ``next_start`` is the seq the rest of that
        backlog starts at (None: nothing is left).
        """
        with self._lock, self.db.transaction() as tx:
            touched = set(merged_away)
            if records:
                graph = self._graph_ready()
                anchors, delta = self._observe(graph, records)
                write_delta(tx, delta, graph, max(record.received_at for record in records))
                moved, to = _moved(records, anchors, stored_anchors)
                if moved:
                    _update_anchors(tx, moved, to)
                touched |= self._touched(anchors, delta)
                self._derive_facts(tx, records, anchors, seqs)
            self._project(tx, touched, touched)
            mark_done(tx, next_start)
        self._notify(WriteResult(len(records), 0, touched))

    def _observe(self, graph: IdentityGraph, records: list[EventRecord]) -> tuple[list[int], GraphDelta]:
        """Stitch ``records`` into ``graph``: their anchors, and the changes to write."""
        return _observe_all(graph, records, self._observed), graph.take_delta()

    def _stitch(self, tx: Transaction, fresh: list[EventRecord]) -> tuple[list[int], GraphDelta]:
        graph = self._graph_ready()
        if fresh[0].type in ADMIN_TYPES:  # one unmerge, or a run of merges (see _runs)
            anchors = [self._apply_admin(tx, record) for record in fresh]
        else:
            anchors = _observe_all(graph, fresh, self._observed)
        delta = graph.take_delta()
        write_delta(tx, delta, graph, max(record.received_at for record in fresh))
        return anchors, delta

    def _insert(self, tx: Transaction, fresh: list[EventRecord], anchors: list[int]) -> list[int]:
        seqs = list(range(self._next_seq, self._next_seq + len(fresh)))
        _insert_events(tx, fresh, anchors, seqs)
        # before the commit: a rolled-back key stays in, which only costs a look-up
        self._stored_keys().add([record.message_key for record in fresh])
        self._next_seq += len(fresh)
        return seqs

    def _touched(self, anchors: list[int], delta: GraphDelta) -> set[int]:
        """The profiles to project again: the records' and the delta's, and the merged-away ones, whose rows go.

        An id first seen in this delta and merged away in it never had a projection row
        (profiles are projected only from a delta's write on): it is left out. An
        orders import merges each new customer's email and phone into its shop id,
        ~160,000 ids a million lines, which the projection would otherwise look up and
        try to delete one by one.
        """
        profile_of = self.graph.profile_of  # once: a property call per anchor cost more than the look-up
        touched = {profile_of(anchor) for anchor in anchors}
        touched |= {delta.final_profile(p) for p in delta.touched}
        merged = set(delta.merges)
        if delta.identifier_blocks or delta.new_identifiers:
            merged -= delta.new_identifier_ids()
        return touched | merged

    def _trait_touched(self, records: list[EventRecord], anchors: list[int], delta: GraphDelta) -> set[int]:
        """The touched profiles whose shown traits may have changed.

        A profile's traits are a function of its members' ``trait_values`` (written
        only by records with traits, on their anchor) and of its membership (changed
        only through ``delta``). Most of a shop's events are tracks and pages without
        traits: their profiles skip the trait re-projection, the largest statement of
        a derive (it reads all of ``trait_values``). So does a profile that only
        gained identifiers first seen in ``delta`` (a new anonymous id joining a known
        profile: most of a tracking stream's merges): they hold no trait values yet,
        except through this batch's records with traits, counted above. An unmerge
        changes both sides' members: every profile it touched is counted.
        """
        final, profile_of = delta.final_profile, self.graph.profile_of
        with_traits = {profile_of(a) for r, a in zip(records, anchors, strict=True) if r.traits}
        if delta.removed_edges or delta.dropped_redirects:  # an unmerge
            return with_traits | {final(p) for p in delta.touched} | set(delta.merges)
        new = delta.new_identifier_ids()
        joined = {gone for gone in delta.merges if gone not in new}  # profiles that held identifiers before
        return with_traits | joined | {final(gone) for gone in joined}

    def _derive_facts(self, tx: Transaction, records: list[EventRecord], anchors: list[int], seqs: list[int]) -> None:
        record_facts(tx, records, anchors, seqs, self._names(tx, records))
        for hook in self.fact_hooks:
            hook(tx, records, anchors, seqs)

    def _project(self, tx: Transaction, touched: set[int], trait_touched: set[int]) -> None:
        members = self.graph.members
        reproject(
            tx,
            {profile: members(profile) for profile in touched},
            policy=self.settings.trait_policy,
            priority=self.settings.trait_source_priority,
            money=Money.from_settings(self.settings),
            traits_of=trait_touched,
        )

    def _screen(self, records: Sequence[EventRecord]) -> list[EventRecord]:
        kept = list(records)
        for screen in self.screens:
            kept = screen(kept)
        return kept

    def _guarded(self, step: Callable[[_Run], WriteResult], run: _Run) -> WriteResult:
        """``step(run)``; a failed write leaves the graph in memory ahead of the store, so it is read again."""
        try:
            return step(run)
        except Exception:
            log.exception("write of %d records failed; reloading identity graph", len(run))
            self.reload()
            raise

    def _notify(self, result: WriteResult) -> None:
        if result.stored or result.touched_profiles:
            for listener in self.after_commit:
                listener(result)

    def _apply_admin(self, tx: Transaction, record: EventRecord) -> int:
        graph, at = self.graph, record.received_at
        if record.type == "merge":
            a, b = (graph.identifier_id(tuple(record.extra[side])) for side in ("a", "b"))
            if a is None or b is None:
                raise ValueError("merge names an identifier the workspace does not hold")
            graph.lift_split(a, b, at)
            graph.link(a, b, record.reason, record.source_id, record.message_key, at, force=True)
            return a
        identifier = graph.identifier_id(tuple(record.extra["identifier"]))
        if identifier is None:
            raise ValueError("unmerge names an identifier the workspace does not hold")
        members = graph.members(graph.profile_of(identifier))
        graph.split(identifier, active_edges(tx, members), at)
        return identifier

    def _drop_stored(self, records: list[EventRecord]) -> list[EventRecord]:
        seen: set[int] = set()
        unique = []
        for record in records:
            key = record.message_key
            if key not in seen:
                seen.add(key)
                unique.append(record)
        stored = set(self._stored_among(np.fromiter(seen, np.uint64, len(seen))).tolist())
        return [record for record in unique if record.message_key not in stored]

    def _stored_among(self, keys: np.ndarray) -> np.ndarray:
        """Those of the distinct message ``keys`` already stored.

        Only keys the filter cannot rule out are looked up in DuckDB (``ingest/seen.py``).
        """
        maybe = keys[self._stored_keys().maybe(keys)]
        if not len(maybe):
            return np.empty(0, np.uint64)
        rows = self.db.query(
            "SELECT message_key FROM events WHERE message_key IN (SELECT unnest($keys::UBIGINT[]))",
            {"keys": maybe.tolist()},
        )
        return np.array([int(row[0]) for row in rows], dtype=np.uint64)

    def _stored_keys(self) -> SeenKeys:
        """The filter of stored message keys, read from the store when first needed or full."""
        if self._seen is None or self._seen.full:
            last = self._next_seq - 1
            self._seen = load_seen(int(self.db.scalar("SELECT count(*) FROM events")), self._keys_between, last)
        return self._seen

    def _keys_between(self, start: int, end: int) -> np.ndarray:
        table = self.db.query_arrow(
            "SELECT message_key FROM events WHERE seq >= $start AND seq < $end", {"start": start, "end": end}
        )
        keys: np.ndarray = table.column(0).to_numpy()
        return keys

    def _names(self, tx: Transaction, records: Sequence[EventRecord]) -> dict[int, str]:
        """Source names by id; read again only when a batch names a source not yet seen."""
        if any(record.source_id not in self._source_names for record in records):
            self._source_names = dict(tx.fetchall("SELECT source_id, name FROM sources"))
        return self._source_names

    def _fresh_graph(self) -> IdentityGraph:
        blocklist = parse_blocklist(self.settings.identifier_blocklist, self.settings.default_region)
        settings = self.settings
        graph = IdentityGraph(
            settings.identifier_limits,
            blocklist,
            settings.identifier_weak_kinds,
            settings.identifier_owner_kinds,
            settings.identifier_shared_kinds,
        )
        graph.retire(retired_ids(self.db))  # a rebuild too: erased people's ids stay unused
        return graph


def _runs(records: Sequence[EventRecord]) -> list[list[EventRecord]]:
    """Split records into runs of ordinary ones, of merges, and each unmerge on its own.

    An unmerge reads the stored edges it cuts, so whatever came before it must be
    written first; merges only read the graph in memory, so consecutive ones share
    one transaction and one re-projection (a resolve run writes thousands at once).
    """
    runs: list[list[EventRecord]] = []
    for record in records:
        kind = record.type if record.type in ADMIN_TYPES else None
        last = runs[-1][-1] if runs else None
        last_kind = None if last is None else (last.type if last.type in ADMIN_TYPES else None)
        if last is not None and kind == last_kind and kind != "unmerge":
            runs[-1].append(record)
        else:
            runs.append([record])
    return runs


class ObservedSets(dict[tuple[str, tuple[tuple[str, str], ...]], int]):
    """The anchor of each set of identifiers (with its reason) the graph has observed.

    Observing the same identifiers with the same reason again changes nothing: their
    ids exist, every pair among them is already an edge (active or blocked; the graph
    forgets no pair while it lives) and the anchor is chosen the same way. An import
    repeats a customer's identifiers on every order, across all its transactions, so
    this saves most of the stitching. Emptied whenever the graph is rebuilt or read
    again (a reload forgets the pairs of removed edges), and when it grows past
    :attr:`limit` (a server sees ever new anonymous ids).
    """

    limit = 1_000_000

    def remember(self, key: tuple[str, tuple[tuple[str, str], ...]], anchor: int) -> None:
        if len(self) >= self.limit:
            self.clear()
        self[key] = anchor


def _observe_all(graph: IdentityGraph, records: list[EventRecord], seen: ObservedSets) -> list[int]:
    """Each record's anchor, observing a set of identifiers only the first time (see :class:`ObservedSets`).

    An alias's ``previous_id`` is resolved against the graph each time, so those
    records are always observed.
    """
    anchors = []
    observe = graph.observe
    for record in records:
        key = (record.reason, tuple(record.identifiers))
        anchor = seen.get(key)
        if anchor is None:
            anchor = observe(
                record.identifiers, record.reason, record.source_id, record.message_key, record.received_at
            )
            if not any(kind == "previous_id" for kind, _ in record.identifiers):
                seen.remember(key, anchor)
        anchors.append(anchor)
    return anchors


def _insert_events(tx: Transaction, records: list[EventRecord], anchors: list[int], seqs: list[int]) -> None:
    table = pa.table(
        {
            "seq": pa.array(seqs, pa.int64()),
            "message_key": pa.array([r.message_key for r in records], pa.uint64()),
            "message_id": [r.message_id for r in records],
            "source_id": pa.array([r.source_id for r in records], pa.int32()),
            "type": [r.type for r in records],
            "event": [r.event for r in records],
            "user_id": [r.user_id for r in records],
            "anonymous_id": [r.anonymous_id for r in records],
            "anchor_id": pa.array(anchors, pa.int64()),
            "timestamp": pa.array([r.timestamp for r in records], _TS),
            "original_timestamp": pa.array([r.original_timestamp for r in records], _TS),
            "sent_at": _shared_times([r.sent_at for r in records]),
            "received_at": _shared_times([r.received_at for r in records]),
            "properties": json_column([stored_json(r.properties) for r in records]),
            "traits": json_column([stored_json(r.traits) for r in records]),
            "context": json_column([stored_json(r.context) for r in records]),
            "extra": json_column([stored_json(r.extra) for r in records]),
            "identifiers": json_column([orjson.dumps(r.identifiers).decode() for r in records]),
            "reason": [r.reason for r in records],
        }
    )
    tx.insert_arrow("events", table)


def _shared_times(values: list[datetime | None]) -> pa.Array:
    """A timestamp column whose rows mostly repeat the previous row's object, converted once per run.

    A request's records share one ``received_at`` (and a batch's ``sentAt`` when its
    calls carry none), and Arrow converts each aware datetime on its own (its UTC
    offset asked each time): a quarter of a microsecond an event a column. Columns
    with more than a few runs are converted as they are.
    """
    starts, previous, most = [0], values[0] if values else None, len(values) // 4
    for index, value in enumerate(values):
        if value is not previous:
            if len(starts) > most:
                return pa.array(values, _TS)
            starts.append(index)
            previous = value
    if len(values) < 2:
        return pa.array(values, _TS)
    lengths = np.diff(np.array([*starts, len(values)]))
    return pa.array([values[start] for start in starts], _TS).take(np.repeat(np.arange(len(starts)), lengths))


def _moved(records: list[EventRecord], anchors: list[int], stored: list[int]) -> tuple[list[EventRecord], list[int]]:
    """The records whose anchor differs from the ``stored`` one, and their new anchors."""
    moved = [(record, anchor) for record, anchor, was in zip(records, anchors, stored, strict=True) if anchor != was]
    return [record for record, _ in moved], [anchor for _, anchor in moved]


def _update_anchors(tx: Transaction, records: list[EventRecord], anchors: list[int]) -> None:
    table = pa.table(
        {
            "message_key": pa.array([r.message_key for r in records], pa.uint64()),
            "anchor_id": pa.array(anchors, pa.int64()),
        }
    )
    tx.register("__p360__anchors", table)
    tx.execute(
        "UPDATE events SET anchor_id = a.anchor_id FROM __p360__anchors a "
        "WHERE events.message_key = a.message_key AND events.anchor_id <> a.anchor_id"
    )
