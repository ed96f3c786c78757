"""The parsed form of a segment condition: small immutable nodes, and their JSON tree.

The text form (``parse.py``) and the JSON tree of the API produce the same nodes,
so there is one compiler (``compile.py``) and one reference evaluator
(``reference.py``) for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal

Scalar = str | float | bool
Comparison = Literal["=", "!=", "<", "<=", ">", ">="]
AGGREGATES = ("count", "sum", "avg", "min", "max")
SEQUENCES = ("then", "then_not")
MOMENTS = ("first", "last")


@dataclass(frozen=True)
class Position:
    """Where a node stands in the text (1-based line and column)."""

    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Window:
    """The time an event condition looks at: the last ``last``, ``between`` two times, or ever."""

    last: timedelta | None = None
    start: datetime | None = None
    end: datetime | None = None

    def bounds(self, now: datetime) -> tuple[datetime | None, datetime]:
        """(earliest, latest) event time included, as of ``now``."""
        if self.last is not None:
            return now - self.last, now
        if self.start is not None:
            return self.start, min(self.end or now, now)
        return None, now


@dataclass(frozen=True)
class Moment:
    """A point in time: ``ago`` before now, a fixed ``at``, or now."""

    ago: timedelta | None = None
    at: datetime | None = None

    def resolve(self, now: datetime) -> datetime:
        if self.at is not None:
            return self.at
        return now - (self.ago or timedelta())


@dataclass(frozen=True)
class Trait:
    """A profile trait (``city``) or computed column (``orders_count``).

    A bare name is the computed column when one has that name; ``trait("currency")``
    sets ``explicit`` and always means the trait, so a trait a shop named like a column
    (``currency``, ``sources``) can still be tested.
    """

    name: str
    pos: Position = field(default_factory=Position, compare=False, repr=False)
    explicit: bool = False


@dataclass(frozen=True)
class Aggregate:
    """``count|sum|avg|min|max(EVENT [, property] [, prop = value ...] [, within = 30d])``."""

    func: str
    event: str
    prop: str | None = None
    filters: tuple[tuple[str, Scalar], ...] = ()
    window: Window = field(default_factory=Window)
    pos: Position = field(default_factory=Position, compare=False, repr=False)


@dataclass(frozen=True)
class EventMoment:
    """``first|last(EVENT [, prop = value ...])``: the time of the first or last occurrence."""

    func: str
    event: str
    filters: tuple[tuple[str, Scalar], ...] = ()
    pos: Position = field(default_factory=Position, compare=False, repr=False)


Operand = Trait | Aggregate | EventMoment


@dataclass(frozen=True)
class Compare:
    operand: Operand
    op: Comparison
    value: Scalar


@dataclass(frozen=True)
class In:
    operand: Trait
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Contains:
    operand: Trait
    value: str


@dataclass(frozen=True)
class StartsWith:
    operand: Trait
    value: str


@dataclass(frozen=True)
class IsSet:
    operand: Trait
    negated: bool = False


@dataclass(frozen=True)
class TimeCompare:
    """``operand before|after MOMENT`` or ``operand within DURATION``."""

    operand: Trait | EventMoment
    op: Literal["before", "after", "within"]
    moment: Moment


@dataclass(frozen=True)
class Sequence:
    """``then(A, B, within)``: A then B; ``then_not(A, B, within)``: the last A, no B within."""

    kind: str
    first: str
    second: str
    within: timedelta | None = None
    pos: Position = field(default_factory=Position, compare=False, repr=False)


@dataclass(frozen=True)
class InSegment:
    segment: str
    pos: Position = field(default_factory=Position, compare=False, repr=False)


@dataclass(frozen=True)
class Consent:
    """``consent("marketing", "email")``: whether the profile's live consent allows it.

    Decided as ``ws.privacy.may`` decides: the newest unexpired decision for the
    purpose on that channel or on every channel wins; with none, the workspace's
    default for the purpose. Without a channel only every-channel decisions count.
    """

    purpose: str
    channel: str | None = None
    pos: Position = field(default_factory=Position, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | In | Contains | StartsWith | IsSet | TimeCompare | Sequence | InSegment | Consent | And | Or | Not
_TYPES = {cls.__name__: cls for cls in (
    Compare, In, Contains, StartsWith, IsSet, TimeCompare, Sequence, InSegment, Consent, And, Or, Not,
    Trait, Aggregate, EventMoment, Window, Moment,
)}  # fmt: skip


def event_properties(node: Any) -> list[tuple[str, str]]:
    """The ``(event, property)`` pairs a condition reads, in order, each once."""
    found: dict[tuple[str, str], None] = {}
    if isinstance(node, tuple):
        for item in node:
            found.update(dict.fromkeys(event_properties(item)))
    elif isinstance(node, Aggregate | EventMoment):
        props = [key for key, _ in node.filters]
        if isinstance(node, Aggregate) and node.prop:
            props.insert(0, node.prop)
        found.update(dict.fromkeys((node.event, prop) for prop in props))
    elif type(node).__name__ in _TYPES:
        for item in fields(node):
            found.update(dict.fromkeys(event_properties(getattr(node, item.name))))
    return list(found)


def names_read(node: Any) -> tuple[set[str], set[str]]:
    """The trait (or computed column) names and the event names a condition reads.

    Lets a page say which segments rest on a survey's traits or its ``Survey Answered``
    events without evaluating anything.
    """
    traits: set[str] = set()
    events: set[str] = set()
    if isinstance(node, tuple):
        for item in node:
            found = names_read(item)
            traits |= found[0]
            events |= found[1]
    elif isinstance(node, Trait):
        traits.add(node.name)
    elif isinstance(node, Aggregate | EventMoment):
        events.add(node.event)
    elif isinstance(node, Sequence):
        events |= {node.first, node.second}
    elif type(node).__name__ in _TYPES:
        for item in fields(node):
            found = names_read(getattr(node, item.name))
            traits |= found[0]
            events |= found[1]
    return traits, events


def to_json(node: Any) -> Any:
    """The JSON tree of a node: ``{"node": "Compare", ...}``; times as ISO strings."""
    if isinstance(node, tuple):
        return [to_json(item) for item in node]
    if isinstance(node, timedelta):
        return {"seconds": node.total_seconds()}
    if isinstance(node, datetime):
        return node.isoformat()
    if type(node).__name__ not in _TYPES:
        return node
    tree: dict[str, Any] = {"node": type(node).__name__}
    for item in fields(node):
        if item.name != "pos":
            tree[item.name] = to_json(getattr(node, item.name))
    return tree


def from_json(tree: Any) -> Any:
    """The node of a JSON tree made by :func:`to_json`; ``ValueError`` naming what is wrong."""
    if isinstance(tree, list):
        return tuple(from_json(item) for item in tree)
    if not isinstance(tree, dict):
        return tree
    if set(tree) == {"seconds"}:
        return timedelta(seconds=float(tree["seconds"]))
    kind = tree.get("node")
    cls = _TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown node {kind!r} in condition tree; use one of {', '.join(_TYPES)}")
    known = {item.name for item in fields(cls)} - {"pos"}
    unknown = set(tree) - known - {"node"}
    if unknown:
        raise ValueError(f"node {kind} has no field(s) {', '.join(sorted(unknown))}")
    values = {name: _revive(name, from_json(value)) for name, value in tree.items() if name != "node"}
    return cls(**values)


def _revive(name: str, value: Any) -> Any:
    if name in ("start", "end", "at") and isinstance(value, str):
        return datetime.fromisoformat(value)
    if name == "filters" and isinstance(value, tuple):
        return tuple(tuple(pair) for pair in value)
    return value
