"""What linked two identifiers, in the words the CLI and the web both use.

An edge's stored reason is a code (``identify``, ``manual_merge``, ``probabilistic``).
The resolver's edges all say ``probabilistic``, whether the model scored the pair or a
rule joined it (home network, device handover); the merge event keeps which (see
``resolution/networks.py`` and ``devices.py`` for the evidence each rule keeps). The
profile card, ``profile show`` and ``review list`` name them here, so a rule is called
the same everywhere.
"""

from __future__ import annotations

from typing import Any


def link_reason(edge: dict[str, Any]) -> str:
    """An edge's reason as a person reads it: a resolver's rule by its name, other codes with spaces.

    Example:
        >>> link_reason({"reason": "probabilistic", "merge": {"rule": "home_network"}})
        'home network rule'
        >>> link_reason({"reason": "probabilistic", "merge": {"probability": 0.97}})
        'probabilistic'
        >>> link_reason({"reason": "manual_merge"})
        'manual merge'
    """
    return str(merge_reason(edge.get("merge")).get("reason") or edge["reason"]).replace("_", " ")


def merge_reason(merge: dict[str, Any] | None) -> dict[str, str]:
    """A resolver's merge by what made it: its rule (``reason``) and evidence (``why``), or the model's probability.

    ``merge`` is what the merge event (or the review pair) keeps; a model's merge has no
    ``reason`` of its own (the edge's ``probabilistic`` stands).
    """
    if not merge:
        return {}
    rule = merge.get("rule")
    if rule == "home_network":
        share = merge.get("share")
        seen = f", {share:.0%} of its events there" if isinstance(share, int | float) else ""
        return {"reason": "home network rule", "why": f"network {merge.get('network', '?')}{seen}"}
    if rule == "device_handover":
        device = merge.get("device") or {}
        return {
            "reason": "device handover rule",
            "why": f"same device on {device.get('ip', '?')}, {merge.get('gap_hours', '?')} h apart",
        }
    if rule:
        return {"reason": f"{rule} rule"}
    probability = merge.get("probability")
    return {"why": f"match probability {probability:.2f}"} if isinstance(probability, int | float) else {}
