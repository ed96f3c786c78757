"""Drift between two persona model versions: which persona became which, and what moved.

Personas of two versions are matched one to one by the Hungarian method
(``scipy.optimize.linear_sum_assignment``) on member overlap: the Jaccard index of
their members among the customers both versions assigned. Overlap, not centroid
distance, decides the match because two models scale their features differently and
a persona that kept its people is the same persona to a marketer even if its centre
moved. A pair overlapping less than ``MATCH_AT`` is no match: the old persona is
*gone* and the new one *born*. Centroid movement is still reported, measured in the
new model's scaled units.

Feature drift of the whole base is the population stability index (PSI) of each
clustered feature, on the deciles the previous build stored (``model["bins"]``):
under 0.1 is stable, 0.1-0.25 a moderate shift, above 0.25 a large one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from persona360.personas.discovery import adjusted_rand

MATCH_AT = 0.2  # Jaccard under which two personas of consecutive versions are not the same
BINS = 10  # deciles for the PSI
PSI_FLOOR = 1e-4  # an empty bin counts as this share, so the PSI stays finite
SHIFTED_PSI = 0.25  # a feature above this moved a lot
TOP_SHIFTS = 5  # feature shifts listed per persona


def feature_bins(values: np.ndarray, names: list[str]) -> dict[str, dict[str, list[float]]]:
    """Decile edges of each column and the share of rows in each bin, stored with a model."""
    bins: dict[str, dict[str, list[float]]] = {}
    for index, name in enumerate(names):
        column = values[:, index]
        edges = np.unique(np.quantile(column, np.linspace(0, 1, BINS + 1)[1:-1]))
        bins[name] = {"edges": edges.tolist(), "shares": _shares(column, edges).tolist()}
    return bins


def population_stability(old_bins: dict[str, Any], values: np.ndarray, names: list[str]) -> dict[str, float]:
    """PSI of each feature in ``names`` (columns of ``values``) against a model's stored bins."""
    psi: dict[str, float] = {}
    for index, name in enumerate(names):
        if name not in old_bins:
            continue
        expected = np.maximum(np.asarray(old_bins[name]["shares"]), PSI_FLOOR)
        actual = np.maximum(_shares(values[:, index], np.asarray(old_bins[name]["edges"])), PSI_FLOOR)
        psi[name] = round(float(np.sum((actual - expected) * np.log(actual / expected))), 4)
    return psi


def _shares(column: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, column, side="left"), minlength=len(edges) + 1)
    return counts / max(len(column), 1)


def compare_models(
    old: dict[str, Any], new: dict[str, Any], old_members: dict[int, int], new_members: dict[int, int]
) -> dict[str, Any]:
    """The drift report of ``new`` against ``old`` (two stored versions and their assignments).

    Returns:
        ``matches`` (old persona -> new persona with overlap, sizes, share change,
        centroid movement and the features that moved most), ``born`` and ``gone``
        personas, ``changed_share`` (customers in both versions whose persona is not
        the match of their old one), assignment ``ari``, and customer counts.
    """
    common = sorted(set(old_members) & set(new_members))
    overlap = _jaccard(old_members, new_members, common, old["k"], new["k"])
    pairs = _hungarian(overlap)
    matched_new = {n for _, n in pairs}
    matched_old = {o for o, _ in pairs}
    follows = dict(pairs)
    moved = sum(follows.get(old_members[p]) != new_members[p] for p in common)
    return {
        "from_version": old["version"],
        "to_version": new["version"],
        "customers": {
            "before": len(old_members),
            "after": len(new_members),
            "both": len(common),
            "joined": len(new_members) - len(common),
            "left": len(old_members) - len(common),
        },
        "ari": round(adjusted_rand([old_members[p] for p in common], [new_members[p] for p in common]), 4)
        if common
        else None,
        "changed_share": round(moved / len(common), 4) if common else None,
        "matches": [_match(old, new, o, n, float(overlap[o, n])) for o, n in pairs],
        "born": [_persona(new, n) for n in range(new["k"]) if n not in matched_new],
        "gone": [_persona(old, o) for o in range(old["k"]) if o not in matched_old],
    }


def _jaccard(old: dict[int, int], new: dict[int, int], common: list[int], k_old: int, k_new: int) -> np.ndarray:
    """Jaccard of each (old persona, new persona) pair, among the customers both assigned."""
    a = np.array([old[p] for p in common], dtype=np.int64)
    b = np.array([new[p] for p in common], dtype=np.int64)
    both = np.zeros((k_old, k_new))
    np.add.at(both, (a, b), 1)
    sizes_old = np.bincount(a, minlength=k_old)[:, None]
    sizes_new = np.bincount(b, minlength=k_new)[None, :]
    union = sizes_old + sizes_new - both
    return np.divide(both, union, out=np.zeros_like(both), where=union > 0)


def _hungarian(overlap: np.ndarray) -> list[tuple[int, int]]:
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415 - scipy loads slowly

    rows, cols = linear_sum_assignment(-overlap)
    return sorted((int(r), int(c)) for r, c in zip(rows, cols, strict=True) if overlap[r, c] >= MATCH_AT)


def _persona(stored: dict[str, Any], persona: int) -> dict[str, Any]:
    card = stored["cards"][persona]
    return {"persona": persona, "name": card["name"], "size": card["size"], "share": card["share"]}


def _match(old: dict[str, Any], new: dict[str, Any], o: int, n: int, jaccard: float) -> dict[str, Any]:
    before, after = old["cards"][o], new["cards"][n]
    return {
        "old": o,
        "new": n,
        "old_name": before["name"],
        "new_name": after["name"],
        "jaccard": round(jaccard, 4),
        "size_before": before["size"],
        "size_after": after["size"],
        "share_before": before["share"],
        "share_after": after["share"],
        "share_change": round(after["share"] - before["share"], 4),
        "centroid_shift": _centroid_shift(old["model"], new["model"], o, n),
        "feature_shifts": _feature_shifts(old["model"], new["model"], o, n),
    }


def _centroid_shift(old: dict[str, Any], new: dict[str, Any], o: int, n: int) -> float | None:
    """Distance between the two centres, both expressed in the new model's scaled space."""
    names = [name for name in new["clustered"] if name in old["clustered"]]
    if not names:
        return None
    before = _unscaled(old, o, names)
    after = _unscaled(new, n, names)
    scale = np.array([new["scale"][new["clustered"].index(name)] for name in names])
    return round(float(np.linalg.norm((after - before) / scale)), 4)


def _unscaled(model: dict[str, Any], persona: int, names: list[str]) -> np.ndarray:
    index = [model["clustered"].index(name) for name in names]
    centroid = np.asarray(model["centroids"][persona])[index]
    return centroid * np.asarray(model["scale"])[index] + np.asarray(model["center"])[index]


def _feature_shifts(old: dict[str, Any], new: dict[str, Any], o: int, n: int) -> list[dict[str, Any]]:
    """The clustered features whose persona mean moved most (raw units, as on the cards)."""
    before, after = old.get("means"), new.get("means")
    if not before or not after:
        return []
    rows = [
        {"feature": name, "before": round(before[o][name], 4), "after": round(after[n][name], 4)}
        for name in after[n]
        if name in before[o]
    ]
    spread = new.get("spread", {})
    rows.sort(key=lambda row: -abs(row["after"] - row["before"]) / (spread.get(row["feature"]) or 1.0))
    return rows[:TOP_SHIFTS]


def summarise(drift: dict[str, Any], psi: dict[str, float]) -> dict[str, Any]:
    """Add the PSI of each feature and the list of features that shifted a lot."""
    shifted = sorted((name for name, value in psi.items() if value > SHIFTED_PSI), key=lambda name: -psi[name])
    return {**drift, "psi": psi, "shifted_features": shifted}
