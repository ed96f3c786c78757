"""Scoring identity resolution against the demo's truth file.

Pairwise precision and recall over records: a pair of records is *predicted*
together when they ended in one profile and *truly* together when one simulated
person made both. Records the workspace rejected (no usable identifier) are counted
apart and left out of the pairs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from persona360.demo.manifest import Manifest
from persona360.store.database import Database

# Which profile each truth record ended in (``placed``): shared with score_churn.py.
PLACED_CTES = """
truth AS (SELECT source, record_id, person_id, lapsed_at FROM read_parquet($truth)),
keyed AS (
    SELECT t.person_id, s.source_id,
           CASE WHEN list_contains($order_sources, t.source) THEN 'order:' || t.record_id
                ELSE t.record_id END AS message_id
    FROM truth t JOIN sources s ON s.name = t.source),
placed AS (
    SELECT k.person_id, i.profile_id
    FROM keyed k JOIN events e ON e.source_id = k.source_id AND e.message_id = k.message_id
    JOIN identifiers i ON i.identifier_id = e.anchor_id)"""

_PLACED = f"""
WITH {PLACED_CTES}
SELECT
    (SELECT count(*) FROM truth) AS records,
    (SELECT count(*) FROM placed) AS placed,
    (SELECT count(DISTINCT person_id) FROM truth) AS people,
    (SELECT count(DISTINCT profile_id) FROM placed) AS profiles,
    (SELECT count(DISTINCT person_id) FROM placed) AS placed_people,
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM placed GROUP BY person_id, profile_id)) AS together,
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM placed GROUP BY profile_id)) AS predicted,
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM placed GROUP BY person_id)) AS actual,
    (SELECT count(*) FROM (SELECT person_id FROM placed GROUP BY person_id
                           HAVING count(DISTINCT profile_id) = 1)) AS people_whole,
    (SELECT count(*) FROM (SELECT profile_id FROM placed GROUP BY profile_id
                           HAVING count(DISTINCT person_id) = 1)) AS profiles_pure
"""


@dataclass(frozen=True)
class StitchingScore:
    records: int
    placed: int
    people: int
    profiles: int
    precision: float
    recall: float
    f1: float
    people_in_one_profile: float
    profiles_of_one_person: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_stitching(db: Database, manifest: Manifest, truth: Path | None = None) -> StitchingScore:
    """Score the workspace's profiles against ``truth.parquet``."""
    row = db.query_dicts(_PLACED, placed_params(manifest, truth))[0]
    together, predicted, actual = (int(row[k] or 0) for k in ("together", "predicted", "actual"))
    precision = together / predicted if predicted else 1.0
    recall = together / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    people, profiles = int(row["people"]), int(row["profiles"])
    return StitchingScore(
        records=int(row["records"]),
        placed=int(row["placed"]),
        people=people,
        profiles=profiles,
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        people_in_one_profile=(round(int(row["people_whole"]) / int(row["placed_people"]), 4) if people else 0.0),
        profiles_of_one_person=round(int(row["profiles_pure"]) / profiles, 4) if profiles else 0.0,
    )


def placed_params(manifest: Manifest, truth: Path | None = None) -> dict[str, Any]:
    """The parameters of :data:`PLACED_CTES`: the truth file and the sources of order exports."""
    order_sources = sorted({f.source for f in manifest.files if f.kind == "orders" and f.source})
    return {"truth": str(truth or manifest.path("truth.parquet")), "order_sources": order_sources}
