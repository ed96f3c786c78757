"""The ``persona`` trait: every customer's nearest persona, for segments and templates.

Values go to ``computed_values`` through the segments room's ``store_values`` (name
``persona``, text = the persona's name, number = its number), so a segment can say
``persona = "Value Hunters"``. Profiles that became customers after the build are
scored against the stored centroids, the same way the build scored its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from persona360.personas.build import assign_profiles
from persona360.segments.computed import store_values

if TYPE_CHECKING:
    from persona360.workspace import Workspace

TRAIT = "persona"
_STAGED = "__p360__persona_trait"


def publish_trait(ws: Workspace, stored: dict[str, Any], now: datetime) -> int:
    """Write the ``persona`` trait of every customer profiling may use; return how many.

    Segments are then re-evaluated, since memberships may depend on the trait.
    """
    profile_ids, labels = assign_profiles(stored, ws, now)
    privacy = getattr(ws, "privacy", None)
    allowed = privacy.may_many(profile_ids.tolist(), "profiling") if privacy is not None else None
    names = [card["name"] for card in stored["cards"]]
    rows = [(int(p), names[int(label)], float(label)) for p, label in zip(profile_ids, labels, strict=True)]
    rows = [row for row in rows if allowed is None or row[0] in allowed]
    table = pa.table(
        {
            "profile_id": pa.array([r[0] for r in rows], pa.int64()),
            "value_text": pa.array([r[1] for r in rows], pa.string()),
            "value_num": pa.array([r[2] for r in rows], pa.float64()),
        }
    )
    with ws.db.transaction() as tx:
        tx.register(_STAGED, table)
        store_values(tx, TRAIT, f"SELECT * FROM {_STAGED}", now, None)
        tx.unregister(_STAGED)
    ws.segments.evaluate(reason="recomputed")
    return len(rows)
