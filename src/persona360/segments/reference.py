"""A plain-Python evaluator of conditions, the yardstick for every SQL engine.

It reads the same five relations as the compiled SQL (``seg_profiles``, ``seg_traits``,
``seg_events``, ``seg_members``, ``seg_consent``; see :mod:`persona360.segments.compile`)
as lists of dicts and walks the nodes directly, with no SQL, so that a test can check that DuckDB
and Spark agree with the meaning written down here, not merely with each other.

The meaning, one atom at a time (an atom with nothing to look at is false, so ``not``
of it is true: the SQL's ``COALESCE(atom, FALSE)``):

- a profile column compares as a number; a missing value matches nothing;
- a trait matches only when it is set: text compares as text, a number with the
  trait's numeric value, ``true``/``false`` with the text ``"true"``/``"false"``;
- ``contains`` is a substring test on a trait and membership on a list column;
- a window keeps events with ``now - W <= ts <= now`` (``between``: ``start <= ts <=
  min(end, now)``); events after ``now`` never count;
- ``count`` and ``sum`` of nothing are 0; ``avg``, ``min`` and ``max`` of nothing match
  nothing; a property that is not a number is left out of ``sum``/``avg``/``min``/``max``;
- ``then(A, B, within)``: some B strictly after some A, no later than ``now`` (and no
  more than ``within`` after that A);
- ``then_not(A, B, within)``: the last A up to ``now`` has had its ``within`` run out
  and no B came in ``[A, A + within]`` (``>=``: a B stamped the same instant answers A);
- ``first``/``last``: the earliest/latest matching event up to ``now``;
- ``consent(P, C)``: among the decisions for purpose P on channel C or on every
  channel (only every channel when C is not given) that have not expired by ``now``
  (``expires_at > now``), the newest by ``changed_at`` then ``seq`` decides; with none,
  whether P is among the workspace's default-allowed purposes (``ws.privacy.may``);
- a time stored in a trait is read as ISO 8601 (``2026-02-19``, ``2026-02-19T19:07:58Z``,
  with an optional offset, taken to UTC); other text is no time and matches nothing.
"""

from __future__ import annotations

import json
import operator
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from persona360.segments.catalogue import column_kind
from persona360.segments.compile import epoch_us
from persona360.segments.nodes import (
    Aggregate,
    And,
    Compare,
    Consent,
    Contains,
    EventMoment,
    In,
    InSegment,
    IsSet,
    Node,
    Not,
    Or,
    Scalar,
    Sequence,
    StartsWith,
    TimeCompare,
    Trait,
    Window,
)

if TYPE_CHECKING:
    from persona360.segments.computed import ComputedSpec
    from persona360.store.database import Database

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?")


@dataclass(frozen=True)
class Event:
    event: str
    ts: int
    properties: dict[str, Any]
    seq: int = 0  # commit order: breaks ties between events of one timestamp


@dataclass
class Relations:
    """The five segment relations, indexed for evaluation.

    Args:
        profiles: ``seg_profiles`` rows.
        traits: ``seg_traits`` rows.
        events: ``seg_events`` rows (``properties`` as JSON text).
        members: ``seg_members`` rows.
        consent: ``seg_consent`` rows.
        consent_allowed: purposes allowed with no live decision (the workspace setting).
    """

    profiles: list[dict[str, Any]]
    traits: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    consent: list[dict[str, Any]] = field(default_factory=list)
    consent_allowed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.by_profile = {int(row["profile_id"]): row for row in self.profiles}
        self.trait_of: dict[tuple[int, str], dict[str, Any]] = {
            (int(row["profile_id"]), row["name"]): row for row in self.traits
        }
        self.events_of: dict[int, list[Event]] = defaultdict(list)
        for row in sorted(self.events, key=lambda r: (r["ts"], r.get("seq") or 0)):
            props = json.loads(row["properties"]) if row["properties"] else {}
            event = Event(row["event"], row["ts"], props, row.get("seq") or 0)
            self.events_of[int(row["profile_id"])].append(event)
        self.consent_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in self.consent:
            self.consent_of[int(row["profile_id"])].append(row)
        self.segment: dict[str, set[int]] = defaultdict(set)
        for row in self.members:
            self.segment[row["segment"]].add(int(row["profile_id"]))


def read_relations(db: Database, consent_allowed: Iterable[str] = ()) -> Relations:
    """The five segment relations of a workspace, read through its database.

    Args:
        db: the workspace's database.
        consent_allowed: the workspace's ``consent_default_allow`` setting.
    """
    profiles, traits, events, members, consent = (db.query_dicts(f"SELECT * FROM {name}") for name in (
        "seg_profiles", "seg_traits", "seg_events", "seg_members", "seg_consent"))  # fmt: skip
    return Relations(profiles, traits, events, members, consent, consent_allowed=frozenset(consent_allowed))


def evaluate_reference(node: Node, relations: Relations, now: datetime) -> set[int]:
    """The profiles matching ``node`` as of ``now``, by the rules in this module's docstring.

    Example:
        >>> from datetime import UTC, datetime
        >>> from persona360.segments.parse import parse_condition
        >>> data = Relations([{"profile_id": 1, "orders_count": 3}, {"profile_id": 2}])
        >>> evaluate_reference(parse_condition("not orders_count >= 2"), data,
        ...                    datetime(2026, 1, 1, tzinfo=UTC))
        {2}
    """
    judge = _Judge(relations, now)
    return {pid for pid in relations.by_profile if judge.matches(node, pid)}


class _Judge:
    def __init__(self, data: Relations, now: datetime) -> None:
        self.data = data
        self.now_time = now
        self.now = epoch_us(now)

    def matches(self, node: Node, pid: int) -> bool:
        if isinstance(node, And):
            return all(self.matches(item, pid) for item in node.items)
        if isinstance(node, Or):
            return any(self.matches(item, pid) for item in node.items)
        if isinstance(node, Not):
            return not self.matches(node.item, pid)
        method: Callable[[Any, int], bool] = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node, pid)

    # -- traits and columns ---------------------------------------------------
    def _compare(self, node: Compare, pid: int) -> bool:
        if isinstance(node.operand, Aggregate):
            return _test(node.op, self._measure(node.operand, pid), node.value)
        if not isinstance(node.operand, Trait):
            raise ValueError(f"{node.operand.func}() is a time: use before, after or within")
        name = node.operand.name
        if column_kind(node.operand) is not None:
            return _test(node.op, self._column(name, pid), node.value)
        row = self.data.trait_of.get((pid, name))
        if row is None:
            return False
        if isinstance(node.value, bool):
            return _test(node.op, row["value_text"], _as_text(node.value))
        if isinstance(node.value, float):
            return _test(node.op, row["value_num"], node.value)
        return _test(node.op, row["value_text"], node.value)

    def _in(self, node: In, pid: int) -> bool:
        name = node.operand.name
        if column_kind(node.operand) is not None:
            return self._column(name, pid) in node.values
        row = self.data.trait_of.get((pid, name))
        if row is None:
            return False
        if all(isinstance(v, float) and not isinstance(v, bool) for v in node.values):
            return row["value_num"] in node.values
        return row["value_text"] in {_as_text(v) for v in node.values}

    def _contains(self, node: Contains, pid: int) -> bool:
        name = node.operand.name
        if column_kind(node.operand) == "list":
            return node.value in (self._column(name, pid) or ())
        row = self.data.trait_of.get((pid, name))
        return row is not None and row["value_text"] is not None and node.value in row["value_text"]

    def _startswith(self, node: StartsWith, pid: int) -> bool:
        row = self.data.trait_of.get((pid, node.operand.name))
        return row is not None and str(row["value_text"]).startswith(node.value)

    def _isset(self, node: IsSet, pid: int) -> bool:
        name = node.operand.name
        in_column = column_kind(node.operand) is not None
        present = self._column(name, pid) is not None if in_column else (pid, name) in self.data.trait_of
        return present != node.negated

    def _timecompare(self, node: TimeCompare, pid: int) -> bool:
        bound_time = node.moment.resolve(self.now_time)
        operand = node.operand
        if isinstance(operand, EventMoment):
            times = [e.ts for e in self._events(pid, operand.event, operand.filters, Window())]
            value = (min if operand.func == "first" else max)(times) if times else None
            return _time_test(node.op, value, epoch_us(bound_time), self.now)
        if column_kind(operand) is not None:
            return _time_test(node.op, self._column(operand.name, pid), epoch_us(bound_time), self.now)
        row = self.data.trait_of.get((pid, operand.name))
        as_time = parse_time(row["value_text"]) if row else None
        return _time_test(node.op, as_time, _naive(bound_time), _naive(self.now_time))

    def _column(self, name: str, pid: int) -> Any:
        return self.data.by_profile[pid].get(name)

    # -- events ---------------------------------------------------------------
    def _measure(self, node: Aggregate, pid: int) -> float | None:
        events = self._events(pid, node.event, node.filters, node.window)
        if node.func == "count":
            return float(len(events))
        numbers = [n for n in (_number(_json_text(e.properties, str(node.prop))) for e in events) if n is not None]
        if node.func == "sum":
            return sum(numbers, 0.0)
        if not numbers:
            return None
        if node.func == "avg":
            return sum(numbers) / len(numbers)
        return (min if node.func == "min" else max)(numbers)

    def _events(self, pid: int, event: str, filters: Iterable[tuple[str, Scalar]], window: Window) -> list[Event]:
        start, end = window.bounds(self.now_time)
        low = epoch_us(start) if start is not None else None
        high = epoch_us(end)
        return [
            e
            for e in self.data.events_of.get(pid, ())
            if e.event == event
            and e.ts <= high
            and (low is None or e.ts >= low)
            and all(_filter_matches(e.properties, key, value) for key, value in filters)
        ]

    def _sequence(self, node: Sequence, pid: int) -> bool:
        events = self.data.events_of.get(pid, ())
        firsts = [e.ts for e in events if e.event == node.first]
        seconds = [e.ts for e in events if e.event == node.second]
        if node.kind == "then":
            within = _micros(node.within)
            return any(
                _any_in(
                    seconds,
                    a,
                    min(self.now, a + within) if within is not None else self.now,
                    strict_low=True,
                )
                for a in firsts
            )
        last = max((a for a in firsts if a <= self.now), default=None)
        if last is None:
            return False
        deadline = last + (_micros(node.within) or 0)
        return deadline <= self.now and not _any_in(seconds, last, deadline, strict_low=False)

    def _insegment(self, node: InSegment, pid: int) -> bool:
        return pid in self.data.segment.get(node.segment, set())

    def _consent(self, node: Consent, pid: int) -> bool:
        live = [
            row
            for row in self.data.consent_of.get(pid, ())
            if row["purpose"] == node.purpose
            and (row["channel"] is None or (node.channel is not None and row["channel"] == node.channel))
            and (row["expires_at"] is None or row["expires_at"] > self.now)
        ]
        if not live:
            return node.purpose in self.data.consent_allowed
        return bool(max(live, key=lambda row: (row["changed_at"], row["seq"]))["granted"])


def computed_reference(spec: ComputedSpec, relations: Relations, now: datetime) -> dict[int, str]:
    """The value of a ``first``/``last``/``most_frequent``/``most_frequent_hour`` computed trait.

    The functions where ties matter: ``first``/``last`` take the earliest/latest event
    by (``ts``, ``seq``) among those with the property; ``most_frequent`` takes the
    most frequent value, a tie going to the value whose newest event is newest (by
    ``ts``, then ``seq``); hours are of UTC. Events after ``now`` or before the window
    are left out.

    Raises:
        ValueError: another function (the others are plain aggregates).
    """
    if spec.func not in ("first", "last", "most_frequent", "most_frequent_hour"):
        raise ValueError(f"the reference computes first, last and most_frequent(_hour), not {spec.func}")
    window = Window(last=spec.within)
    judge = _Judge(relations, now)
    values = {}
    for pid in relations.by_profile:
        events = [
            (e.ts, e.seq, value)
            for e in judge._events(pid, spec.event, (), window)
            if (value := _value_of(spec, e)) is not None
        ]
        if events:
            values[pid] = _pick(spec.func, events)
    return values


def _value_of(spec: ComputedSpec, event: Event) -> str | None:
    if spec.func == "most_frequent_hour":
        return str(event.ts // 3_600_000_000 % 24)
    return _json_text(event.properties, str(spec.prop))


def _pick(func: str, events: list[tuple[int, int, str]]) -> str:
    if func == "first":
        return min(events)[2]
    if func == "last":
        return max(events)[2]
    counts: dict[str, tuple[int, int, int]] = {}
    for ts, seq, value in events:
        n, last_ts, last_seq = counts.get(value, (0, ts, seq))
        counts[value] = (n + 1, max(last_ts, ts), max(last_seq, seq))
    return max(counts, key=lambda value: counts[value])


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 date or time as naive UTC, or ``None`` when ``text`` is not one.

    Example:
        >>> parse_time("2026-02-19T21:07:58+02:00")
        datetime.datetime(2026, 2, 19, 19, 7, 58)
        >>> parse_time("37") is None
        True
    """
    if text is None or not _ISO.fullmatch(text.strip()):
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return _naive(moment)


def _naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _test(op: str, value: Any, expected: Any) -> bool:
    return value is not None and bool(_OPS[op](value, expected))


def _time_test(op: str, value: Any, bound: Any, now: Any) -> bool:
    if value is None:
        return False
    if op == "before":
        return bool(value < bound)
    if op == "after":
        return bool(value > bound)
    return bool(bound <= value <= now)


def _any_in(sorted_times: list[int], low: int, high: int, *, strict_low: bool) -> bool:
    """Whether some time lies in ``(low, high]`` (``strict_low``) or ``[low, high]``."""
    start = (bisect_right if strict_low else bisect_left)(sorted_times, low)
    return start < len(sorted_times) and sorted_times[start] <= high


def _micros(delta: Any) -> int | None:
    return None if delta is None else int(delta.total_seconds() * 1_000_000)


def _as_text(value: Scalar) -> str:
    """A scalar as the text a trait or property holds: ``true``, ``38``, ``38.5``, ``Kyiv``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_text(properties: dict[str, Any], path: str) -> str | None:
    """``properties ->> '$.a.b'``: the scalar as text, an object or list as JSON."""
    value: Any = properties
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return repr(value)


def _number(text: str | None) -> float | None:
    """``TRY_CAST(text AS DOUBLE)``."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _filter_matches(properties: dict[str, Any], key: str, value: Scalar) -> bool:
    text = _json_text(properties, key)
    if isinstance(value, float) and not isinstance(value, bool):
        return _number(text) == value
    return text is not None and text == _as_text(value)
