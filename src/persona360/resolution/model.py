"""The Splink model: blocking rules, comparisons, training and scoring.

Splink runs on its own in-memory DuckDB connection, so training never holds the
workspace's single writer. Every comparison starts from prior m and u probabilities;
training replaces u by random sampling and m by expectation maximisation, but only
when there are enough records for the estimates to be stable (EM on a handful of
records swings wildly, so small inputs keep the priors).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl
from splink.internals.exceptions import EMTrainingException  # not re-exported publicly in Splink 5

from persona360.resolution.records import ProfileRecord

# (m, u) priors per level, in level order (exact, closer, close, else); nulls count as
# neither. A typo-level name match is common among true matches and rare otherwise.
_PRIORS: dict[str, tuple[list[float], list[float]]] = {
    "first_name": ([0.75, 0.12, 0.06, 0.07], [0.01, 0.01, 0.04, 0.94]),
    "last_name": ([0.8, 0.1, 0.05, 0.05], [0.003, 0.005, 0.03, 0.962]),
    "email_local": ([0.6, 0.15, 0.05, 0.2], [0.0005, 0.0005, 0.001, 0.998]),
    "phone": ([0.8, 0.2], [0.0005, 0.9995]),
    "birthday": ([0.9, 0.05, 0.05], [0.0005, 0.002, 0.9975]),
    "city": ([0.85, 0.15], [0.05, 0.95]),
    "postcode": ([0.75, 0.25], [0.005, 0.995]),
}

# Below this many records the priors are kept (see the module docstring).
MIN_RECORDS_TO_TRAIN = 500


@dataclass(frozen=True)
class ScoredPair:
    """Two profiles the model compared, with its verdict and the reasons for it."""

    a_profile: int
    b_profile: int
    probability: float
    weights: dict[str, float]


def _comparisons() -> list[Any]:
    made = [
        cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]),
        cl.JaroWinklerAtThresholds("last_name", [0.92, 0.8]),
        cl.LevenshteinAtThresholds("email_local", [1, 2]),
        cl.ExactMatch("phone"),
        cl.LevenshteinAtThresholds("birthday", [1]),
        cl.ExactMatch("city"),
        cl.ExactMatch("postcode"),
    ]
    return [
        c.configure(m_probabilities=_PRIORS[n][0], u_probabilities=_PRIORS[n][1])
        for c, n in zip(made, _PRIORS, strict=True)
    ]


def _blocking_rules() -> list[Any]:
    return [
        block_on("last_name", "substr(first_name, 1, 1)"),
        block_on("phone"),
        block_on("email_local"),
        block_on("birthday", "city"),
    ]


def settings_for(record_count: int) -> SettingsCreator:
    """The model settings.

    The prior match rate assumes about one duplicate in ten records, capped at 1e-4 so
    that on small inputs a shared name and city alone is a question, not a merge.
    """
    pairs = max(record_count * (record_count - 1) / 2, 1.0)
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        probability_two_random_records_match=min(max(0.1 * record_count / pairs, 1e-6), 1e-4),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def _linker(records: Sequence[ProfileRecord]) -> Linker:
    db_api = DuckDBAPI()
    frame = db_api.register([r.as_row() for r in records])
    return Linker(frame, settings_for(len(records)), log_level=None)


def _train(linker: Linker, record_count: int) -> bool:
    if record_count < MIN_RECORDS_TO_TRAIN:
        return False
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=360)
    for rule in (block_on("last_name", "first_name"), block_on("email_local"), block_on("birthday")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, fix_u_probabilities=True)
        except EMTrainingException:
            continue  # the rule blocks no pairs (e.g. no birthdays known): keep the priors it would have updated
    return True


def _weights(row: dict[str, Any]) -> dict[str, float]:
    return {
        name: round(float(row[f"mw_{name}"]), 3)
        for name in _PRIORS
        if row.get(f"mw_{name}") is not None and math.isfinite(float(row[f"mw_{name}"]))
    }


def score_pairs(records: Sequence[ProfileRecord], *, train: bool, threshold: float) -> list[ScoredPair]:
    """Score the blocked pairs of ``records``; keep those at or above ``threshold``.

    Args:
        records: one record per profile.
        train: estimate u and m from the records (only done from
            ``MIN_RECORDS_TO_TRAIN`` records up; below that the priors are used).
        threshold: the lowest match probability returned.

    Returns:
        The pairs, most likely first, each with its per-comparison match weights.
    """
    if len(records) < 2:
        return []
    linker = _linker(records)
    if train:
        _train(linker, len(records))
    predicted = linker.inference.predict(threshold_match_probability=threshold)
    rows = predicted.as_record_list()
    pairs = [
        ScoredPair(int(r["unique_id_l"]), int(r["unique_id_r"]), float(r["match_probability"]), _weights(r))
        for r in rows
    ]
    return sorted(pairs, key=lambda p: (-p.probability, p.a_profile, p.b_profile))
