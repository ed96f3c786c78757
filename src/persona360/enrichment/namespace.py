"""``ws.enrichment``: run providers over profiles, list the built-in providers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from persona360.enrichment.auto import AutoEnricher
from persona360.enrichment.provider import INFERRED_SOURCE_PREFIX, Provider
from persona360.enrichment.registry import (
    BUILTIN_PROVIDERS,
    check_provider,
    is_remote,
    make_provider,
    provider_names,
)
from persona360.enrichment.run import BATCH, EnrichmentReport, run_enrichment

if TYPE_CHECKING:
    from persona360.workspace import Workspace


class EnrichmentAPI:
    """``ws.enrichment``: traits inferred from what profiles hold, stored as events."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._auto: AutoEnricher | None = None
        self._made: dict[str, Provider] = {}

    def providers(self) -> dict[str, tuple[str, ...]]:
        """Each usable provider's name (built-ins, then the providers file's) and the traits it may infer."""
        return {name: self.provider(name).traits for name in provider_names(self._ws.settings)}

    def provider(self, name: str) -> Provider:
        """The provider called ``name``: a built-in, or one of ``PERSONA360_ENRICH_PROVIDERS_FILE``.

        A remote provider is made once per workspace object, so its answer cache and
        rate limit hold across the runs of a server.
        """
        if name not in self._made:
            self._made[name] = make_provider(name, self._ws.settings)
        return self._made[name]

    def check_provider(self, name: str) -> None:
        """Raise :class:`NotFoundError` naming the choices unless ``name`` is a usable provider."""
        check_provider(name, self._ws.settings)

    def status(self) -> dict[str, Any]:
        """The usable providers (with their traits and whether remote) and automatic enrichment's counts.

        ``auto`` is None where nothing enriches automatically (the CLI, or the server
        with ``PERSONA360_ENRICH_AUTO`` off).
        """
        auto = None
        if self._auto is not None:
            auto = {"providers": self._auto.names, "queued": self._auto.queued(), **asdict(self._auto.stats)}
        providers = self.providers()
        listed = {name: {"traits": list(traits), "remote": is_remote(name)} for name, traits in providers.items()}
        return {"providers": listed, "auto": auto}

    def coverage(self) -> list[dict[str, Any]]:
        """What each provider has filled in: profiles showing its traits, per trait, and when it last wrote.

        Returns:
            One row per usable provider (see :meth:`status`), then one per ``enrich.``
            source no longer usable (a remote provider taken out of the file):
            ``{provider, usable, remote, traits, profiles, by_trait, events, last_written}``.
            ``profiles`` and ``by_trait`` count profiles whose *shown* value came from it
            (a value a shop observed wins and is not counted); ``events`` its stored
            answers; ``last_written`` when the newest was stored (None: never).
        """
        usable = self.status()["providers"]
        shown = self._ws.profiles.trait_sources(INFERRED_SOURCE_PREFIX)
        written = {
            str(row["name"]): row
            for row in self._ws.access.sources()
            if str(row["name"]).startswith(INFERRED_SOURCE_PREFIX)
        }
        known = {source.removeprefix(INFERRED_SOURCE_PREFIX) for source in [*written, *(r["source"] for r in shown)]}
        rows = []
        for name in [*usable, *sorted(known - set(usable))]:
            source = INFERRED_SOURCE_PREFIX + name
            mine = [row for row in shown if row["source"] == source]
            stored = written.get(source, {})
            rows.append(
                {
                    "provider": name,
                    "usable": name in usable,
                    "remote": usable[name]["remote"] if name in usable else is_remote(name),
                    "traits": usable[name]["traits"] if name in usable else [],
                    "profiles": sum(row["profiles"] for row in mine if row["name"] is None),
                    "by_trait": {row["name"]: row["profiles"] for row in mine if row["name"] is not None},
                    "events": stored.get("events", 0),
                    "last_written": stored.get("last_event_at"),
                }
            )
        return rows

    def start_auto(self) -> AutoEnricher | None:
        """Enrich the profiles every later write touches, in the background (the server).

        Does nothing when ``PERSONA360_ENRICH_AUTO`` is off; uses the providers of
        ``PERSONA360_ENRICH_AUTO_PROVIDERS``. Stop it with :meth:`stop_auto`.
        """
        if self._auto is None and self._ws.settings.enrich_auto:
            self._auto = AutoEnricher(self._ws, self._ws.settings.enrich_auto_providers).start()
        return self._auto

    def stop_auto(self) -> None:
        """Enrich what is still queued, then stop automatic enrichment."""
        if self._auto is not None:
            self._auto.stop()
            self._auto = None

    def run(
        self,
        provider: str | Provider | Sequence[str | Provider] | None = None,
        profile_ids: Sequence[int] | None = None,
        segment: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        batch: int = BATCH,
    ) -> EnrichmentReport:
        """Infer traits for profiles and store them as events of ``enrich.NAME`` sources.

        Profiles whose person has not allowed ``enrichment`` are skipped when the
        workspace has a privacy room; a trait any other source observed is never
        written. Shown traits from ``enrich.`` sources are marked ``inferred``.

        Args:
            provider: a provider's name (see :meth:`providers`), a :class:`Provider`,
                a list of either, or None for every built-in (offline) provider.
            profile_ids: only these profiles (merged-away ids are followed).
            segment: only the members of this segment (ignored with ``profile_ids``).
            progress: called with (profiles done, profiles to do) after each batch.
            batch: profiles read, enriched and written together.

        Returns:
            An :class:`EnrichmentReport` (counts of profiles and traits written).

        Raises:
            NotFoundError: an unknown provider, profile or segment.

        Example:
            >>> from persona360 import Workspace
            >>> ws = Workspace.open(":memory:")
            >>> _ = ws.access.add_source("shop")
            >>> _ = ws.ingest.send("shop", [{"type": "identify", "userId": "u1",
            ...     "traits": {"firstName": "Olena"}}])
            >>> ws.privacy.grant(ws.profiles.find("user_id", "u1"), "enrichment")
            >>> ws.enrichment.run("name").traits_written
            1
        """
        return run_enrichment(
            self._ws,
            self._resolve(provider),
            profile_ids=profile_ids,
            segment=segment,
            progress=progress,
            batch=batch,
        )

    def _resolve(self, provider: str | Provider | Sequence[str | Provider] | None) -> list[Provider]:
        if provider is None:
            provider = list(BUILTIN_PROVIDERS)  # remote ones only when asked for by name
        if isinstance(provider, str | Provider):
            provider = [provider]
        return [self.provider(item) if isinstance(item, str) else item for item in provider]
