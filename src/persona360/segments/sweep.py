"""The clock sweep: which profiles can change membership just because time passed.

A condition with a relative window changes only for profiles whose events cross a
window edge between two sweeps: an order leaving ``within = 30d``, a cart add whose
30 minutes ran out, a last purchase passing "60 days ago". For a sweep from ``t0``
to ``t1`` those are the profiles with such an event in ``(t0 - W, t1 - W]``; only
they are re-evaluated. A consent decision that expires between two sweeps changes
``consent(...)`` for its profile alone. Conditions whose shift cannot be bounded that
way (times stored in traits) fall back to a full evaluation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlglot import exp

from persona360.segments.catalogue import column_kind
from persona360.segments.compile import epoch_us
from persona360.segments.nodes import (
    Aggregate,
    And,
    Compare,
    Consent,
    EventMoment,
    Node,
    Not,
    Or,
    Sequence,
    TimeCompare,
    Trait,
)

FULL = "full"


def candidates_sql(node: Node, since: datetime, until: datetime) -> exp.Select | str | None:
    """Profiles whose membership may have changed from ``since`` to ``until``.

    Returns:
        A query of ``profile_id``; ``None`` when time alone changes nothing;
        ``"full"`` when the whole segment must be re-evaluated.
    """
    parts: list[exp.Select] = []
    for edge in _edges(node):
        if isinstance(edge, str):  # FULL
            return FULL
        parts.append(_crossing(edge, since, until))
    if not parts:
        return None
    query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=True)  # type: ignore[assignment]
    return query


# (relation: "event", "consent" or a profile column; event name or purpose; delay)
Edge = tuple[str, str, timedelta]


def _edges(node: Node) -> list[Edge | str]:
    if isinstance(node, And | Or):
        return [edge for item in node.items for edge in _edges(item)]
    if isinstance(node, Not):
        return _edges(node.item)
    if isinstance(node, Compare) and isinstance(node.operand, Aggregate):
        last = node.operand.window.last
        return [("event", node.operand.event, last)] if last is not None else []
    if isinstance(node, Consent):
        return [("consent", node.purpose, timedelta())]
    if isinstance(node, Sequence) and node.kind == "then_not" and node.within is not None:
        return [("event", node.first, node.within)]
    if isinstance(node, TimeCompare):
        delay = node.moment.ago
        if delay is None:
            return []
        if isinstance(node.operand, EventMoment):
            return [("event", node.operand.event, delay)]
        if isinstance(node.operand, Trait) and column_kind(node.operand) == "time":
            return [(node.operand.name, "", delay)]
        return [FULL]
    return []


# relation -> (table, time column, the column naming the event or purpose)
_TIMED = {"event": ("seg_events", "ts", "event"), "consent": ("seg_consent", "expires_at", "purpose")}


def _crossing(edge: Edge, since: datetime, until: datetime) -> exp.Select:
    relation, name, delay = edge
    low = exp.Literal.number(epoch_us(since - delay))
    high = exp.Literal.number(epoch_us(until - delay))
    table, time, key = _TIMED.get(relation, ("seg_profiles", relation, ""))
    column = exp.column(time)
    where = exp.and_(exp.GT(this=column, expression=low), exp.LTE(this=column.copy(), expression=high))
    if key:
        where = exp.and_(exp.EQ(this=exp.column(key), expression=exp.Literal.string(name)), where)
    return exp.select("profile_id").distinct().from_(table).where(where)
