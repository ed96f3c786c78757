"""Persona cards: what sets each persona apart, in numbers, and how to talk to it.

A card is a plain dict (stored as JSON with the model), so the CLI, the API and the
Markdown export all read the same thing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from persona360.personas.archetypes import Archetype, match_archetypes, score_archetypes
from persona360.personas.avatar import avatar_svg
from persona360.personas.discovery import UNSTABLE_BELOW, Discovery
from persona360.personas.features import FeatureMatrix

BEHAVIOUR = (
    "frequency", "aov", "views_per_order", "reviews_per_order", "discount_share", "gift_share",
    "other_recipient_share", "holiday_share", "recency_days",
)  # fmt: skip
CHANNELS = ("mobile_share", "app_share", "social_share", "email_share", "paid_share")
# What each channel figure is: the average member's share of their product-list views
# on a mobile device, in the app, or arriving from a social, email or paid campaign.
# Device, app and campaign are separate questions about one view, so the figures
# overlap and never add up to 100 % (they were once labelled "share of sessions").
CHANNEL_LABELS = {
    "mobile_share": "on mobile",
    "app_share": "in the app",
    "social_share": "from social",
    "email_share": "from email",
    "paid_share": "from paid ads",
}
CHANNELS_TITLE = "How they browse: share of their product-list views"
CHANNELS_NOTE = (
    "Each figure is a share on its own: a view in the app on a phone counts in both, "
    "and a view from no campaign in none of the last three, so they do not add up to 100 %."
)
DISTINGUISHING = 5


def build_cards(
    matrix: FeatureMatrix, found: Discovery, archetypes: list[Archetype], version: int
) -> list[dict[str, Any]]:
    """One card per persona, largest first in the list order of persona numbers."""
    base_mean, base_std = _base(matrix)
    close_radius = float(np.median(found.distances))
    cards: list[dict[str, Any]] = []
    for persona in range(found.k):
        members = found.labels == persona
        lift = _lift(matrix, members, base_mean, base_std)
        matches = match_archetypes(score_archetypes(lift, archetypes))
        cards.append(
            {
                "persona": persona,
                "key": f"v{version}-p{persona}",
                "size": int(members.sum()),
                "share": round(float(members.mean()), 4),
                "revenue_share": _revenue_share(matrix.revenue, members),
                "distinguishing": _distinguishing(matrix, members, base_mean, lift),
                "behaviour": _means(matrix, members, BEHAVIOUR),
                "channels": _means(matrix, members, CHANNELS),
                "best_send_hour": _best_hour(matrix.usual_hour[members]),
                "archetypes": matches,
                "close_profiles": int(np.count_nonzero(members & (found.distances <= close_radius))),
                "exemplars": _exemplars(matrix, found, members),
                "stability": _stability(found, persona),
            }
        )
    _name(cards, {a.key: a for a in archetypes})
    for card in cards:
        card["avatar_svg"] = avatar_svg(card["key"])
    return cards


def _base(matrix: FeatureMatrix) -> tuple[np.ndarray, np.ndarray]:
    std = matrix.raw.std(axis=0)
    return matrix.raw.mean(axis=0), np.where(std > 0, std, 1.0)


def _lift(matrix: FeatureMatrix, members: np.ndarray, mean: np.ndarray, std: np.ndarray) -> dict[str, float]:
    """Standardised lift per feature: (persona mean - base mean) / base std."""
    z = (matrix.raw[members].mean(axis=0) - mean) / std
    return {name: float(value) for name, value in zip(matrix.names, z, strict=True)}


def _distinguishing(
    matrix: FeatureMatrix, members: np.ndarray, base: np.ndarray, lift: dict[str, float]
) -> list[dict[str, Any]]:
    names = [n for n in matrix.names if not n.endswith("_missing")]
    names.sort(key=lambda n: -abs(lift[n]))
    rows = []
    for name in names[:DISTINGUISHING]:
        index = matrix.names.index(name)
        mean, overall = float(matrix.raw[members, index].mean()), float(base[index])
        rows.append(
            {
                "feature": name,
                "persona": round(mean, 3),
                "base": round(overall, 3),
                "ratio": round(mean / overall, 2) if overall else None,
                "z": round(lift[name], 2),
            }
        )
    return rows


def _means(matrix: FeatureMatrix, members: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    return {
        name: round(float(matrix.raw[members, matrix.names.index(name)].mean()), 3)
        for name in names
        if name in matrix.names
    }


def _revenue_share(revenue: np.ndarray, members: np.ndarray) -> float:
    total = float(revenue.sum())
    return round(float(revenue[members].sum()) / total, 4) if total else 0.0


def _best_hour(hours: np.ndarray) -> int | None:
    known = [int(h) for h in hours if not np.isnan(h)]
    return Counter(known).most_common(1)[0][0] if known else None


def _exemplars(matrix: FeatureMatrix, found: Discovery, members: np.ndarray, n: int = 3) -> list[int]:
    indices = np.flatnonzero(members)
    nearest = indices[np.argsort(found.distances[indices], kind="stable")[:n]]
    return [int(matrix.profile_ids[i]) for i in nearest]


def _stability(found: Discovery, persona: int) -> dict[str, Any]:
    jaccard = found.stability.get("jaccard")
    if not jaccard:
        return {"jaccard": None, "unstable": None}
    return {"jaccard": jaccard[persona], "unstable": jaccard[persona] < UNSTABLE_BELOW}


def _name(cards: list[dict[str, Any]], archetypes: dict[str, Archetype]) -> None:
    """Name, describe and equip each card from its best archetype; number repeated names."""
    seen: Counter[str] = Counter()
    for card in sorted(cards, key=lambda c: -c["size"]):
        best = archetypes.get(card["archetypes"][0]["archetype"]) if card["archetypes"] else None
        title = best.title if best else "Everyday Shoppers"
        seen[title] += 1
        card["name"] = title if seen[title] == 1 else f"{title} {seen[title]}"
        card["description"] = best.description if best else _plain_description(card)
        card["triggers"] = list(best.triggers) if best else []
        card["offers"] = list(best.offers) if best else []


def _plain_description(card: dict[str, Any]) -> str:
    top = card["distinguishing"][0] if card["distinguishing"] else None
    if top is None:
        return "Customers with no stand-out behaviour."
    side = "more" if top["z"] > 0 else "less"
    return f"No archetype fits; they stand out by {side} {top['feature'].replace('_', ' ')} than average."
