"""``ws.personas``: the personas room as a Workspace namespace."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from persona360.errors import NotFoundError
from persona360.personas.build import Progress, build_personas
from persona360.personas.discovery import DiscoveryOptions
from persona360.personas.export import export_json, export_markdown, model_age
from persona360.personas.persistence import load_model, members, persona_of, versions
from persona360.personas.trait import publish_trait

if TYPE_CHECKING:
    from persona360.workspace import Workspace


class PersonasAPI:
    """``ws.personas``: discover personas, name them after archetypes, read their cards.

    Example:
        >>> from persona360 import Workspace
        >>> ws = Workspace.open(":memory:")
        >>> PersonasAPI(ws).latest() is None
        True
    """

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def options(self, **overrides: Any) -> DiscoveryOptions:
        """Discovery options from the settings, with ``overrides`` (None values ignored)."""
        given = {name: value for name, value in overrides.items() if value is not None}
        settings = self._ws.settings
        return DiscoveryOptions(**{"k_min": settings.personas_k_min, "k_max": settings.personas_k_max, **given})

    def build(
        self, options: DiscoveryOptions | None = None, *, now: datetime | None = None, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Discover personas, store them as a new model version and publish the ``persona`` trait."""
        stored = build_personas(self._ws, options or self.options(), now, progress)
        stored["trait_profiles"] = self.publish(now=now)
        return stored

    def publish(self, *, now: datetime | None = None) -> int:
        """Refresh the ``persona`` trait of every customer from the latest model; return how many.

        New customers get their nearest persona; a segment ``persona = "Value Hunters"``
        then follows. Run after new orders arrive, or let ``build`` do it.
        """
        return publish_trait(self._ws, self._required(), now or self._ws.clock.now())

    def latest(self, version: int | None = None) -> dict[str, Any] | None:
        """The stored model (latest, or ``version``) with its age, or None before any build."""
        stored = load_model(self._ws.db, version)
        if stored is not None:
            stored["age"] = model_age(stored, self._ws.clock.now(), self._ws.settings.personas_stale_days)
        return stored

    def versions(self) -> list[dict[str, Any]]:
        """Every stored model version, newest first."""
        return versions(self._ws.db)

    def list(self) -> list[dict[str, Any]]:
        """The latest model's personas, in short: number, name, size, shares, archetype."""
        return [
            {key: card[key] for key in ("persona", "name", "size", "share", "revenue_share", "archetypes")}
            for card in self._required()["cards"]
        ]

    def show(self, persona: str | int) -> dict[str, Any]:
        """One card of the latest model, by number, name or key (``v3-p1``).

        Raises:
            NotFoundError: no model yet, or no persona with that number or name.
        """
        stored = self._required()
        wanted = str(persona).strip().lower()
        for card in stored["cards"]:
            if wanted in (str(card["persona"]), card["name"].lower(), card["key"]):
                return {**card, "version": stored["version"], **stored["age"]}
        names = ", ".join(f"{c['persona']} ({c['name']})" for c in stored["cards"])
        raise NotFoundError(f"no persona {persona!r} in model v{stored['version']}; there are: {names}")

    def export(self, fmt: str = "md") -> str:
        """The latest model's cards as Markdown (``md``) or JSON (``json``)."""
        stored = self._required()
        if fmt not in ("md", "json"):
            raise ValueError(f"format={fmt!r}: use md or json")
        write = export_markdown if fmt == "md" else export_json
        return write(stored, stored["age"])

    def of_profile(self, profile_id: int) -> dict[str, Any] | None:
        """The persona a profile was assigned to in the latest model, if any."""
        found = persona_of(self._ws.db, profile_id)
        if found is None:
            return None
        stored = self._required()
        card = stored["cards"][found[1]]
        return {"version": found[0], "persona": found[1], "name": card["name"]}

    def members(self, persona: str | int, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """Who is in a persona of the latest model: ``{total, members: [{profile_id, distance}]}``.

        Closest to the persona's centre first (the most typical members), for the web UI's
        "who is in it" list.

        Raises:
            NotFoundError: no model yet, or no such persona.
        """
        card = self.show(persona)
        return members(self._ws.db, card["version"], card["persona"], max(limit, 0), max(offset, 0))

    def _required(self) -> dict[str, Any]:
        stored = self.latest()
        if stored is None:
            raise NotFoundError("no personas yet: run `persona360 personas build` first")
        return stored
