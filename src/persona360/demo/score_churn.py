"""Scoring the predictions against the people the demo made lapse.

The generator has a share of people stop coming part-way through the window
(``DemoSpec.lapse_share``; the truth file's ``lapsed_at``). A churn risk worth showing
ranks those above the ones still active: the score is the area under the ROC curve of
each scored customer's churn risk for "truly lapsed", beside the mean risk of both
groups and how each churn bucket splits. A customer is the person most of their
profile's records came from (after stitching, most profiles hold one person).

Two more figures keep the score honest. The same AUC among repeat customers only:
BG/NBD holds a customer who bought once alive with certainty (they never had a
chance to drop out, in the model), so its risk tells nothing about one-time buyers.
And the AUC of a rule anyone could write, days since the last order, as the baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from persona360.demo.manifest import Manifest
from persona360.demo.score import PLACED_CTES, placed_params
from persona360.store.database import Database

_SCORED = f"""
WITH {PLACED_CTES},
people AS (SELECT DISTINCT person_id, lapsed_at IS NOT NULL AS lapsed FROM truth),
majority AS (
    SELECT profile_id, arg_max(person_id, n) AS person_id
    FROM (SELECT profile_id, person_id, count(*) AS n FROM placed GROUP BY ALL)
    GROUP BY profile_id)
SELECT p.churn_risk, p.churn_bucket, people.lapsed, p.frequency, p.age_days - p.recency_days AS idle_days
FROM profile_predictions p JOIN majority m USING (profile_id) JOIN people USING (person_id)
ORDER BY p.profile_id
"""


def score_churn(db: Database, manifest: Manifest, truth: Path | None = None) -> dict[str, Any]:
    """AUCs of churn risk for the planted lapses, mean risks and buckets (counts only without both groups)."""
    rows = db.query(_SCORED, placed_params(manifest, truth))
    lapsed = [bool(row[2]) for row in rows]
    if all(lapsed) or not any(lapsed):
        return {"customers": len(rows), "lapsed": sum(lapsed)}
    risk = [float(row[0]) for row in rows]
    repeat = [i for i, row in enumerate(rows) if row[3] >= 1]
    buckets: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = buckets.setdefault(str(row[1]), {"lapsed": 0, "active": 0})
        counts["lapsed" if row[2] else "active"] += 1
    return {
        "customers": len(rows),
        "lapsed": sum(lapsed),
        "auc": _auc(lapsed, risk),
        "auc_repeat_customers": _auc([lapsed[i] for i in repeat], [risk[i] for i in repeat]),
        "auc_days_since_last_order": _auc(lapsed, [float(row[4]) for row in rows]),
        "mean_risk_lapsed": _mean(r for r, gone in zip(risk, lapsed, strict=True) if gone),
        "mean_risk_active": _mean(r for r, gone in zip(risk, lapsed, strict=True) if not gone),
        "buckets": dict(sorted(buckets.items())),
    }


def _auc(truth: list[bool], score: list[float]) -> float | None:
    """The area under the ROC curve, or None when one group is empty."""
    from sklearn.metrics import roc_auc_score  # imported here: scikit-learn takes ~0.5 s to import

    return round(float(roc_auc_score(truth, score)), 4) if 0 < sum(truth) < len(truth) else None


def _mean(values: Iterable[float]) -> float:
    kept = list(values)
    return round(sum(kept) / len(kept), 4)
