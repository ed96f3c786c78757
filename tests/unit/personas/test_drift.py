"""Drift between model versions on planted changes: matching, born and gone, PSI."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from persona360.personas.drift import MATCH_AT, compare_models, feature_bins, population_stability, summarise


def stored(
    version: int, sizes: list[int], centroids: list[list[float]], means: list[dict[str, float]]
) -> dict[str, Any]:
    total = sum(sizes)
    cards = [{"name": f"P{version}.{i}", "size": n, "share": n / total} for i, n in enumerate(sizes)]
    model = {
        "clustered": ["a", "b"],
        "center": [0.0, 0.0],
        "scale": [1.0, 1.0],
        "centroids": centroids,
        "means": means,
        "spread": {"a": 1.0, "b": 1.0},
    }
    return {"version": version, "k": len(sizes), "cards": cards, "model": model}


def test_a_planted_shift_is_reported() -> None:
    # v1: three personas of 100. v2: renumbered; persona 0 keeps its people, persona 1
    # loses half of them to persona 0, persona 2's people left, and 100 newcomers form
    # a persona nobody had before.
    old_members = {p: p // 100 for p in range(300)}
    new_members = dict.fromkeys(range(100), 1) | dict.fromkeys(range(100, 150), 1) | dict.fromkeys(range(150, 200), 0)
    new_members |= dict.fromkeys(range(300, 400), 2)
    old = stored(1, [100, 100, 100], [[0, 0], [5, 0], [0, 5]], [{"a": 1, "b": 1}, {"a": 6, "b": 1}, {"a": 1, "b": 6}])
    new = stored(
        2, [50, 150, 100], [[5, 0.5], [1, 0], [-5, -5]], [{"a": 6, "b": 1.5}, {"a": 2, "b": 1}, {"a": -4, "b": -4}]
    )
    drift = compare_models(old, new, old_members, new_members)
    pairs = {(m["old"], m["new"]): m for m in drift["matches"]}
    assert set(pairs) == {(0, 1), (1, 0)}
    assert pairs[(0, 1)]["jaccard"] == pytest.approx(100 / 150, abs=1e-3)
    assert pairs[(1, 0)]["jaccard"] == pytest.approx(0.5) and pairs[(1, 0)]["size_after"] == 50
    assert pairs[(1, 0)]["share_change"] == pytest.approx(50 / 300 - 100 / 300, abs=1e-3)
    assert pairs[(1, 0)]["centroid_shift"] == pytest.approx(0.5)
    assert pairs[(1, 0)]["feature_shifts"][0] == {"feature": "b", "before": 1.0, "after": 1.5}
    assert [p["persona"] for p in drift["born"]] == [2] and [p["persona"] for p in drift["gone"]] == [2]
    assert drift["customers"] == {"before": 300, "after": 300, "both": 200, "joined": 100, "left": 100}
    # 50 of the 200 customers in both versions moved to a persona that is not their old one's match
    assert drift["changed_share"] == pytest.approx(0.25)
    assert 0 < drift["ari"] < 1


def test_an_identical_rebuild_has_no_drift() -> None:
    members = {p: p % 4 for p in range(400)}
    model = stored(1, [100] * 4, [[i, i] for i in range(4)], [{"a": i, "b": i} for i in range(4)])
    drift = compare_models(model, {**model, "version": 2}, members, members)
    assert drift["changed_share"] == 0 and drift["ari"] == 1.0
    assert drift["born"] == [] and drift["gone"] == []
    assert all(m["jaccard"] == 1.0 and m["centroid_shift"] == 0 for m in drift["matches"])


def test_overlap_below_the_threshold_is_no_match() -> None:
    old_members = dict.fromkeys(range(100), 0) | dict.fromkeys(range(100, 200), 1)
    # new persona 1 takes a sliver of old persona 1; most of it went to new persona 0
    new_members = dict.fromkeys(range(185), 0) | dict.fromkeys(range(185, 200), 1)
    old = stored(1, [100, 100], [[0, 0], [1, 1]], [{"a": 0, "b": 0}, {"a": 1, "b": 1}])
    new = stored(2, [185, 15], [[0, 0], [1, 1]], [{"a": 0, "b": 0}, {"a": 1, "b": 1}])
    drift = compare_models(old, new, old_members, new_members)
    assert MATCH_AT > 15 / 100
    assert [(m["old"], m["new"]) for m in drift["matches"]] == [(0, 0)]
    assert [p["persona"] for p in drift["born"]] == [1] and [p["persona"] for p in drift["gone"]] == [1]


def test_population_stability_flags_the_shifted_feature_only() -> None:
    rng = np.random.default_rng(5)
    before = rng.normal(size=(5000, 2))
    bins = feature_bins(before, ["steady", "moved"])
    after = np.column_stack([rng.normal(size=5000), rng.normal(1.0, 1.0, size=5000)])
    psi = population_stability(bins, after, ["steady", "moved"])
    assert psi["steady"] < 0.1 < 0.25 < psi["moved"]
    assert summarise({}, psi)["shifted_features"] == ["moved"]


def test_population_stability_of_a_constant_feature_is_finite() -> None:
    bins = feature_bins(np.zeros((50, 1)), ["flag"])
    psi = population_stability(bins, np.ones((50, 1)), ["flag"])
    assert np.isfinite(psi["flag"]) and psi["flag"] > 0.25
