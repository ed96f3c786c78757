"""What a persona card says about its own freshness: its age and what changed since the last model.

A marketer reads one card, not the model's drift report, so each card carries its own
part of that report: the persona of the previous version it continues (matched by
member overlap in :mod:`drift`), how its share changed, how far its centre moved and
which features moved most, or that it is new. The model-wide summary (customers who
changed persona, assignment ARI, personas born and gone, features whose distribution
shifted) goes on the export, next to the model's age.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

MOVED_MOST = 3  # feature shifts shown per card


def model_age(stored: dict[str, Any], now: datetime, stale_days: int) -> dict[str, Any]:
    """How old a stored model is and whether it should be rebuilt."""
    days = (now - stored["built_at"]).total_seconds() / 86400
    return {"age_days": round(days, 1), "stale": days > stale_days, "stale_after_days": stale_days}


def drift_summary(drift: dict[str, Any] | None) -> dict[str, Any] | None:
    """The model-wide part of a drift report, short enough for an export's header (None for a first model)."""
    if drift is None:
        return None
    return {
        "from_version": drift["from_version"],
        "to_version": drift["to_version"],
        "changed_share": drift["changed_share"],
        "ari": drift["ari"],
        "born": [p["name"] for p in drift["born"]],
        "gone": [p["name"] for p in drift["gone"]],
        "shifted_features": drift["shifted_features"],
    }


def card_drift(drift: dict[str, Any] | None, persona: int) -> dict[str, Any] | None:
    """The drift of one persona since the previous version (None for a first model).

    Returns:
        ``status`` ``"new"`` (no persona of the previous version overlaps it enough) or
        ``"continues"`` with ``was`` (number and name before), ``overlap`` (Jaccard of
        the members), ``share_before``/``share_after``/``share_change``,
        ``centroid_shift`` and ``moved_most`` (features whose mean moved most).
    """
    if drift is None:
        return None
    since = drift["from_version"]
    for match in drift["matches"]:
        if match["new"] == persona:
            return {
                "since_version": since,
                "status": "continues",
                "was": {"persona": match["old"], "name": match["old_name"]},
                "overlap": match["jaccard"],
                "share_before": match["share_before"],
                "share_after": match["share_after"],
                "share_change": match["share_change"],
                "centroid_shift": match["centroid_shift"],
                "moved_most": match["feature_shifts"][:MOVED_MOST],
            }
    return {"since_version": since, "status": "new"}


def with_freshness(card: dict[str, Any], stored: dict[str, Any], age: dict[str, Any]) -> dict[str, Any]:
    """``card`` with the model's version, age, staleness and the card's own drift."""
    drift = stored["report"].get("drift")
    return {**card, "version": stored["version"], **age, "drift": card_drift(drift, card["persona"])}
