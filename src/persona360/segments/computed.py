"""Computed traits: declarative aggregates over events, kept on every profile.

A definition is a call in the condition language's syntax:

    favorite_category = most_frequent("Product Viewed", category, within = 90d)
    orders_90d        = count("Order Completed", within = 90d)
    spend_year        = sum("Order Completed", revenue, within = 365d)
    brands_carted     = distinct("Product Added", brand, within = 90d)
    last_coupon       = last("Order Completed", coupon)
    best_send_hour    = most_frequent_hour("Email Opened", within = 180d)

Values land in ``computed_values`` (profile_id, name, value_text, value_num), which
the ``seg_traits`` relation includes, so segments and templates use computed traits
like any other trait. The SQL is built with SQLGlot from the same parsed calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlglot import exp

from persona360.segments.compile import SCOPE_TABLE, epoch_us
from persona360.segments.errors import ConditionError
from persona360.segments.parse import call_parts
from persona360.store.database import Database, Transaction

FUNCTIONS = (
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "first",
    "last",
    "most_frequent",
    "distinct",
    "most_frequent_hour",
)
# A name is one identifier of the condition language (grammar.lark's NAME), so a
# condition reads it bare: a letter of any alphabet first (``середній_чек``, ``größe``),
# then letters, the digits 0-9 and "_", nothing upper-case. It is only ever a value in
# SQL (``computed_values.name``, a string literal in conditions), never an identifier.
_NAME_LENGTH = 63
_NAME_MARKS = frozenset("0123456789_")


@dataclass(frozen=True)
class ComputedSpec:
    """One computed trait: its name and its definition (the call)."""

    name: str
    func: str
    event: str
    prop: str | None
    within: timedelta | None


def _is_name(name: str) -> bool:
    """Whether ``name`` may name a computed trait (the rule is written above ``_NAME_LENGTH``)."""
    return (
        0 < len(name) <= _NAME_LENGTH
        and name[0].isalpha()
        and all(char.isalpha() or char in _NAME_MARKS for char in name)
        and name == name.lower()
    )


def parse_computed(name: str, definition: str) -> ComputedSpec:
    """Parse ``definition`` (a call) for computed trait ``name``; ConditionError if wrong."""
    if not _is_name(name):
        raise ConditionError(
            f"computed trait name {name!r} must be lower-case letters of any alphabet, digits 0-9 and '_', "
            f"a letter first, 1-{_NAME_LENGTH} characters (e.g. average_order, середній_чек)"
        )
    func, positional, keywords, line, column = call_parts(definition)
    if func not in FUNCTIONS:
        raise ConditionError(f"{func}() is not a computed-trait function; use {', '.join(FUNCTIONS)}", line, column)
    if not positional or not isinstance(positional[0], str):
        raise ConditionError(f'{func}() needs an event name first: {func}("Order Completed", ...)', line, column)
    needs_prop = func not in ("count", "most_frequent_hour")
    prop = positional[1] if len(positional) > 1 else None
    if needs_prop and not isinstance(prop, str):
        raise ConditionError(f"{func}() needs a property after the event name", line, column)
    within = keywords.pop("within", None)
    if keywords or (within is not None and not isinstance(within, timedelta)):
        raise ConditionError(f"{func}() takes only within = DURATION besides the event and property", line, column)
    return ComputedSpec(name, func, positional[0], prop if needs_prop else None, within)


RANKED = ("first", "last", "most_frequent", "most_frequent_hour")


def computed_sql(spec: ComputedSpec, now: datetime, *, scoped: bool) -> exp.Select:
    """``SELECT profile_id, value_text, value_num`` for every profile that has a value.

    ``first``/``last`` pick the earliest/latest event by (``ts``, ``seq``), and
    ``most_frequent`` breaks a tie between equally frequent values by the value seen
    last (its newest ``ts``, then ``seq``), so every engine picks the same value.
    """
    where: list[exp.Expr] = [
        exp.EQ(this=exp.column("event"), expression=exp.Literal.string(spec.event)),
        exp.LTE(this=exp.column("ts"), expression=exp.Literal.number(epoch_us(now))),
    ]
    if spec.within is not None:
        where.append(exp.GTE(this=exp.column("ts"), expression=exp.Literal.number(epoch_us(now - spec.within))))
    if scoped:
        where.append(
            exp.In(
                this=exp.column("profile_id"),
                query=exp.select("profile_id").from_(SCOPE_TABLE).subquery(),
            )
        )
    events = exp.select("profile_id", "ts", "seq", _value(spec).as_("v")).from_("seg_events").where(exp.and_(*where))
    if spec.func in ("first", "last", "most_frequent") or spec.prop:
        events = exp.select("*").from_(events.subquery("raw")).where(_not_null(exp.column("v")))
    query = _ranked(spec, events) if spec.func in RANKED else _aggregated(spec, events)
    outer = exp.select(
        "profile_id",
        "value_text",
        exp.TryCast(this=exp.column("value_text"), to=exp.DataType.build("DOUBLE"), safe=True).as_("value_num"),
    )
    return outer.from_(query.subquery("agg")).where(_not_null(exp.column("value_text")))


def _value(spec: ComputedSpec) -> exp.Expr:
    if spec.func == "most_frequent_hour":
        hours = exp.IntDiv(this=exp.column("ts"), expression=exp.Literal.number(3_600_000_000))
        return exp.Mod(this=exp.paren(hours), expression=exp.Literal.number(24))
    return _prop(spec.prop) if spec.prop else exp.null()


def _not_null(column: exp.Expr) -> exp.Expr:
    return exp.not_(exp.Is(this=column, expression=exp.null()))


def _prop(name: str | None) -> exp.Expr:
    return exp.JSONExtractScalar(this=exp.column("properties"), expression=exp.Literal.string(f"$.{name}"))


def _ranked(spec: ComputedSpec, events: exp.Select) -> exp.Select:
    """One value per profile, chosen by a total order (no engine-dependent ties)."""
    rows: exp.Select = events
    if spec.func in ("first", "last"):
        desc = spec.func == "last"
        order = [exp.Ordered(this=exp.column(c), desc=desc) for c in ("ts", "seq")]
    else:
        counted = [exp.Count(this=exp.Star()).as_("n"), exp.Max(this=exp.column("ts")).as_("ts")]
        rows = (
            exp.select("profile_id", "v", *counted, exp.Max(this=exp.column("seq")).as_("seq"))
            .from_(events.subquery("ev"))
            .group_by("profile_id", "v")
        )
        order = [exp.Ordered(this=exp.column(c), desc=True) for c in ("n", "ts", "seq")]
    pick = exp.Window(this=exp.RowNumber(), partition_by=[exp.column("profile_id")], order=exp.Order(expressions=order))
    ranked = exp.select("profile_id", "v", pick.as_("pick")).from_(rows.subquery("counted"))
    text = exp.Cast(this=exp.column("v"), to=exp.DataType.build("VARCHAR")).as_("value_text")
    return (
        exp.select("profile_id", text)
        .from_(ranked.subquery("ranked"))
        .where(exp.EQ(this=exp.column("pick"), expression=exp.Literal.number(1)))
    )


def _aggregated(spec: ComputedSpec, events: exp.Select) -> exp.Select:
    value = _aggregate(spec)
    return exp.select("profile_id", value.as_("value_text")).from_(events.subquery("ev")).group_by("profile_id")


def _aggregate(spec: ComputedSpec) -> exp.Expr:
    number = exp.TryCast(this=exp.column("v"), to=exp.DataType.build("DOUBLE"), safe=True)
    text = exp.DataType.build("VARCHAR")
    if spec.func == "count":
        return exp.Cast(this=exp.Count(this=exp.Star()), to=text)
    if spec.func == "distinct":
        items = exp.ArraySort(this=exp.ArrayAgg(this=exp.Distinct(expressions=[exp.column("v")])))
        return exp.ArrayToString(this=items, expression=exp.Literal.string(", "))
    agg = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}[spec.func](this=number)
    return exp.Cast(this=agg, to=text)


def store_values(tx: Transaction, name: str, rows_sql: str, now: datetime, scope: list[int] | None) -> None:
    """Replace the values of computed trait ``name`` (for ``scope`` profiles, or all)."""
    if scope is None:
        tx.execute("DELETE FROM computed_values WHERE name = ?", [name])
    else:
        tx.execute(
            f"DELETE FROM computed_values WHERE name = ? AND profile_id IN (SELECT profile_id FROM {SCOPE_TABLE})",
            [name],
        )
    tx.execute(
        f"INSERT INTO computed_values SELECT profile_id, ?, value_text, value_num, ? FROM ({rows_sql})",
        [name, now],
    )


def load_specs(db: Database | Transaction) -> list[ComputedSpec]:
    """Every defined computed trait, in name order."""
    sql = "SELECT name, definition FROM computed_traits ORDER BY name"
    rows = db.fetchall(sql) if isinstance(db, Transaction) else db.query(sql)
    return [parse_computed(str(name), str(definition)) for name, definition in rows]
