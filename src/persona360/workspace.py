"""The Python API of persona360: one object per workspace, its parts as namespaces.

The CLI and the server are thin layers over this object:

    >>> from persona360 import Workspace
    >>> ws = Workspace.open(":memory:")
    >>> source, key = ws.access.add_source("shop-web")
    >>> ws.profiles.count()
    0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from persona360.access.keys import SYSTEM_SOURCE, Keys
from persona360.activation import ActivationAPI
from persona360.activation.links import check_tracking_secret
from persona360.clock import Clock, SystemClock
from persona360.configuration import ConfigurationAPI
from persona360.enrichment import EnrichmentAPI
from persona360.errors import NotFoundError
from persona360.identity.actions import merge_record, unmerge_record
from persona360.identity.normalise import check_kind, normalise_identifier
from persona360.identity.persistence import active_edges
from persona360.ingest.importers.mapping import ColumnMapping
from persona360.ingest.importers.rows import RowContext
from persona360.ingest.importers.run import ImportReport, import_file
from persona360.ingest.record import EventRecord
from persona360.ingest.replay import derive_backlog, rebuild
from persona360.ingest.validate import Limits, to_record
from persona360.ingest.writer import EventWriter, WriteResult
from persona360.personas import PersonasAPI
from persona360.predict import PredictAPI
from persona360.privacy import PrivacyAPI
from persona360.privacy.encryption import encryption_from
from persona360.profiles.projection import refresh_money
from persona360.profiles.reading import ProfileReader
from persona360.resolution import ResolutionAPI
from persona360.segments.manager import Segments
from persona360.settings import Settings, load_settings, with_stored
from persona360.store.database import Database, MigrationProgress
from persona360.store.money import Money
from persona360.store.stored_settings import stored_settings
from persona360.surveys import SurveysAPI


class Workspace:
    """An open persona360 workspace.

    Args:
        settings: the configuration; ``settings.db`` names the DuckDB file. The settings
            the workspace keeps (``ws.configuration``) fill in what it does not give.
        clock: where "now" comes from (a ``FixedClock`` in tests).
        create: create the file when missing (``persona360 init``); otherwise a
            missing file is an error that says how to create one.
        on_migration: told of each schema migration an existing file still needs
            before it opens (``store.database.MigrationProgress``; the CLI shows a
            progress bar). Without it, migrations are only logged.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        *,
        create: bool = False,
        on_migration: MigrationProgress | None = None,
    ) -> None:
        check_tracking_secret(settings)  # before the file is opened: refused outside dev
        self.clock: Clock = clock or SystemClock()
        self.db = Database(
            settings.db,
            create=create or str(settings.db) == ":memory:",
            encryption=encryption_from(settings),
            memory_limit=settings.memory_limit,
            on_migration=on_migration,
        )
        self.configuration = ConfigurationAPI(self, settings)
        try:
            self.settings = with_stored(settings, stored_settings(self.db))  # the shop's currency, kept in the file
        except ValueError:
            self.db.close()
            raise
        self.access = Keys(self.db, self.clock)
        self.system_source = self.access.ensure_source(SYSTEM_SOURCE)
        self.writer = EventWriter(self.db, self.settings)
        refresh_money(self.db, Money.from_settings(self.settings))  # revenue in these settings' currency terms
        self.ingest = IngestAPI(self)
        self.identity = IdentityAPI(self)
        self.profiles = ProfilesAPI(self)
        self.segments = Segments(self)
        self.predict = PredictAPI(self)
        self.personas = PersonasAPI(self)
        self.enrichment = EnrichmentAPI(self)
        self.surveys = SurveysAPI(self)
        self.resolution = ResolutionAPI(self)
        self.privacy = PrivacyAPI(self)
        self.activation = ActivationAPI(self)
        self.segments.campaigns = self.activation  # campaign triggers hand profiles to activation
        self.writer.after_commit.append(lambda result: self.segments.on_batch(result.touched_profiles))
        self.writer.live_probes.append(self.segments.listens_live)
        derive_backlog(self.db, self.writer)  # what a killed server acknowledged but did not derive

    @classmethod
    def open(cls, db: Path | str, clock: Clock | None = None, **settings: Any) -> Workspace:
        """Open (or create) the workspace at ``db`` with settings from the environment (and the workspace)."""
        return cls(load_settings(db=Path(db) if db != ":memory:" else db, **settings), clock, create=True)

    def close(self) -> None:
        """Derive what is still waiting, then close the file."""
        self.writer.settle()
        self.db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def limits(self) -> Limits:
        """The time window and phone region events are validated against, as of now."""
        return Limits(
            self.clock.now(),
            timedelta(seconds=self.settings.max_future_seconds),
            timedelta(days=self.settings.max_past_days),
            self.settings.default_region,
        )


class IngestAPI:
    """``ws.ingest``: getting events and records in."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def write(self, records: Sequence[EventRecord]) -> WriteResult:
        """Commit validated records (the server's batcher calls this too)."""
        return self._ws.writer.write(records)

    def send(self, source: str, messages: Sequence[dict[str, Any]]) -> WriteResult:
        """Validate Segment-spec calls as if ``source`` sent them, and commit them.

        Example:
            >>> ws = Workspace.open(":memory:")
            >>> _ = ws.access.add_source("app")
            >>> ws.ingest.send("app", [{"type": "identify", "userId": "u1",
            ...     "traits": {"email": "Jane@Example.org"}}]).stored
            1
        """
        source_id = self._ws.access.source(source).source_id
        limits = self._ws.limits()
        records = [to_record(message, source_id=source_id, limits=limits) for message in messages]
        return self.write(records)

    def import_file(
        self,
        path: Path,
        *,
        source: str,
        kind: str,
        mapping: ColumnMapping,
        event_name: str | None = None,
        rejects_path: Path | None = None,
        progress: Callable[[int, int], None] | None = None,
        actor: str = "cli",
    ) -> ImportReport:
        """Import a CSV, Parquet or JSON Lines export (see ``persona360 import --help``). Audited: ``ingest.import``."""
        found = self._ws.access.ensure_source(source)
        ctx = RowContext(
            mapping,
            kind,
            found.source_id,
            found.name,
            self._ws.clock.now(),
            self._ws.settings.default_region,
            event_name,
        )
        report = import_file(self._ws.writer, path, ctx, rejects_path=rejects_path, progress=progress)
        counts = {"file": path.name, "kind": kind, "rows": report.rows, "stored": report.stored}
        self._ws.privacy.audit(actor, "ingest.import", f"source:{found.name}", {**counts, "rejected": report.rejected})
        return report


class IdentityAPI:
    """``ws.identity``: manual merge and unmerge."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def key(self, kind: str, value: str) -> tuple[str, str]:
        """The normalised key of an identifier the workspace holds."""
        check_kind(kind)
        normalised = normalise_identifier(kind, value, self._ws.settings.default_region)
        if normalised is None or self._ws.writer.graph.identifier_id((kind, normalised)) is None:
            raise NotFoundError(f"no identifier {kind} {value!r} in this workspace")
        return (kind, normalised)

    def merge(self, a: tuple[str, str], b: tuple[str, str], actor: str = "cli") -> int:
        """Join the profiles holding identifiers ``a`` and ``b``; return the profile id."""
        keys = self.key(*a), self.key(*b)
        graph = self._ws.writer.graph
        # both profiles, as they were before: the trail of the one merged away finds the entry too
        joined = [int(graph.profile_of(graph.identifier_id(key) or 0)) for key in keys]
        record = merge_record(*keys, self._ws.system_source.source_id, self._ws.clock.now(), actor)
        self._ws.writer.write([record])
        merged = graph.profile_of(graph.identifier_id(record.identifiers[0]) or 0)
        self._ws.privacy.audit(actor, "identity.merge", f"profile:{merged}", {"kinds": [a[0], b[0]], "joined": joined})
        return merged

    def unmerge_plan(self, identifier: tuple[str, str]) -> dict[str, Any]:
        """What :meth:`unmerge` would do, changing nothing (the web's confirmation shows it).

        Returns:
            ``profile_id``; ``leaving``: the identifiers that would leave with it (those
            attached to the profile only through it), each ``{"kind", "value"}``;
            ``events``: how many events are recorded under them and so move.

        Raises:
            NotFoundError: the workspace does not hold the identifier, or it is alone in its profile.
        """
        key = self.key(*identifier)
        graph = self._ws.writer.graph
        identifier_id = graph.identifier_id(key) or 0
        profile_id = graph.profile_of(identifier_id)
        members = graph.members(profile_id)
        if len(members) < 2:
            raise NotFoundError(f"{key[0]} {key[1]!r} is alone in its profile: nothing to unmerge")
        side = sorted(graph.split_side(identifier_id, active_edges(self._ws.db, members)))
        events = self._ws.db.scalar("SELECT count(*) FROM events WHERE anchor_id IN (SELECT unnest(?))", [side])
        leaving = [dict(zip(("kind", "value"), graph.key_of(i), strict=True)) for i in side]
        return {"profile_id": profile_id, "leaving": leaving, "events": int(events)}

    def unmerge(self, identifier: tuple[str, str], actor: str = "cli") -> tuple[int, int]:
        """Detach ``identifier`` from its profile; return (old profile, new profile). Audited (``identity.unmerge``)."""
        plan = self.unmerge_plan(identifier)
        key = self.key(*identifier)
        before = plan["profile_id"]
        record = unmerge_record(key, self._ws.system_source.source_id, self._ws.clock.now(), actor)
        result = self._ws.writer.write([record])
        after = next((p for p in sorted(result.touched_profiles) if p != before), before)
        detail = {"kind": key[0], "new_profile": after, "identifiers": len(plan["leaving"]), "events": plan["events"]}
        self._ws.privacy.audit(actor, "identity.unmerge", f"profile:{before}", detail)
        return before, after


class ProfilesAPI(ProfileReader):
    """``ws.profiles``: reading profiles, exporting them and rebuilding the projection."""

    def __init__(self, ws: Workspace) -> None:
        s = ws.settings
        super().__init__(ws.db, timedelta(days=s.stale_after_days), s.default_region, Money.from_settings(s))
        self._ws = ws

    def show(self, profile_id: int) -> dict[str, Any]:
        """The whole profile as of now, with computed traits and segments.

        See :meth:`ProfileReader.get` for the parts that come from the projection.
        """
        profile = self.get(profile_id, now=self._ws.clock.now())
        profile["computed"] = self._ws.segments.computed_of(profile["profile_id"])
        profile["segments"] = self._ws.segments.of_profile(profile["profile_id"])
        profile["predictions"] = self._ws.predict.get(profile["profile_id"])
        return profile

    def export(self) -> Iterator[dict[str, Any]]:
        """Every profile with identifiers and traits (for ``profiles export``)."""
        yield from self.export_all()

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild identity and every profile from the events; return events replayed.

        Segment memberships are then recomputed, since profile ids may have changed.
        """
        replayed = rebuild(self._ws.db, self._ws.writer, progress=progress)
        self._ws.segments.evaluate(reason="rebuild")
        return replayed
