"""``ws.personas``: the personas room as a Workspace namespace."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from persona360.errors import NotFoundError
from persona360.personas.build import Progress, build_personas
from persona360.personas.discovery import DiscoveryOptions, PersonaDiscoveryError
from persona360.personas.export import export_json, export_markdown
from persona360.personas.freshness import model_age, with_freshness
from persona360.personas.persistence import (
    last_refresh,
    load_model,
    members,
    persona_of,
    personas_of,
    revenue_by_persona,
    versions,
)
from persona360.personas.trait import changed_customers, publish_trait
from persona360.store.money import Money

if TYPE_CHECKING:
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)


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
        self._pains: tuple[tuple[Any, ...], dict[int, dict[str, Any]]] | None = None

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
        stored = self._required()
        shares = self._shares_by_persona(stored)
        return [
            {
                **{key: card[key] for key in ("persona", "name", "size", "share", "revenue_share", "archetypes")},
                "revenue_shares": shares[card["persona"]],
            }
            for card in stored["cards"]
        ]

    def show(self, persona: str | int) -> dict[str, Any]:
        """One card of the latest model, by number, name or key (``v3-p1``).

        The card carries the model's ``version``, ``age_days``, ``stale`` and
        ``stale_after_days``, and its own ``drift`` since the previous version
        (:func:`persona360.personas.freshness.card_drift`; None for a first model).

        Raises:
            NotFoundError: no model yet, or no persona with that number or name.
        """
        stored = self._required()
        wanted = str(persona).strip().lower()
        for card in stored["cards"]:
            if wanted in (str(card["persona"]), card["name"].lower(), card["key"]):
                pains = self.pains(stored).get(card["persona"], {"respondents": 0, "pains": []})
                shares = self._shares_by_persona(stored)[card["persona"]]
                return with_freshness({**card, "pains": pains, "revenue_shares": shares}, stored, stored["age"])
        names = ", ".join(f"{c['persona']} ({c['name']})" for c in stored["cards"])
        raise NotFoundError(f"no persona {persona!r} in model v{stored['version']}; there are: {names}")

    def export(self, fmt: str = "md") -> str:
        """The latest model's cards as Markdown (``md``) or JSON (``json``)."""
        stored = self._required()
        if fmt not in ("md", "json"):
            raise ValueError(f"format={fmt!r}: use md or json")
        pains = self.pains(stored)
        none: dict[str, Any] = {"respondents": 0, "pains": []}
        shares = self._shares_by_persona(stored)
        cards = [
            {**card, "pains": pains.get(card["persona"], none), "revenue_shares": shares[card["persona"]]}
            for card in stored["cards"]
        ]
        write = export_markdown if fmt == "md" else export_json
        return write({**stored, "cards": cards}, stored["age"])

    def pains(self, stored: dict[str, Any] | None = None) -> dict[int, dict[str, Any]]:
        """Each persona's pains: the free-text survey themes its members name most.

        Read from the surveys room at the time of asking (answers keep arriving after a
        build) and kept until an answer, the model or its assignments change.

        Returns:
            persona number -> ``{respondents, pains: [{theme, respondents, share,
            base_share, lift, examples}]}``; empty before any build.
        """
        stored = stored or self.latest()
        if stored is None:
            return {}
        version = stored["version"]
        key = (version, last_refresh(self._ws.db, version), self._ws.surveys.answers_stamp())
        if self._pains is None or self._pains[0] != key:
            found = self._ws.surveys.pains(lambda respondents: personas_of(self._ws.db, version, respondents))
            none: dict[str, Any] = {"respondents": 0, "pains": []}
            self._pains = (key, {card["persona"]: found.get(card["persona"], none) for card in stored["cards"]})
        return self._pains[1]

    def of_profile(self, profile_id: int) -> dict[str, Any] | None:
        """The persona a profile was assigned to in the latest model, if any."""
        found = persona_of(self._ws.db, profile_id)
        if found is None:
            return None
        stored = self._required()
        card = stored["cards"][found[1]]
        return {"version": found[0], "persona": found[1], "name": card["name"]}

    def revenue_shares(self, stored: dict[str, Any]) -> dict[str, builtins.list[tuple[str, float]]]:
        """Per currency, each persona of the ``stored`` model (:meth:`latest`) with its share of that revenue.

        Shares are of one currency's revenue at a time (or of the reporting currency's, with
        the user's rates; store/money.py), as a sum across currencies means nothing.
        """
        money = Money.from_settings(self._ws.settings)
        names = [card["name"] for card in stored["cards"]]
        shares: dict[str, builtins.list[tuple[str, float]]] = {}
        for currency, by_persona in revenue_by_persona(self._ws.db, stored["version"], money).items():
            total = sum(by_persona.values()) or 1.0
            shares[currency] = [(name, by_persona.get(i, 0.0) / total) for i, name in enumerate(names)]
        return shares

    def _shares_by_persona(self, stored: dict[str, Any]) -> dict[int, dict[str, float]]:
        """Persona number -> ``{currency: share of that currency's revenue}`` (see :meth:`revenue_shares`)."""
        found: dict[int, dict[str, float]] = {card["persona"]: {} for card in stored["cards"]}
        for currency, shares in self.revenue_shares(stored).items():
            for card, (_, share) in zip(stored["cards"], shares, strict=True):
                found[card["persona"]][currency] = share
        return found

    def card(self, persona: str | int) -> dict[str, Any]:
        """Alias of :meth:`show`, for the API and the web page."""
        return self.show(persona)

    def members(self, persona: str | int, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """The customers of one persona of the latest model, closest to its centre first.

        Returns:
            ``version``, ``persona``, ``name``, ``total`` and ``members`` (profile id and
            distance to the centre).
        """
        card = self.show(persona)
        page = members(self._ws.db, card["version"], card["persona"], limit, offset)
        return {"version": card["version"], "persona": card["persona"], "name": card["name"], **page}

    def drift(self, version: int | None = None) -> dict[str, Any] | None:
        """The drift report stored with a model version (the latest by default).

        It compares the version with the one before it: persona matching by member
        overlap (Hungarian), size and share changes, centroid movement and feature
        shifts per matched persona, personas born and gone, the share of customers who
        changed persona, the assignment ARI and each feature's PSI. None for the first
        version.

        Raises:
            NotFoundError: no model yet, or no such version.
        """
        stored = load_model(self._ws.db, version)
        if stored is None:
            raise NotFoundError(
                f"no persona model v{version}" if version else "no personas yet: run `persona360 personas build` first"
            )
        drift: dict[str, Any] | None = stored["report"].get("drift")
        return drift

    def refresh(self, profiles: Sequence[int] | None = None, *, now: datetime | None = None) -> dict[str, Any]:
        """Score new or changed customers against the latest model in SQL, without a rebuild.

        Args:
            profiles: the customers to score; by default those with an event received
                since the last build or refresh.
            now: the time of the refresh [default: the clock's].

        Returns:
            ``version`` and ``profiles`` (how many got a persona).
        """
        stored = self._required()
        moment = now or self._ws.clock.now()
        if profiles is None:
            since = last_refresh(self._ws.db, stored["version"]) or stored["built_at"]
            profiles = changed_customers(self._ws, since)
        scored = publish_trait(self._ws, stored, moment, [int(p) for p in profiles]) if profiles else 0
        return {"version": stored["version"], "profiles": scored}

    def rebuild_if_stale(self) -> dict[str, Any] | None:
        """The server's schedule: rebuild when the latest model is stale, else refresh when due.

        A model older than the ``personas_stale_days`` setting is rebuilt with the options
        it was built with; otherwise, every ``personas_refresh_minutes``, customers changed
        since the last refresh are scored against it. Nothing happens before the first build (building is a user's
        decision), and too few customers is not an error here: the next tick tries again.
        """
        stored = self.latest()
        if stored is None:
            return None
        if not stored["age"]["stale"]:
            return self._refresh_if_due(stored)
        options = DiscoveryOptions(**stored["model"]["options"])
        try:
            built = self.build(options)
        except PersonaDiscoveryError as error:
            log.info("scheduled persona rebuild skipped: %s", error)
            return None
        log.info("personas rebuilt on schedule: model v%s", built["version"])
        return built

    def _refresh_if_due(self, stored: dict[str, Any]) -> dict[str, Any] | None:
        every = self._ws.settings.personas_refresh_minutes
        since = last_refresh(self._ws.db, stored["version"]) or stored["built_at"]
        if every <= 0 or (self._ws.clock.now() - since).total_seconds() < every * 60:
            return None
        return self.refresh()

    def _required(self) -> dict[str, Any]:
        stored = self.latest()
        if stored is None:
            raise NotFoundError("no personas yet: run `persona360 personas build` first")
        return stored
