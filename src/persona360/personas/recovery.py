"""How well personas recover the archetypes the demo shop planted (its ``truth.parquet``).

Each profile takes the primary archetype of the person behind most of its records;
the adjusted Rand index then compares that labelling with the persona assignment
(0 for a random assignment, 1 for a perfect one).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from persona360.personas.discovery import adjusted_rand
from persona360.personas.persistence import assignments
from persona360.store.database import Database

_PLANTED = """
WITH truth AS (SELECT source, record_id, primary_archetype, len(archetypes) AS n FROM read_parquet($truth)),
keyed AS (
    SELECT t.primary_archetype, t.n, s.source_id,
        CASE WHEN t.source = 'shop' THEN 'order:' || t.record_id ELSE t.record_id END AS message_id
    FROM truth t JOIN sources s ON s.name = t.source)
SELECT i.profile_id, mode(k.primary_archetype) AS archetype, max(k.n) = 1 AS pure
FROM keyed k JOIN events e ON e.source_id = k.source_id AND e.message_id = k.message_id
JOIN identifiers i ON i.identifier_id = e.anchor_id
GROUP BY i.profile_id
"""


def planted_archetypes(db: Database, truth: Path) -> dict[int, tuple[str, bool]]:
    """Map profile id -> (planted primary archetype, whether the person has only that one)."""
    rows = db.query(_PLANTED, {"truth": str(truth)})
    return {int(profile): (archetype, bool(pure)) for profile, archetype, pure in rows}


def score_recovery(db: Database, truth: Path, version: int) -> dict[str, Any]:
    """ARI between a model's personas and the planted archetypes, overall and on pure people.

    Also, per persona, its most common planted archetype and the share it makes up.
    """
    planted = planted_archetypes(db, truth)
    assigned = assignments(db, version)
    common = [p for p in assigned if p in planted]
    pure = [p for p in common if planted[p][1]]
    return {
        "profiles": len(common),
        "ari": round(float(adjusted_rand([planted[p][0] for p in common], [assigned[p] for p in common])), 4),
        "ari_pure": round(float(adjusted_rand([planted[p][0] for p in pure], [assigned[p] for p in pure])), 4),
        "personas": _purity(planted, assigned, common),
    }


def _purity(planted: dict[int, tuple[str, bool]], assigned: dict[int, int], common: list[int]) -> dict[int, Any]:
    by_persona: dict[int, Counter[str]] = {}
    for profile in common:
        by_persona.setdefault(assigned[profile], Counter())[planted[profile][0]] += 1
    out = {}
    for persona, counts in sorted(by_persona.items()):
        archetype, n = counts.most_common(1)[0]
        out[persona] = {"archetype": archetype, "purity": round(n / sum(counts.values()), 3)}
    return out
