"""The text form of segment conditions, parsed with lark into :mod:`nodes`.

Errors carry the line and column and, where it helps, what was expected there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from persona360.clock import to_utc
from persona360.segments.errors import ConditionError
from persona360.segments.nodes import (
    AGGREGATES,
    MOMENTS,
    SEQUENCES,
    Aggregate,
    And,
    Compare,
    Consent,
    Contains,
    EventMoment,
    In,
    InSegment,
    IsSet,
    Moment,
    Node,
    Not,
    Or,
    Position,
    Scalar,
    Sequence,
    StartsWith,
    TimeCompare,
    Trait,
    Window,
)

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_OPS = {"==": "=", "<>": "!="}
FUNCTIONS = (*AGGREGATES, "did", *MOMENTS, *SEQUENCES, "in_segment", "consent", "trait")


@cache
def _parser() -> Lark:
    grammar = resources.files("persona360.segments").joinpath("grammar.lark").read_text()
    return Lark(
        grammar,
        parser="earley",
        propagate_positions=True,
        maybe_placeholders=False,
        start=["start", "call"],
    )


def parse_condition(text: str) -> Node:
    """Parse a condition in the text form.

    Raises:
        ConditionError: with the line, column and what was expected.

    Example:
        >>> parse_condition('orders_count >= 3 and city = "Kyiv"')  # doctest: +ELLIPSIS
        And(items=(Compare(operand=Trait(name='orders_count'), op='>=', value=3.0), ...))
    """
    if not text.strip():
        raise ConditionError("the condition is empty", 1, 1)
    try:
        tree = _parser().parse(text, start="start")
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    try:
        node: Node = _Build().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, ConditionError):
            raise error.orig_exc from None
        raise
    return node


def call_parts(text: str) -> tuple[str, list[Any], dict[str, Any], int, int]:
    """Parse one call, ``name(args...)``: (name, positional, keywords, line, column).

    Computed traits are written as calls; they share the condition language's lexer.
    """
    try:
        tree = _parser().parse(text, start="call")
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    build = _Build()
    name = str(tree.children[0]).lower()
    args = [build.transform(child) if isinstance(child, Tree) else child for child in tree.children[1:]]
    # a bare name is a property (revenue); the event must be quoted, as in conditions
    args = [arg.name if isinstance(arg, Trait) and n > 0 else arg for n, arg in enumerate(args)]
    positional = [arg for arg in args if not isinstance(arg, tuple)]
    keywords: dict[str, Any] = dict(arg for arg in args if isinstance(arg, tuple))
    return name, positional, keywords, 1, 1


def duration(text: str) -> timedelta:
    """``30m``, ``12h``, ``30d``, ``2w`` as a timedelta."""
    return timedelta(**{_UNITS[text[-1]]: float(text[:-1])})


def _syntax_error(text: str, error: UnexpectedInput) -> ConditionError:
    line, column = error.line, error.column
    if isinstance(error, UnexpectedEOF) or line in (-1, None):
        lines = text.splitlines() or [""]
        return ConditionError(
            "the condition ends too early (is a value or ')' missing?)",
            len(lines),
            len(lines[-1]) + 1,
        )
    found = (
        text.splitlines()[line - 1][column - 1 :].split()[0][:20]
        if isinstance(error, UnexpectedCharacters)
        else str(getattr(error, "token", ""))
    )
    expected = sorted(getattr(error, "allowed", set()) or getattr(error, "expected", set()))
    hint = _expected_words(expected)
    if found.isidentifier() and "STRING" in expected:
        hint += f' (text needs quotes: "{found}")'
    return ConditionError(f"unexpected {found!r}" + (f"; expected {hint}" if hint else ""), line, column)


def _expected_words(names: list[str]) -> str:
    words = {
        "CMP": "a comparison (= != < <= > >=)",
        "STRING": "a quoted string",
        "NUMBER": "a number",
        "DURATION": "a duration like 30d",
        "NAME": "a name",
        "RPAR": "')'",
        "LPAR": "'('",
        "COMMA": "','",
        "_AND": "and",
        "_OR": "or",
    }
    shown = [words.get(name, name.lstrip("_").lower()) for name in names]
    return ", ".join(dict.fromkeys(shown))


def _pos(meta: Any) -> Position:
    return Position(getattr(meta, "line", 0), getattr(meta, "column", 0))


@v_args(meta=True)
class _Build(Transformer[Token, Any]):
    """Tree -> nodes. Checks the shape of each call (arity, keyword names, durations)."""

    def or_(self, meta: Any, items: list[Node]) -> Node:
        return Or(tuple(_flatten(Or, items)))

    def and_(self, meta: Any, items: list[Node]) -> Node:
        return And(tuple(_flatten(And, items)))

    def not_(self, meta: Any, items: list[Node]) -> Node:
        return Not(items[0])

    def name(self, meta: Any, items: list[Token]) -> Trait:
        return Trait(str(items[0]), _pos(meta))

    def string(self, meta: Any, items: list[Token]) -> str:
        return str(items[0])[1:-1].replace('\\"', '"').replace("\\'", "'")

    def number(self, meta: Any, items: list[Token]) -> float:
        return float(items[0])

    def duration(self, meta: Any, items: list[Token]) -> timedelta:
        return duration(str(items[0]))

    def true(self, meta: Any, items: list[Token]) -> bool:
        return True

    def false(self, meta: Any, items: list[Token]) -> bool:
        return False

    def ago(self, meta: Any, items: list[Token]) -> Moment:
        return Moment(ago=duration(str(items[0])))

    def at(self, meta: Any, items: list[Token]) -> Moment:
        return Moment(at=_time(str(items[0])[1:-1], _pos(meta)))

    def now(self, meta: Any, items: list[Token]) -> Moment:
        return Moment()

    def kwarg(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        key = str(items[0])
        return (key, tuple(items[1:]) if len(items) > 2 else items[1])

    def call(self, meta: Any, items: list[Any]) -> Any:
        return _call(str(items[0]), items[1:], _pos(meta))

    def bool_call(self, meta: Any, items: list[Any]) -> Node:
        node = items[0]
        if isinstance(node, Sequence | InSegment | Consent):
            return node
        if isinstance(node, Aggregate) and node.func == "count":
            return Compare(node, ">=", 1.0)  # did("X") alone means at least once
        raise ConditionError(
            f"{getattr(node, 'func', 'this call')}(...) gives a value, not yes/no: compare it, e.g. >= 1",
            node.pos.line,
            node.pos.column,
        )

    def compare(self, meta: Any, items: list[Any]) -> Node:
        operand, op, value = items
        if isinstance(value, timedelta):
            raise ConditionError("a duration compares only with 'within' or 'before ... ago'", meta.line, meta.column)
        return Compare(_operand(operand), _OPS.get(str(op), str(op)), value)  # type: ignore[arg-type]

    def in_(self, meta: Any, items: list[Any]) -> Node:
        return In(_trait(items[0], "in"), tuple(items[1:]))

    def contains(self, meta: Any, items: list[Any]) -> Node:
        return Contains(_trait(items[0], "contains"), str(items[1]))

    def starts(self, meta: Any, items: list[Any]) -> Node:
        return StartsWith(_trait(items[0], "starts with"), str(items[1]))

    def is_set(self, meta: Any, items: list[Any]) -> Node:
        return IsSet(_trait(items[0], "is set"))

    def not_set(self, meta: Any, items: list[Any]) -> Node:
        return IsSet(_trait(items[0], "is not set"), negated=True)

    def before(self, meta: Any, items: list[Any]) -> Node:
        return TimeCompare(_timed(items[0]), "before", items[1])

    def after(self, meta: Any, items: list[Any]) -> Node:
        return TimeCompare(_timed(items[0]), "after", items[1])

    def within(self, meta: Any, items: list[Any]) -> Node:
        return TimeCompare(_timed(items[0]), "within", Moment(ago=duration(str(items[1]))))


def _flatten(kind: type, items: list[Node]) -> list[Node]:
    flat: list[Node] = []
    for item in items:
        inner = getattr(item, "items", None) if isinstance(item, kind) else None
        flat.extend(inner if inner is not None else [item])
    return flat


def _operand(node: Any) -> Trait | Aggregate | EventMoment:
    if isinstance(node, Trait | Aggregate | EventMoment):
        return node
    pos = getattr(node, "pos", Position())
    raise ConditionError("this call is yes/no and cannot be compared", pos.line, pos.column)


def _trait(node: Any, what: str) -> Trait:
    if isinstance(node, Trait):
        return node
    pos = getattr(node, "pos", Position())
    raise ConditionError(f"'{what}' applies to traits, not to a function call", pos.line, pos.column)


def _timed(node: Any) -> Trait | EventMoment:
    if isinstance(node, Trait | EventMoment):
        return node
    pos = getattr(node, "pos", Position())
    raise ConditionError(
        "'before', 'after' and 'within' apply to a time: a trait or first(...)/last(...)",
        pos.line,
        pos.column,
    )


def _time(text: str, pos: Position) -> datetime:
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        raise ConditionError(f'{text!r} is not a date or time like "2026-01-31"', pos.line, pos.column) from None


def _call(name: str, args: list[Any], pos: Position) -> Any:
    name = name.lower()
    positional = [arg for arg in args if not isinstance(arg, tuple)]
    keywords: dict[str, Any] = dict(arg for arg in args if isinstance(arg, tuple))
    if name == "did":
        name = "count"
    if name in AGGREGATES:
        return _aggregate(name, positional, keywords, pos)
    if name in MOMENTS:
        event = _event_name(positional, name, pos)
        return EventMoment(name, event, _filters(keywords, {"within", "between"}, name, pos), pos)
    if name in SEQUENCES:
        return _sequence(name, positional, keywords, pos)
    if name == "in_segment" and len(positional) == 1 and isinstance(positional[0], str):
        return InSegment(positional[0], pos)
    if name == "consent":
        return _consent(positional, keywords, pos)
    if name == "trait" and len(positional) == 1 and isinstance(positional[0], str):
        return Trait(positional[0], pos, explicit=True)
    from difflib import get_close_matches  # noqa: PLC0415

    close = get_close_matches(name, FUNCTIONS, n=1)
    hint = f"; did you mean {close[0]}(...)?" if close else f"; functions: {', '.join(FUNCTIONS)}"
    raise ConditionError(f"unknown function or wrong arguments: {name}(...)" + hint, pos.line, pos.column)


def _aggregate(name: str, positional: list[Any], keywords: dict[str, Any], pos: Position) -> Aggregate:
    event = _event_name(positional, name, pos)
    prop = None
    if name != "count":
        if len(positional) < 2 or not isinstance(positional[1], Trait | str):
            raise ConditionError(
                f'{name}() needs an event and a property: {name}("Order Completed", revenue)',
                pos.line,
                pos.column,
            )
        prop = positional[1].name if isinstance(positional[1], Trait) else positional[1]
    window = _window(keywords, pos)
    return Aggregate(name, event, prop, _filters(keywords, {"within", "between"}, name, pos), window, pos)


def _sequence(name: str, positional: list[Any], keywords: dict[str, Any], pos: Position) -> Sequence:
    if len(positional) != 2 or not all(isinstance(p, str) for p in positional):
        raise ConditionError(
            f'{name}() needs two event names: {name}("Product Added", "Order Completed", within = 30m)',
            pos.line,
            pos.column,
        )
    within = keywords.pop("within", None)
    if keywords or (within is not None and not isinstance(within, timedelta)):
        raise ConditionError(f"{name}() takes only within = DURATION", pos.line, pos.column)
    if name == "then_not" and within is None:
        raise ConditionError(
            "then_not() needs within = DURATION (how long to wait for the second event)",
            pos.line,
            pos.column,
        )
    return Sequence(name, positional[0], positional[1], within, pos)


def _consent(positional: list[Any], keywords: dict[str, Any], pos: Position) -> Consent:
    """``consent(PURPOSE [, CHANNEL])``; the names are checked by the compiler."""
    if keywords or not 1 <= len(positional) <= 2 or not all(isinstance(p, str) for p in positional):
        raise ConditionError(
            'consent() takes a purpose and an optional channel, quoted: consent("marketing", "email")',
            pos.line,
            pos.column,
        )
    return Consent(positional[0], positional[1] if len(positional) == 2 else None, pos)


def _event_name(positional: list[Any], name: str, pos: Position) -> str:
    if not positional or not isinstance(positional[0], str):
        raise ConditionError(
            f'{name}() needs an event name first, e.g. {name}("Order Completed")',
            pos.line,
            pos.column,
        )
    return str(positional[0])


def _window(keywords: dict[str, Any], pos: Position) -> Window:
    within, between = keywords.get("within"), keywords.get("between")
    if within is not None and between is not None:
        raise ConditionError("give either within = ... or between = (...), not both", pos.line, pos.column)
    if within is not None:
        if not isinstance(within, timedelta):
            raise ConditionError("within takes a duration such as 30m, 12h, 30d or 2w", pos.line, pos.column)
        return Window(last=within)
    if between is not None:
        if not (isinstance(between, tuple) and len(between) == 2 and all(isinstance(b, str) for b in between)):
            raise ConditionError(
                'between takes two dates: between = ("2026-01-01", "2026-02-01")',
                pos.line,
                pos.column,
            )
        start, end = (_time(b, pos) for b in between)
        if end <= start:
            raise ConditionError("between: the second date must come after the first", pos.line, pos.column)
        return Window(start=start, end=end)
    return Window()


def _filters(keywords: dict[str, Any], reserved: set[str], name: str, pos: Position) -> tuple[tuple[str, Scalar], ...]:
    filters = []
    for key, value in sorted(keywords.items()):
        if key in reserved:
            continue
        if isinstance(value, tuple | timedelta):
            raise ConditionError(f"{name}(): property filter {key} takes a single value", pos.line, pos.column)
        filters.append((key, value))
    return tuple(filters)
