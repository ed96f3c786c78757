"""Compile a condition to one SQL query, built with SQLGlot, for any engine.

The query reads five relations that every engine provides under the same names:

- ``seg_profiles(profile_id, <computed columns>)`` with times as epoch microseconds,
- ``seg_traits(profile_id, name, value_text, value_num)``,
- ``seg_events(profile_id, type, event, ts, properties, seq, happened_at)`` (``ts`` in epoch
  microseconds, ``properties`` as JSON text, ``happened_at`` the stored time: windowed sources
  also filter on it, so the scan can skip row groups by time),
- ``seg_members(segment, profile_id)`` (current members of saved segments),
- ``seg_consent(profile_id, purpose, channel, granted, changed_at, expires_at, seq)``
  (every consent decision; times in epoch microseconds).

Each condition that needs events, traits or consent becomes a CTE keyed by ``profile_id``,
LEFT JOINed to ``seg_profiles``; the WHERE clause combines them with and/or/not.
Every atom is wrapped in ``COALESCE(..., FALSE)`` so that ``not`` of a missing value
is true, as a marketer reads it. "Now" is a literal, so the clock stays injectable.
Engine differences (JSON access, array functions) are left to SQLGlot's dialects.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlglot import exp

from persona360.clock import to_utc
from persona360.privacy import CHANNELS, PURPOSES
from persona360.segments.catalogue import MONEY_COLUMNS, Catalogue, column_kind
from persona360.segments.errors import ConditionError
from persona360.segments.measures import NEVER, EventMeasures, filtered
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
    Position,
    Scalar,
    Sequence,
    StartsWith,
    TimeCompare,
    Trait,
    Window,
)

SCOPE_TABLE = "__p360__scope"
_OPS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE,
}  # fmt: skip


def epoch_us(moment: datetime) -> int:
    """A time as epoch microseconds, the unit of every time in the segment relations."""
    return int(moment.timestamp() * 1_000_000)


def compile_condition(
    node: Node,
    catalogue: Catalogue,
    now: datetime,
    *,
    scoped: bool = False,
    measures: EventMeasures | None = None,
) -> exp.Select:
    """The query selecting the ``profile_id`` of every profile matching ``node``.

    Args:
        node: the parsed condition.
        catalogue: names the workspace knows (unknown ones raise ConditionError).
        now: the evaluation time.
        scoped: restrict every relation to the profiles in ``__p360__scope``
            (the profiles a micro-batch touched).
        measures: event measures shared with other queries (their sources are
            temporary tables filled beforehand, see ``segments.measures``); by
            default the query computes its own as CTEs.
    """
    return _Compiler(catalogue, now, scoped, measures).query(node)


class _Compiler:
    def __init__(self, catalogue: Catalogue, now: datetime, scoped: bool, measures: EventMeasures | None) -> None:
        self.catalogue = catalogue
        self.now = epoch_us(now)
        self.now_time = now
        self.scoped = scoped
        self.ctes: list[tuple[str, exp.Select]] = []
        self.own_measures = measures is None
        self.measures = measures or EventMeasures()
        self.joined: dict[str, None] = {}
        self.currency_named = False  # inside an ``and`` that holds ``currency = "X"``

    def query(self, node: Node) -> exp.Select:
        condition = self.visit(node)
        select = exp.select(exp.column("profile_id", "p")).from_(exp.to_table("seg_profiles").as_("p"))
        if self.own_measures:
            for source in self.measures.sources.values():
                scope = in_scope(exp.column("profile_id")) if self.scoped else None
                select = select.with_(source.name, as_=source.select(scope))
        for name, cte in self.ctes:
            select = select.with_(name, as_=cte)
        for name in [name for name, _ in self.ctes] + list(self.joined):
            on = exp.EQ(this=exp.column("profile_id", name), expression=exp.column("profile_id", "p"))
            select = select.join(exp.to_table(name), on=on, join_type="left")
        if self.scoped:
            condition = exp.and_(condition, in_scope(exp.column("profile_id", "p")))
        return select.where(condition).order_by(exp.column("profile_id", "p"))

    # -- dispatch -------------------------------------------------------------
    def visit(self, node: Node) -> exp.Expr:
        if isinstance(node, And):
            named, self.currency_named = (
                self.currency_named,
                self.currency_named or any(map(_names_currency, node.items)),
            )
            try:
                return exp.and_(*(self.visit(item) for item in node.items))
            finally:
                self.currency_named = named
        if isinstance(node, Or):
            return exp.or_(*(self.visit(item) for item in node.items))
        if isinstance(node, Not):
            return exp.not_(exp.paren(self.visit(node.item)))
        method = getattr(self, f"_{type(node).__name__.lower()}")
        atom: exp.Expr = method(node)
        return exp.func("COALESCE", atom, exp.false())

    # -- traits and computed columns -------------------------------------------
    def _compare(self, node: Compare) -> exp.Expr:
        if isinstance(node.operand, Aggregate):
            return self._aggregate(node.operand, node.op, node.value)
        if isinstance(node.operand, EventMoment):
            raise _error(node.operand.pos, f"{node.operand.func}() is a time: use before, after or within")
        trait, kind = node.operand, self._kind(node.operand)
        op = _OPS[node.op]
        if kind == "number":
            self._money(trait)
            return op(this=exp.column(trait.name, "p"), expression=self._number(node.value, trait))
        if kind == "text":
            if node.op not in ("=", "!=") or not isinstance(node.value, str):
                raise _error(
                    trait.pos, f'{trait.name} is text: compare it with = or != and a quoted value, e.g. = "UAH"'
                )
            return op(this=exp.column(trait.name, "p"), expression=_text(node.value))
        if kind in ("time", "list"):
            hint = "before, after or within" if kind == "time" else "contains"
            raise _error(trait.pos, f"{trait.name} is a {kind}: use {hint}")
        return self._trait_cte(trait, _value_test(op, node.value))

    def _in(self, node: In) -> exp.Expr:
        kind = self._kind(node.operand)
        if kind == "number":
            self._money(node.operand)
            numbers = [self._number(value, node.operand) for value in node.values]
            return exp.In(this=exp.column(node.operand.name, "p"), expressions=numbers)
        if kind == "text":
            if not all(isinstance(value, str) for value in node.values):
                raise _error(node.operand.pos, f"{node.operand.name} is text: list quoted values")
            return exp.In(this=exp.column(node.operand.name, "p"), expressions=[_text(v) for v in node.values])
        if kind != "trait":
            raise _error(node.operand.pos, f"{node.operand.name} is a {kind}: 'in' needs a trait or number")
        floats = [v for v in node.values if isinstance(v, float) and not isinstance(v, bool)]
        if len(floats) == len(node.values):
            test = exp.In(this=exp.column("value_num"), expressions=[_literal(v) for v in floats])
        else:
            test = exp.In(this=exp.column("value_text"), expressions=[_text(v) for v in node.values])
        return self._trait_cte(node.operand, test)

    def _contains(self, node: Contains) -> exp.Expr:
        kind = self._kind(node.operand)
        if kind == "list":
            return exp.ArrayContains(this=exp.column(node.operand.name, "p"), expression=_text(node.value))
        if kind == "text":
            raise _error(node.operand.pos, f'{node.operand.name} is a code: compare it with =, e.g. = "UAH"')
        if kind != "trait":
            raise _error(
                node.operand.pos,
                f"{node.operand.name} is a {kind}: 'contains' needs text or a list",
            )
        found = exp.StrPosition(this=exp.column("value_text"), substr=_text(node.value))
        return self._trait_cte(node.operand, exp.GT(this=found, expression=exp.Literal.number(0)))

    def _startswith(self, node: StartsWith) -> exp.Expr:
        if self._kind(node.operand) == "text":
            raise _error(node.operand.pos, f'{node.operand.name} is a code: compare it with =, e.g. = "UAH"')
        if self._kind(node.operand) != "trait":
            raise _error(node.operand.pos, f"{node.operand.name} is not text: 'starts with' needs a trait")
        head = exp.Substring(
            this=exp.column("value_text"),
            start=exp.Literal.number(1),
            length=exp.Literal.number(len(node.value)),
        )
        return self._trait_cte(node.operand, exp.EQ(this=head, expression=_text(node.value)))

    def _isset(self, node: IsSet) -> exp.Expr:
        kind = self._kind(node.operand)
        if kind == "trait":
            present = self._trait_cte(node.operand, exp.true())
        else:
            present = exp.not_(exp.Is(this=exp.column(node.operand.name, "p"), expression=exp.null()))
        return exp.not_(present) if node.negated else present

    def _timecompare(self, node: TimeCompare) -> exp.Expr:
        operand = node.operand
        if isinstance(operand, EventMoment):
            value = self._moment_cte(operand)
            bound = exp.Literal.number(epoch_us(node.moment.resolve(self.now_time)))
            return _time_test(node.op, value, bound, exp.Literal.number(self.now))
        kind = self._kind(operand)
        if kind == "time":
            bound = exp.Literal.number(epoch_us(node.moment.resolve(self.now_time)))
            return _time_test(node.op, exp.column(operand.name, "p"), bound, exp.Literal.number(self.now))
        if kind != "trait":
            raise _error(operand.pos, f"{operand.name} is a {kind}, not a time")
        as_time = exp.TryCast(this=exp.column("value_text"), to=exp.DataType.build("TIMESTAMPTZ"), safe=True)
        bound_time = _timestamp(node.moment.resolve(self.now_time))
        return self._trait_cte(operand, _time_test(node.op, as_time, bound_time, _timestamp(self.now_time)))

    def _money(self, trait: Trait) -> None:
        """Refuse to compare amounts of different currencies.

        ``revenue`` and ``avg_order_value`` are in each profile's ``currency``. With one
        currency among the profiles (one sold in, or all converted by the user's rates),
        any comparison is sound; with several, ``revenue > 1000`` would put 1,000 UAH and
        1,000 USD on one scale, so the condition must name the currency it compares in.
        Saved segments are not checked again (a permissive catalogue knows no currencies).
        """
        if (
            trait.explicit
            or trait.name not in MONEY_COLUMNS
            or self.currency_named
            or len(self.catalogue.currencies) <= 1
        ):
            return
        listed = ", ".join(sorted(self.catalogue.currencies))
        first = sorted(self.catalogue.currencies)[0]
        raise _error(
            trait.pos,
            f"{trait.name} is an amount, and profiles' revenue here is in {len(self.catalogue.currencies)} "
            f'currencies ({listed}): name the one to compare in, e.g. currency = "{first}" and {trait.name} > 100, '
            "or set a reporting currency and its rates to convert them into one "
            "(persona360 settings set reporting_currency / exchange_rates)",
        )

    def _kind(self, trait: Trait) -> str:
        kind = self.catalogue.kind_of(trait)
        if kind is None:
            raise _error(trait.pos, f"unknown trait {trait.name!r}" + self.catalogue.suggest_trait(trait))
        return kind

    def _number(self, value: Scalar, trait: Trait) -> exp.Expr:
        if isinstance(value, bool) or not isinstance(value, float):
            raise _error(trait.pos, f"{trait.name} is a number: compare it with a number, not {value!r}")
        return _literal(value)

    def _trait_cte(self, trait: Trait, test: exp.Expr) -> exp.Expr:
        name = f"t{len(self.ctes) + 1}"
        where = exp.and_(exp.EQ(this=exp.column("name"), expression=_text(trait.name)), test)
        self._add(name, exp.select("profile_id").from_(self.measures.traits_relation(trait.name)).where(where))
        return exp.not_(exp.Is(this=exp.column("profile_id", name), expression=exp.null()))

    # -- events ---------------------------------------------------------------
    def _aggregate(self, node: Aggregate, op: str, value: Scalar) -> exp.Expr:
        if isinstance(value, bool) or not isinstance(value, float):
            raise _error(node.pos, f"{node.func}() is a number: compare it with a number, not {value!r}")
        self._check_event(node.event, node.pos)
        measure: exp.Expr
        if node.func == "count":
            measure = exp.Count(this=exp.Star())
        else:
            prop = _number_prop(str(node.prop))
            measure = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}[node.func](this=prop)
        where = self._event_filter(node.event, node.filters, node.window)
        start = node.window.bounds(self.now_time)[0]
        since = None if start is None else epoch_us(start)
        column: exp.Expr = self._measure([node.event], filtered(measure, where), since=since)
        if node.func in ("count", "sum"):
            column = exp.func("COALESCE", column, exp.Literal.number(0))
        return _OPS[op](this=column, expression=_literal(value))

    def _moment_cte(self, node: EventMoment) -> exp.Expr:
        self._check_event(node.event, node.pos)
        measure = (exp.Min if node.func == "first" else exp.Max)(this=exp.column("ts"))
        return self._measure([node.event], filtered(measure, self._event_filter(node.event, node.filters, Window())))

    def _sequence(self, node: Sequence) -> exp.Expr:
        self._check_event(node.first, node.pos)
        self._check_event(node.second, node.pos)
        if node.kind != "then":
            return self._then_not(node, _micros(node.within or timedelta(0)))
        second = exp.and_(_is_event(node.second), self._until_now())
        if node.within is None:
            first = self._measure([node.first], filtered(exp.Min(this=exp.column("ts")), _is_event(node.first)))
            last = self._measure([node.second], filtered(exp.Max(this=exp.column("ts")), second))
            return exp.LT(this=first, expression=last)
        # the newest A strictly before each B: is the nearest one close enough?
        gap = exp.Min(this=exp.Sub(this=exp.column("ts"), expression=exp.column("prev_a")))
        pair = (node.first, node.second)
        column = self._measure(list(pair), filtered(gap, second), pair)
        return exp.LTE(this=column, expression=exp.Literal.number(_micros(node.within)))

    def _then_not(self, node: Sequence, within: int) -> exp.Expr:
        """The last A (up to now), and the first B at or after it (``next_b`` on that row).

        ``next_b`` never decreases along a profile's A rows, so its max over them is its
        value on the last A; "no B" is ``NEVER`` so that max still lands there.
        """
        pair = (node.first, node.second)
        first = exp.and_(_is_event(node.first), self._until_now())
        last = self._measure(list(pair), filtered(exp.Max(this=exp.column("ts")), first), pair)
        next_b = exp.Max(this=exp.func("COALESCE", exp.column("next_b"), exp.Literal.number(NEVER)))
        answer = self._measure(list(pair), filtered(next_b, first.copy()), pair)
        deadline = exp.Add(this=last, expression=exp.Literal.number(within))
        return exp.and_(
            exp.LTE(this=deadline, expression=exp.Literal.number(self.now)),
            exp.GT(this=answer, expression=deadline.copy()),
        )

    def _measure(
        self, events: list[str], measure: exp.Expr, pair: tuple[str, str] | None = None, since: int | None = None
    ) -> exp.Column:
        column = self.measures.measure(events, measure, pair, since)
        self.joined.setdefault(column.table, None)
        return column

    def _until_now(self) -> exp.Expr:
        return exp.LTE(this=exp.column("ts"), expression=exp.Literal.number(self.now))

    def _insegment(self, node: InSegment) -> exp.Expr:
        if not self.catalogue.permissive and node.segment not in self.catalogue.segments:
            raise _error(
                node.pos,
                f"unknown segment {node.segment!r}" + self.catalogue.suggest(node.segment, "segments"),
            )
        name = f"g{len(self.ctes) + 1}"
        where = exp.EQ(this=exp.column("segment"), expression=_text(node.segment))
        self._add(name, exp.select("profile_id").distinct().from_("seg_members").where(where))
        return exp.not_(exp.Is(this=exp.column("profile_id", name), expression=exp.null()))

    def _consent(self, node: Consent) -> exp.Expr:
        self._check_consent(node)
        if self.catalogue.consent_allowed is None:
            raise _error(node.pos, "consent() needs the workspace's consent defaults (compile with its catalogue)")
        name = f"c{len(self.ctes) + 1}"
        self._add(name, consent_sql(node, self.now, self._scope(None)))
        default = exp.true() if node.purpose in self.catalogue.consent_allowed else exp.false()
        return exp.func("COALESCE", exp.column("granted", name), default)

    def _check_consent(self, node: Consent) -> None:
        if node.purpose not in PURPOSES:
            hint = self.catalogue.suggest(node.purpose, "purposes") or f"; purposes: {', '.join(PURPOSES)}"
            raise _error(node.pos, f"unknown consent purpose {node.purpose!r}{hint}")
        if node.channel is not None and node.channel not in CHANNELS:
            hint = self.catalogue.suggest(node.channel, "channels") or f"; channels: {', '.join(CHANNELS)}"
            raise _error(node.pos, f"unknown consent channel {node.channel!r}{hint}")

    def _event_filter(self, event: str, filters: tuple[tuple[str, Scalar], ...], window: Window) -> exp.Expr:
        start, end = window.bounds(self.now_time)
        parts: list[exp.Expr] = [
            _is_event(event),
            exp.LTE(this=exp.column("ts"), expression=exp.Literal.number(epoch_us(end))),
        ]
        if start is not None:
            parts.append(exp.GTE(this=exp.column("ts"), expression=exp.Literal.number(epoch_us(start))))
        for key, value in filters:
            if isinstance(value, float) and not isinstance(value, bool):
                parts.append(exp.EQ(this=_number_prop(key), expression=_literal(value)))
            else:
                parts.append(exp.EQ(this=_text_prop(key), expression=_text(value)))
        return exp.and_(*parts)

    def _check_event(self, event: str, pos: Position) -> None:
        """An event never seen is fine (a segment may wait for it) unless it looks like a typo."""
        if self.catalogue.permissive or event in self.catalogue.events:
            return
        hint = self.catalogue.suggest(event, "events")
        if hint:
            raise _error(pos, f"no event named {event!r} has been seen{hint}")

    def _scope(self, table: str | None) -> exp.Expr:
        if not self.scoped:
            return exp.true()
        return in_scope(exp.column("profile_id", table) if table else exp.column("profile_id"))

    def _add(self, name: str, cte: exp.Select) -> None:
        if self.scoped and name.startswith("t"):
            cte = cte.where(self._scope(None))
        self.ctes.append((name, cte))


def consent_sql(node: Consent, now: int, scope: exp.Expr) -> exp.Select:
    """``(profile_id, granted)`` of the decision that wins for ``node`` as of ``now`` (epoch us).

    The newest unexpired decision for the purpose on the channel or on every channel
    (``changed_at``, then commit order): the rule of ``ws.privacy.may``.
    """
    channel: exp.Expr = exp.Is(this=exp.column("channel"), expression=exp.null())
    if node.channel is not None:
        channel = exp.or_(channel, exp.EQ(this=exp.column("channel"), expression=_text(node.channel)))
    live = exp.or_(
        exp.Is(this=exp.column("expires_at"), expression=exp.null()),
        exp.GT(this=exp.column("expires_at"), expression=exp.Literal.number(now)),
    )
    where = exp.and_(
        exp.EQ(this=exp.column("purpose"), expression=_text(node.purpose)), exp.paren(channel), live, scope
    )
    rank = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column("profile_id")],
        order=exp.Order(expressions=[exp.Ordered(this=exp.column(c), desc=True) for c in ("changed_at", "seq")]),
    )
    ranked = exp.select("profile_id", "granted", rank.as_("pick")).from_("seg_consent").where(where)
    return (
        exp.select("profile_id", "granted")
        .from_(ranked.subquery("ranked"))
        .where(exp.EQ(this=exp.column("pick"), expression=exp.Literal.number(1)))
    )


def _is_event(event: str) -> exp.Expr:
    return exp.EQ(this=exp.column("event"), expression=_text(event))


def in_scope(column: exp.Expr) -> exp.Expr:
    """``column`` is one of the profiles in ``__p360__scope``."""
    return exp.In(this=column, query=exp.select("profile_id").from_(SCOPE_TABLE).subquery())


def _value_test(op: type[exp.Binary], value: Scalar) -> exp.Expr:
    if isinstance(value, bool):
        return op(this=exp.column("value_text"), expression=_text("true" if value else "false"))
    if isinstance(value, float):
        return op(this=exp.column("value_num"), expression=_literal(value))
    return op(this=exp.column("value_text"), expression=_text(value))


def _time_test(op: str, value: exp.Expr, bound: exp.Expr, now: exp.Expr) -> exp.Expr:
    if op == "before":
        return exp.LT(this=value, expression=bound)
    if op == "after":
        return exp.GT(this=value, expression=bound)
    return exp.and_(exp.GTE(this=value, expression=bound), exp.LTE(this=value.copy(), expression=now))


def _text_prop(key: str) -> exp.Expr:
    return exp.JSONExtractScalar(this=exp.column("properties"), expression=exp.Literal.string(f"$.{key}"))


def _number_prop(key: str) -> exp.Expr:
    return exp.TryCast(this=_text_prop(key), to=exp.DataType.build("DOUBLE"), safe=True)


def _text(value: Any) -> exp.Literal:
    """A value as the text JSON gives it: true/false, 37 not 37.0."""
    if isinstance(value, bool):
        return exp.Literal.string("true" if value else "false")
    if isinstance(value, float) and value.is_integer():
        return exp.Literal.string(str(int(value)))
    return exp.Literal.string(str(value))


def _literal(value: float) -> exp.Expr:
    return exp.Literal.number(int(value) if float(value).is_integer() else value)


def _micros(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1_000_000)


def _timestamp(moment: datetime) -> exp.Expr:
    text = to_utc(moment).isoformat(sep=" ")
    return exp.Cast(this=exp.Literal.string(text), to=exp.DataType.build("TIMESTAMPTZ"))


def _names_currency(node: Node) -> bool:
    """Whether ``node`` is ``currency = "X"`` (or ``currency in ("X")``) on the column: one currency."""
    if isinstance(node, Compare):
        return _is_currency_column(node.operand) and node.op == "="
    return isinstance(node, In) and _is_currency_column(node.operand) and len(node.values) == 1


def _is_currency_column(operand: object) -> bool:
    return isinstance(operand, Trait) and operand.name == "currency" and column_kind(operand) is not None


def _error(pos: Position, message: str) -> ConditionError:
    return ConditionError(message, pos.line, pos.column)
