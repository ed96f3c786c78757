"""``ws.segments``: define, preview, evaluate and watch segments; manage their triggers."""

from __future__ import annotations

import builtins
import logging
import queue
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pyarrow as pa
import sqlglot

from persona360.segments.catalogue import PREDICTION_TRAITS, Catalogue
from persona360.segments.compile import SCOPE_TABLE, compile_condition
from persona360.segments.computed import (
    ComputedSpec,
    computed_sql,
    load_specs,
    parse_computed,
    store_values,
)
from persona360.segments.definitions import (
    Segment,
    SegmentSpec,
    check_name,
    insert_segment,
    load_segments,
)
from persona360.segments.errors import ConditionError
from persona360.segments.evaluate import Changes, evaluate, evaluate_all
from persona360.segments.nodes import Aggregate, Compare, InSegment, Node, Window, event_properties, names_read, to_json
from persona360.segments.rfm import RFM_TRAITS, rfm_sql
from persona360.segments.sweep import FULL, candidates_sql
from persona360.segments.triggers import CampaignHandoff, add_trigger, deliver_due
from persona360.segments.unseen import unseen_properties

if TYPE_CHECKING:
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)

_RECENT_CATALOGUE_SECONDS = 10.0


class Segments:
    """Segments of one workspace. Evaluation runs on the workspace's write transaction."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._queue: queue.Queue[set[int] | None] | None = None
        self._worker: threading.Thread | None = None
        self._deliverer: threading.Thread | None = None
        self._due = threading.Event()  # set when the outbox may hold something to send now
        self._stopping = threading.Event()
        self._client: httpx.Client | None = None  # the delivery thread's, kept for its life
        # where campaign triggers hand their profiles (the workspace plugs in ws.activation)
        self.campaigns: CampaignHandoff | None = None
        self._rfm_at = 0.0  # monotonic time of the last RFM refresh
        # saved segments were checked when saved; consent() needs the workspace's defaults
        self._saved = Catalogue(permissive=True, consent_allowed=self._consent_allowed())
        self._recent: tuple[float, Catalogue] | None = None  # (monotonic time read, catalogue)

    # -- defining ---------------------------------------------------------------
    def catalogue(self) -> Catalogue:
        """The trait, event and segment names a new condition may use."""
        db = self._ws.db
        traits = {str(r[0]) for r in db.query("SELECT DISTINCT name FROM profile_traits")}
        traits |= {str(r[0]) for r in db.query("SELECT name FROM computed_traits")}
        # values other rooms publish there too (the persona of each profile)
        traits |= {str(r[0]) for r in db.query("SELECT DISTINCT name FROM computed_values")}
        traits |= set(RFM_TRAITS) | set(PREDICTION_TRAITS)
        events = {str(r[0]) for r in db.query("SELECT DISTINCT event FROM anchor_event_counts")}
        events |= {"identify", "page", "screen", "group", "alias"}
        segments = {str(r[0]) for r in db.query("SELECT name FROM segments WHERE active")}
        currencies = {str(r[0]) for r in db.query("SELECT DISTINCT currency FROM profiles WHERE currency IS NOT NULL")}
        return Catalogue(
            frozenset(traits),
            frozenset(events),
            frozenset(segments),
            consent_allowed=self._consent_allowed(),
            currencies=frozenset(currencies),
        )

    def recent_catalogue(self) -> Catalogue:
        """The catalogue as read at most a few seconds ago, for the builder's live preview.

        Reading it scans the distinct names of every trait and event (~200 ms on a
        million profiles), which the preview would pay on each keystroke. Names mostly
        appear and rarely go, so a condition that fails against the recent catalogue is
        checked again against a fresh one (see :meth:`_compile_recent`) before its error
        is shown; saving a segment always checks against a fresh read.
        """
        now = time.monotonic()
        if self._recent is None or now - self._recent[0] > _RECENT_CATALOGUE_SECONDS:
            self._recent = (now, self.catalogue())
        return self._recent[1]

    def _compile_recent(self, node: Node) -> sqlglot.exp.Select:
        now = self._ws.clock.now()
        try:
            return compile_condition(node, self.recent_catalogue(), now)
        except ConditionError:
            self._recent = None  # a name may have appeared since: the error must be about now
            return compile_condition(node, self.recent_catalogue(), now)

    def _consent_allowed(self) -> frozenset[str]:
        return frozenset(self._ws.settings.consent_default_allow)

    def check(self, spec: SegmentSpec) -> Node:
        """Parse and compile ``spec`` against the workspace; raise ConditionError if wrong."""
        check_name(spec.name)
        node = spec.node()
        compile_condition(node, self.catalogue(), self._ws.clock.now())
        return node

    def preview(self, spec: SegmentSpec, sample: int = 10) -> dict[str, Any]:
        """Size and a sample of members, without saving anything.

        The size is counted in the database and only the sample's ids come back: the
        web's live preview once fetched every member's id (500,000 of a million
        profiles) to count them. Names are checked against the recent catalogue.
        """
        check_name(spec.name)
        node = spec.node()
        select = self._compile_recent(node)
        # One pass for the size and the sample (a window count beside the first ids): an
        # event condition reads millions of events, and a count then a sample read them twice.
        sized = (
            sqlglot.select("profile_id", "count(*) OVER () AS size")
            .from_(select.subquery("m"))
            .order_by("profile_id")
            .limit(max(sample, 1))
        )
        rows = self._ws.db.query(sized.sql(dialect="duckdb"))
        size = int(rows[0][1]) if rows else 0
        members = [int(r[0]) for r in rows[: max(sample, 0)]]
        return {
            "name": spec.name,
            "size": size,
            "sample": self._ws.profiles.list_ids(members) if members else [],
            "tree": to_json(node),
            "sql": select.sql(dialect="duckdb"),
            "warnings": unseen_properties(self._ws.db, event_properties(node)),
        }

    def create(self, spec: SegmentSpec) -> dict[str, Any]:
        """Save a segment and compute its members; entries fire triggers added later only."""
        node = self.check(spec)
        definition = spec.condition if spec.condition is not None else repr(to_json(node))
        now = self._ws.clock.now()
        with self._ws.db.transaction() as tx:
            insert_segment(tx, spec, node, definition, now)
            segment = load_segments(tx, spec.name)[0]
            changes = evaluate(tx, segment, now, "created", catalogue=self._saved)
        self._recent = None  # the new segment's name may be used at once
        self._ws.writer.live_changed()
        warnings = unseen_properties(self._ws.db, event_properties(node))
        return {**segment.public(), "members": changes.members, "warnings": warnings}

    def delete(self, name: str) -> None:
        """Deactivate a segment; its history stays."""
        segment = self.get(name)
        with self._ws.db.transaction() as tx:
            tx.execute(
                "UPDATE segments SET active = FALSE, name = name || '#' || segment_id WHERE segment_id = ?",
                [segment.segment_id],
            )
        self._recent = None
        self._ws.writer.live_changed()

    # -- computed traits ---------------------------------------------------------
    def define_trait(self, name: str, definition: str) -> dict[str, Any]:
        """Define (or redefine) a computed trait and compute it for every profile."""
        spec = parse_computed(name, definition)
        if name in self._reserved_traits():
            raise ValueError(f"{name!r} is a built-in trait; choose another name")
        now = self._ws.clock.now()
        with self._ws.db.transaction() as tx:
            tx.execute("INSERT OR REPLACE INTO computed_traits VALUES (?, ?, ?)", [name, definition, now])
            self._compute(tx, spec, now, None)
            count = tx.fetchone("SELECT count(*) FROM computed_values WHERE name = ?", [name])
        self._ws.writer.live_changed()
        result: dict[str, Any] = {"name": name, "definition": definition, "profiles": int(count[0]) if count else 0}
        read = [] if result["profiles"] or spec.prop is None else [(spec.event, spec.prop)]
        return {**result, "warnings": unseen_properties(self._ws.db, read)}

    def computed_traits(self) -> list[dict[str, Any]]:
        return self._ws.db.query_dicts(
            "SELECT c.name, c.definition, c.created_at, count(v.profile_id) AS profiles "
            "FROM computed_traits c LEFT JOIN computed_values v USING (name) GROUP BY ALL ORDER BY name"
        )

    def computed_of(self, profile_id: int) -> dict[str, str]:
        """A profile's computed traits (including RFM) as name -> value."""
        rows = self._ws.db.query(
            "SELECT name, value_text FROM computed_values WHERE profile_id = ? ORDER BY name",
            [profile_id],
        )
        return {str(name): str(value) for name, value in rows}

    def computed_many(self, profile_ids: list[int]) -> dict[int, dict[str, str]]:
        """The computed traits of many profiles in one query (the bulk form of :meth:`computed_of`)."""
        rows = self._ws.db.query(
            "SELECT profile_id, name, value_text FROM computed_values "
            "WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) ORDER BY profile_id, name",
            {"ids": profile_ids},
        )
        computed: dict[int, dict[str, str]] = {}
        for profile_id, name, value in rows:
            computed.setdefault(int(profile_id), {})[str(name)] = str(value)
        return computed

    def refresh_rfm(self) -> int:
        """Recompute RFM scores and segments for every buyer; return how many were scored."""
        now = self._ws.clock.now()
        with self._ws.db.transaction() as tx:
            tx.execute("DELETE FROM computed_values WHERE name IN (SELECT unnest(?))", [list(RFM_TRAITS)])
            tx.execute(
                "INSERT INTO computed_values SELECT profile_id, name, value_text, value_num, ? "
                f"FROM ({rfm_sql().sql(dialect='duckdb')})",
                [now],
            )
            count = tx.fetchone("SELECT count(*) FROM computed_values WHERE name = 'rfm_segment'")
        self._rfm_at = time.monotonic()
        return int(count[0]) if count else 0

    def _compute(self, tx: Any, spec: ComputedSpec, now: datetime, scope: list[int] | None) -> None:
        sql = computed_sql(spec, now, scoped=scope is not None).sql(dialect="duckdb")
        store_values(tx, spec.name, sql, now, scope)

    def _refresh_computed(
        self, tx: Any, now: datetime, scope: list[int] | None, specs: builtins.list[ComputedSpec]
    ) -> None:
        if not specs:
            return
        if scope is not None:
            tx.register(SCOPE_TABLE, pa.table({"profile_id": pa.array(scope, pa.int64())}))
        for spec in specs:
            self._compute(tx, spec, now, scope)

    def _reserved_traits(self) -> set[str]:
        from persona360.segments.catalogue import PROFILE_COLUMNS  # noqa: PLC0415

        published = self._ws.db.query(
            "SELECT DISTINCT name FROM computed_values WHERE name NOT IN (SELECT name FROM computed_traits)"
        )
        return set(PROFILE_COLUMNS) | set(RFM_TRAITS) | set(PREDICTION_TRAITS) | {str(r[0]) for r in published}

    # -- reading ----------------------------------------------------------------
    def get(self, name: str | int) -> Segment:
        return load_segments(self._ws.db, name)[0]

    def list(self) -> list[dict[str, Any]]:
        return self._ws.db.query_dicts(
            "SELECT s.segment_id, s.name, s.definition, s.evaluated_at, "
            "(SELECT count(*) FROM segment_memberships m WHERE m.segment_id = s.segment_id "
            "AND m.exited_at IS NULL) AS members FROM segments s WHERE active ORDER BY segment_id"
        )

    def reading(self, traits: Iterable[str] = (), events: Iterable[str] = ()) -> builtins.list[str]:
        """The names of the active segments whose condition reads one of ``traits`` or ``events``.

        Example: the segments built on a survey's traits (``nps``, ``shoe_size``) or on
        its ``Survey Answered`` events. Bare names that are computed columns count too.
        """
        wanted_traits, wanted_events = set(traits), set(events)
        found = []
        for segment in load_segments(self._ws.db):
            read_traits, read_events = names_read(segment.node)
            if read_traits & wanted_traits or read_events & wanted_events:
                found.append(segment.name)
        return found

    def members(self, name: str | int, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        segment = self.get(name)
        rows = self._ws.db.query_dicts(
            "SELECT profile_id, entered_at, enter_reason FROM segment_memberships "
            "WHERE segment_id = ? AND exited_at IS NULL ORDER BY profile_id LIMIT ? OFFSET ?",
            [segment.segment_id, limit, offset],
        )
        total = self._ws.db.scalar(
            "SELECT count(*) FROM segment_memberships WHERE segment_id = ? AND exited_at IS NULL",
            [segment.segment_id],
        )
        return {"segment": segment.name, "total": int(total), "members": rows}

    def member_ids(self, name: str | int) -> builtins.list[int]:
        """Every current member's profile id, in one query.

        For work on a whole segment (a campaign, an audience export, enrichment): a page
        of :meth:`members` would build a dict per member, and paging sorts the whole
        membership for each page.
        """
        segment = self.get(name)
        rows = self._ws.db.query(
            "SELECT profile_id FROM segment_memberships WHERE segment_id = ? AND exited_at IS NULL ORDER BY profile_id",
            [segment.segment_id],
        )
        return [int(row[0]) for row in rows]

    def history(
        self, name: str | int, profile_id: int | None = None, limit: int = 100
    ) -> builtins.list[dict[str, Any]]:
        segment = self.get(name)
        return self._ws.db.query_dicts(
            "SELECT profile_id, entered_at, enter_reason, exited_at, exit_reason FROM segment_memberships "
            "WHERE segment_id = ? AND (? IS NULL OR profile_id = ?) "
            "ORDER BY greatest(entered_at, coalesce(exited_at, entered_at)) DESC LIMIT ?",
            [segment.segment_id, profile_id, profile_id, limit],
        )

    def counts(self, name: str | int) -> builtins.list[dict[str, Any]]:
        segment = self.get(name)
        return self._ws.db.query_dicts(
            "SELECT counted_at, members FROM segment_counts WHERE segment_id = ? ORDER BY counted_at",
            [segment.segment_id],
        )

    def of_profile(self, profile_id: int) -> builtins.list[dict[str, Any]]:
        return self._ws.db.query_dicts(
            "SELECT s.name, m.entered_at FROM segment_memberships m JOIN segments s USING (segment_id) "
            "WHERE m.profile_id = ? AND m.exited_at IS NULL AND s.active ORDER BY s.name",
            [profile_id],
        )

    # -- evaluating -------------------------------------------------------------
    def evaluate(self, name: str | int | None = None, reason: str = "recomputed") -> builtins.list[Changes]:
        """Full evaluation of one or every segment, in definition order."""
        segments = load_segments(self._ws.db, name)
        now = self._ws.clock.now()
        with self._ws.db.transaction() as tx:
            return evaluate_all(tx, segments, now, reason, self._saved)

    def listens_live(self) -> bool:
        """Whether an active segment or a computed trait must follow new events (the writer's live probe)."""
        return bool(
            self._ws.db.scalar(
                "SELECT EXISTS (SELECT 1 FROM segments WHERE active) OR EXISTS (SELECT 1 FROM computed_traits)"
            )
        )

    def on_batch(self, touched: Iterable[int]) -> None:
        """Re-evaluate the profiles a committed batch touched (in the background if started)."""
        ids = set(touched)
        if not ids:
            return
        if self._queue is not None:
            self._queue.put(ids)
        else:
            self.evaluate_profiles(ids, "event")

    def evaluate_profiles(self, profile_ids: set[int], reason: str) -> builtins.list[Changes]:
        """Refresh computed traits, then segments, for ``profile_ids``.

        With neither defined, nothing is opened: the write transaction (held after every
        derivation of the server, ~5 ms with the write lock) would change nothing.
        """
        segments = load_segments(self._ws.db)
        specs = load_specs(self._ws.db)
        if not segments and not specs:
            return []
        now = self._ws.clock.now()
        with self._ws.db.transaction() as tx:
            self._refresh_computed(tx, now, sorted(profile_ids), specs)
            changes = evaluate_all(tx, segments, now, reason, self._saved, profile_ids)
        self._wake(changes)
        return changes

    def sweep(self) -> builtins.list[Changes]:
        """Re-evaluate only the profiles whose membership time alone may have changed."""
        now = self._ws.clock.now()
        changed: set[int] = set()
        results = []
        if time.monotonic() - self._rfm_at > self._ws.settings.rfm_refresh_seconds:
            self.refresh_rfm()
        with self._ws.db.transaction() as tx:
            self._refresh_windowed(tx, now)
            for segment in load_segments(tx):
                since = segment.swept_at or segment.created_at
                scope = self._sweep_scope(tx, segment, since, now, changed)
                if scope is FULL:
                    result = evaluate(tx, segment, now, "time", catalogue=self._saved)
                elif scope:
                    result = evaluate(tx, segment, now, "time", scope, self._saved)
                else:
                    result = Changes(segment.name)
                tx.execute(
                    "UPDATE segments SET swept_at = ? WHERE segment_id = ?",
                    [now, segment.segment_id],
                )
                changed |= set(result.entered) | set(result.exited)
                results.append(result)
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('computed_swept_at', ?)", [now.isoformat()])
        self._wake(results)
        return results

    def _wake(self, changes: builtins.list[Changes]) -> None:
        if any(c.entered or c.exited for c in changes):
            self._due.set()

    def _refresh_windowed(self, tx: Any, now: datetime) -> None:
        """Computed traits with a window: recompute those whose events crossed its edge."""
        for spec in load_specs(tx):
            if spec.within is None:
                continue
            since = self._last_sweep(tx)
            if since is None:  # the first sweep: no edge to compare with, recompute it all
                self._compute(tx, spec, now, None)
                continue
            probe = Compare(Aggregate("count", spec.event, window=Window(last=spec.within)), ">=", 1.0)
            query = candidates_sql(probe, since, now)
            ids = sorted({int(r[0]) for r in tx.fetchall(query.sql(dialect="duckdb"))}) if query else []  # type: ignore[union-attr]
            if ids:
                tx.register(SCOPE_TABLE, pa.table({"profile_id": pa.array(ids, pa.int64())}))
                self._compute(tx, spec, now, ids)

    @staticmethod
    def _last_sweep(tx: Any) -> datetime | None:
        row = tx.fetchone("SELECT value FROM meta WHERE key = 'computed_swept_at'")
        return datetime.fromisoformat(row[0]) if row else None

    def _sweep_scope(self, tx: Any, segment: Segment, since: datetime, now: datetime, changed: set[int]) -> Any:
        query = candidates_sql(segment.node, since, now)
        if query == FULL:
            return FULL
        scope = set(changed) if _uses_segments(segment.node) else set()
        if query is not None:
            scope |= {int(r[0]) for r in tx.fetchall(query.sql(dialect="duckdb"))}  # type: ignore[union-attr]
        return scope

    # -- background work (the server) -------------------------------------------
    def start_worker(self) -> None:
        """Evaluate touched profiles on a thread of their own, coalescing batches.

        A second thread sends trigger deliveries as soon as an evaluation or sweep
        queued some (and every ``sweep_seconds`` for retries), so a trigger does not
        wait for the next tick.
        """
        self._queue = queue.Queue()
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="persona360-segments", daemon=True)
        self._worker.start()
        self._client = httpx.Client(timeout=10)
        self._deliverer = threading.Thread(target=self._deliver_loop, name="persona360-triggers", daemon=True)
        self._deliverer.start()

    def stop_worker(self) -> None:
        if self._queue is not None and self._worker is not None:
            self._queue.put(None)
            self._worker.join()
        if self._deliverer is not None:
            self._stopping.set()
            self._due.set()
            self._deliverer.join()
        if self._client is not None:
            self._client.close()
        self._queue, self._worker, self._deliverer, self._client = None, None, None, None

    def _deliver_loop(self) -> None:
        while not self._stopping.is_set():
            self._due.wait(self._ws.settings.sweep_seconds)
            self._due.clear()
            if self._stopping.is_set():
                return
            try:
                self.deliver_due()
            except Exception:  # noqa: BLE001 - a thread boundary: logged, the next wake retries
                log.exception("trigger delivery failed")

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            ids = self._queue.get()
            if ids is None:
                return
            while not self._queue.empty():
                more = self._queue.get()
                if more is None:
                    self._safe_evaluate(ids)
                    return
                ids |= more
            self._safe_evaluate(ids)

    def _safe_evaluate(self, ids: set[int]) -> None:
        try:
            self.evaluate_profiles(ids, "event")
        except Exception:  # noqa: BLE001 - a worker thread boundary: logged, next batch goes on
            log.exception("segment evaluation of %d profiles failed", len(ids))

    # -- triggers ---------------------------------------------------------------
    def add_trigger(
        self,
        name: str,
        url: str | None = None,
        on: str = "enter",
        max_attempts: int = 5,
        secret: str | None = None,
        *,
        campaign: str | None = None,
    ) -> dict[str, Any]:
        """Call a webhook (``url``) or send a campaign (``campaign``) when a profile enters or exits.

        A campaign must send to this very segment, so that what it says fits everyone
        the trigger hands it.

        Raises:
            ValueError: bad arguments, a campaign of another segment, or an always-on (event) campaign.
            NotFoundError: no such segment or campaign.
        """
        segment = self.get(name)
        if campaign is not None:
            self._check_campaign(campaign, segment.name)
        with self._ws.db.transaction() as tx:
            trigger_id, secret = add_trigger(
                tx, segment.segment_id, url, on, self._ws.clock.now(), max_attempts, secret, campaign
            )
        return {
            "trigger_id": trigger_id,
            "segment": segment.name,
            "on": on,
            "url": url,
            "campaign": campaign,
            "secret": secret,
        }

    def _check_campaign(self, campaign: str, segment: str) -> None:
        if self.campaigns is None:
            raise ValueError("campaign triggers need the activation room, which this workspace lacks")
        found = self.campaigns.get(campaign)
        if found.get("trigger_event"):
            raise ValueError(
                f"campaign {campaign!r} is always on for the event {found['trigger_event']!r}: "
                "a segment trigger can only send a segment campaign (one without trigger_event)"
            )
        target = found["segment"]
        if target != segment:
            raise ValueError(
                f"campaign {campaign!r} sends to segment {target!r}, not {segment!r}: pick one of {segment!r}'s"
            )

    def triggers(self) -> builtins.list[dict[str, Any]]:
        return self._ws.db.query_dicts(
            "SELECT t.trigger_id, s.name AS segment, t.on_change, t.kind, t.url, t.campaign, t.max_attempts, "
            "t.created_at, "
            "count(d.delivery_id) FILTER (d.status = 'delivered') AS delivered, "
            "count(d.delivery_id) FILTER (d.status = 'pending') AS pending, "
            "count(d.delivery_id) FILTER (d.status = 'dead') AS dead "
            "FROM segment_triggers t JOIN segments s USING (segment_id) "
            "LEFT JOIN trigger_deliveries d USING (trigger_id) WHERE t.active GROUP BY ALL ORDER BY 1"
        )

    def deliveries(self, status: str | None = None, limit: int = 100) -> builtins.list[dict[str, Any]]:
        return self._ws.db.query_dicts(
            "SELECT delivery_id, trigger_id, profile_id, change, status, attempts, next_attempt_at, "
            "last_error, created_at, delivered_at FROM trigger_deliveries "
            "WHERE ? IS NULL OR status = ? ORDER BY delivery_id DESC LIMIT ?",
            [status, status, limit],
        )

    def deliver_due(self) -> dict[str, int]:
        """Send the webhook and campaign deliveries that are due now."""
        return deliver_due(self._ws.db, self._ws.clock.now(), self._client, campaigns=self.campaigns)


def _uses_segments(node: Node) -> bool:
    if isinstance(node, InSegment):
        return True
    items = getattr(node, "items", None) or ([node.item] if hasattr(node, "item") else [])
    return any(_uses_segments(item) for item in items)
