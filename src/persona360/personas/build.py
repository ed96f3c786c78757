"""Building a persona model version: features, discovery, cards, storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from persona360.personas.archetypes import load_archetypes
from persona360.personas.cards import build_cards
from persona360.personas.discovery import Discovery, DiscoveryOptions, PersonaDiscoveryError, assign, discover
from persona360.personas.drift import compare_models, feature_bins, population_stability, summarise
from persona360.personas.features import (
    LOG_FEATURES,
    FeatureMatrix,
    GiftCalendar,
    feature_matrix,
    keep_rows,
    read_features,
)
from persona360.personas.persistence import assignments, load_model, next_version, save_model

if TYPE_CHECKING:
    from persona360.workspace import Workspace

Progress = Callable[[str], None]

# What k-means clusters on by default: behaviour, not value or recency (those are
# described on the cards instead), so that personas say *how* people shop.
CLUSTERED = (
    "frequency", "aov", "gap_cv", "discount_share", "gift_order_share", "holiday_share", "top_brand_share",
    "repeat_item_share",
    "views_per_order", "reviews_per_order", "share_rate", "review_rate", "views_per_session", "event_gap",
    "mobile_share", "app_share", "social_share", "email_share", "paid_share", "tenure_days", "loyalty_member",
    "email_open_rate",
)  # fmt: skip


def assignment_model(matrix: FeatureMatrix, clustered: list[str], found: Discovery) -> dict[str, Any]:
    """What nearest-persona assignment needs of a model (``assignment.assign_in_sql`` reads it)."""
    return {
        "clustered": clustered,
        "log_features": [n for n in clustered if n in LOG_FEATURES],
        "imputed": matrix.imputed,
        "center": found.center.tolist(),
        "scale": found.scale.tolist(),
        "centroids": found.centroids.tolist(),
        "known_only": True,  # distances on the known values only (discovery.assign)
    }


def _observed(matrix: FeatureMatrix, columns: list[int], model: dict[str, Any]) -> np.ndarray | None:
    """The known-values mask a model's assignment uses (models before ``known_only`` used none)."""
    return matrix.observed[:, columns] if model.get("known_only") else None


def build_personas(
    ws: Workspace, options: DiscoveryOptions, now: datetime | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Discover personas among the workspace's customers and store them as a new version.

    Returns:
        The stored version: ``version``, ``built_at``, ``k``, ``profiles``, ``model``,
        ``report`` and ``cards``.

    Raises:
        PersonaDiscoveryError: too few customers (after consent) for the k range.
    """
    say = progress or (lambda step: None)
    moment = now or ws.clock.now()
    say("features")
    matrix, consent = _customers(ws, moment)
    clustered = [n for n in CLUSTERED if n in matrix.names]
    say("clustering")
    columns = [matrix.names.index(n) for n in clustered]
    found = discover(matrix.values[:, columns], options, observed=matrix.observed[:, columns])
    version = next_version(ws.db)
    say("cards")
    cards = build_cards(matrix, found, load_archetypes(ws.settings.personas_archetypes), version)
    model = {
        "k": found.k,
        "features": matrix.names,
        **assignment_model(matrix, clustered, found),
        "options": asdict(options),
        **_summaries(matrix.raw[:, columns], clustered, found),
    }
    report = {
        "customers": len(matrix.profile_ids),
        "silhouettes": {str(k): round(v, 4) for k, v in found.silhouettes.items()},
        "stability": found.stability,
        "consent": consent,
    }
    stored = {"version": version, "built_at": moment, "k": found.k, "profiles": len(matrix.profile_ids),
              "model": model, "report": report, "cards": cards}  # fmt: skip
    say("drift")
    report["drift"] = _drift(ws, stored, dict(zip(matrix.profile_ids.tolist(), found.labels.tolist(), strict=True)),
                             matrix.raw[:, columns], clustered)  # fmt: skip
    save_model(ws.db, version, moment, model, report, cards, (matrix.profile_ids, found.labels, found.distances))
    return stored


def _summaries(raw: np.ndarray, names: list[str], found: Discovery) -> dict[str, Any]:
    """What a later build compares against: persona means, feature spread, decile bins."""
    means = [
        {name: float(value) for name, value in zip(names, raw[found.labels == p].mean(axis=0), strict=True)}
        for p in range(found.k)
    ]
    spread = {name: float(value) for name, value in zip(names, raw.std(axis=0), strict=True)}
    return {"means": means, "spread": spread, "bins": feature_bins(raw, names)}


def gift_calendar(ws: Workspace) -> GiftCalendar:
    """The shop's gift calendar from the settings (``personas_gift_days``, ``personas_gift_window_days``)."""
    return GiftCalendar(ws.settings.personas_gift_days, ws.settings.personas_gift_window_days)


def _drift(
    ws: Workspace, stored: dict[str, Any], members: dict[int, int], raw: np.ndarray, names: list[str]
) -> dict[str, Any] | None:
    """The drift report against the previous version, or None for the first model."""
    previous = load_model(ws.db)
    if previous is None:
        return None
    drift = compare_models(previous, stored, assignments(ws.db, previous["version"]), members)
    return summarise(drift, population_stability(previous["model"].get("bins", {}), raw, names))


def _customers(ws: Workspace, now: datetime) -> tuple[FeatureMatrix, dict[str, Any]]:
    """The feature matrix of the customers profiling may use, and what consent left out."""
    table = read_features(ws.db, now, calendar=gift_calendar(ws))
    consent: dict[str, Any] = {"checked": False, "excluded": 0}
    privacy = getattr(ws, "privacy", None)
    if privacy is not None and table["profile_id"]:
        allowed = privacy.may_many(table["profile_id"], "profiling")
        keep = [profile in allowed for profile in table["profile_id"]]
        table = keep_rows(table, keep)
        consent = {"checked": True, "excluded": keep.count(False)}
    if not table["profile_id"] and consent["excluded"]:
        raise PersonaDiscoveryError(
            f"none of the {consent['excluded']} customers allows profiling: record consent for the "
            "'profiling' purpose, or allow it by default (setting consent_default_allow)"
        )
    if not table["profile_id"]:
        raise PersonaDiscoveryError("no customers to build personas from: load orders first")
    return feature_matrix(table), consent


def assign_profiles(stored: dict[str, Any], ws: Workspace, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Every current customer's nearest persona under a stored model: (profile ids, personas)."""
    model = stored["model"]
    matrix = feature_matrix(read_features(ws.db, now, calendar=gift_calendar(ws)), model["features"], model["imputed"])
    columns = [matrix.names.index(n) for n in model["clustered"]]
    scaled = (matrix.values[:, columns] - np.array(model["center"])) / np.array(model["scale"])
    labels, _ = assign(scaled, np.array(model["centroids"]), observed=_observed(matrix, columns, model))
    return matrix.profile_ids, labels
