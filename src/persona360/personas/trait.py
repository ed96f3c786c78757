"""The ``persona`` trait: every customer's nearest persona, for segments and templates.

Values go to ``computed_values`` through the segments room's ``store_values`` (name
``persona``, text = the persona's name, number = its number), so a segment can say
``persona = "Value Hunters"``. Customers are scored in SQL against the stored model
(:mod:`persona360.personas.assignment`): all of them after a build, only new or
changed ones on a refresh, which also stores their assignment under the model's version.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from persona360.personas.assignment import assign_in_sql
from persona360.personas.build import gift_calendar
from persona360.personas.persistence import replace_assignments
from persona360.segments.compile import SCOPE_TABLE
from persona360.segments.computed import store_values

if TYPE_CHECKING:
    from persona360.workspace import Workspace

TRAIT = "persona"
_STAGED = "__p360__persona_trait"
_CHANGED = """
SELECT DISTINCT i.profile_id FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
JOIN profiles p ON p.profile_id = i.profile_id
WHERE e.received_at > $since AND p.orders_count >= 1 ORDER BY 1
"""


def changed_customers(ws: Workspace, since: datetime) -> list[int]:
    """Customers with an event (an order, a visit, a merge) received after ``since``."""
    return [int(row[0]) for row in ws.db.query(_CHANGED, {"since": since})]


def publish_trait(ws: Workspace, stored: dict[str, Any], now: datetime, profiles: list[int] | None = None) -> int:
    """Write the ``persona`` trait of every customer (or of ``profiles``) profiling may use.

    With ``profiles`` their assignment is also stored under the model's version (a
    refresh); segments are then re-evaluated, since memberships may depend on the trait.
    Returns how many customers got the trait.
    """
    profile_ids, labels, distances = assign_in_sql(ws.db, stored["model"], now, profiles, gift_calendar(ws))
    privacy = getattr(ws, "privacy", None)
    if privacy is not None and len(profile_ids):
        allowed = privacy.may_many(profile_ids.tolist(), "profiling")
        keep = np.array([int(p) in allowed for p in profile_ids], dtype=bool)
        profile_ids, labels, distances = profile_ids[keep], labels[keep], distances[keep]
    if profiles is not None:
        replace_assignments(ws.db, stored["version"], (profile_ids, labels, distances), now)
    names = [card["name"] for card in stored["cards"]]
    table = pa.table(
        {
            "profile_id": pa.array(profile_ids, pa.int64()),
            "value_text": pa.array([names[int(label)] for label in labels], pa.string()),
            "value_num": pa.array(labels.astype(float), pa.float64()),
        }
    )
    _store(ws, table, now, profiles)
    if profiles is None:
        ws.segments.evaluate(reason="recomputed")
    else:
        ws.segments.evaluate_profiles(set(profiles), "recomputed")
    return len(profile_ids)


def _store(ws: Workspace, table: pa.Table, now: datetime, scope: list[int] | None) -> None:
    with ws.db.transaction() as tx:
        tx.register(_STAGED, table)
        if scope is not None:
            tx.register(SCOPE_TABLE, pa.table({"profile_id": pa.array(scope, pa.int64())}))
        store_values(tx, TRAIT, f"SELECT * FROM {_STAGED}", now, scope)
