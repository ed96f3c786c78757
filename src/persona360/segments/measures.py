"""Per-profile event measures that many conditions, and many segments, share.

Why: a segment used to read ``seg_events`` once per event condition (a GROUP BY each,
a self-join for each sequence), so 50 segments scanned 50,000,000 events about fifty
times. Here every event condition becomes one *measure* (an aggregate with a
``FILTER (WHERE ...)``) over one of a few *sources*:

- ``events``: the rows of the events any condition names, grouped by profile; counts,
  sums, averages, extremes and first/last times of every condition in one scan. The
  measures that read event properties get a source of their own over only their
  events: carrying the ``properties`` JSON of every named event through the scan
  doubled its cost at 5M events, and most measures never look at it;
- one source per sequence pair (first event A, second event B): the rows of A and B
  with two window columns, ``prev_a`` (the newest A strictly before the row) and
  ``next_b`` (the oldest B at or after the row). "A then B within T" is
  ``min(ts - prev_a) <= T`` over the B rows; "A and no B within T after the last A"
  reads ``next_b`` on the last A row. One sort per pair replaces a self-join.

A single query turns its sources into CTEs; a full recompute of many segments
(``evaluate.evaluate_all``) fills each source once into a temporary table
``__p360__<name>`` that every segment's query LEFT JOINs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

TABLE_PREFIX = "__p360__"
TRAITS_TABLE = TABLE_PREFIX + "traits"
# "No B after this A": bigger than any epoch-microsecond time plus any window.
NEVER = 2**62


@dataclass
class Source:
    """One grouped relation of measures: its rows' events and its measure columns."""

    name: str
    events: list[str]
    pair: tuple[str, str] | None = None
    measures: dict[str, tuple[str, exp.Expr]] = field(default_factory=dict)
    properties: bool = False  # whether its rows carry the events' properties
    # The earliest event time (epoch microseconds) any of its measures reads; None when
    # one reads all history. Filtered on the stored time ``happened_at`` too (see ``_rows``).
    since: int | None = None
    unbounded: bool = False

    def reads_from(self, since: int | None) -> None:
        """Note that a measure reads events from ``since`` on (None: from the beginning)."""
        if since is None:
            self.unbounded = True
        else:
            self.since = since if self.since is None else min(self.since, since)

    def select(self, scope: exp.Expr | None, events: str = "seg_events") -> exp.Select:
        """``profile_id`` and every measure, grouped by profile, over the ``events`` relation."""
        rows = self._rows(scope, events)
        columns = [measure.as_(column) for column, measure in self.measures.values()]
        return exp.select("profile_id", *columns).from_(rows).group_by("profile_id")

    def _rows(self, scope: exp.Expr | None, events: str) -> exp.Expr:
        where: exp.Expr = exp.In(this=exp.column("event"), expressions=[exp.Literal.string(e) for e in self.events])
        if scope is not None:
            where = exp.and_(where, scope)
        if self.pair is None:
            if self.since is not None and not self.unbounded:
                where = exp.and_(where, _stored_after(self.since))
            return _filtered(events, where, self.properties)
        first, second = self.pair
        windows = [
            _window(exp.Max, first, "ts", ("UNBOUNDED", "PRECEDING"), (exp.Literal.number(1), "PRECEDING")),
            _window(exp.Min, second, "ts", ("CURRENT ROW", None), ("UNBOUNDED", "FOLLOWING")),
        ]
        rows = exp.select("profile_id", "event", "ts", windows[0].as_("prev_a"), windows[1].as_("next_b")).from_(events)
        return rows.where(where).subquery("w")


class EventMeasures:
    """The sources and measures the conditions of one query, or of many, need."""

    def __init__(self, *, tables: bool = False) -> None:
        self.tables = tables
        self.sources: dict[tuple[str, ...], Source] = {}
        self.traits: list[str] = []

    def traits_relation(self, name: str) -> str:
        """Where trait conditions read: ``seg_traits``, or in a shared pass a copy of its rows.

        The copy holds only the traits named; ``seg_traits`` is a view parsing JSON on every read.
        """
        if not self.tables:
            return "seg_traits"
        if name not in self.traits:
            self.traits.append(name)
        return TRAITS_TABLE

    def measure(
        self, events: list[str], measure: exp.Expr, pair: tuple[str, str] | None = None, since: int | None = None
    ) -> exp.Column:
        """The column holding ``measure`` per profile (added to its source if new).

        ``since``: the earliest event time (epoch microseconds) the measure's own filter
        admits, or None when it reads all history.
        """
        reads = pair is None and any(column.name == "properties" for column in measure.find_all(exp.Column))
        source = self._source(events, pair, reads)
        source.reads_from(since)
        key = measure.sql()
        if key not in source.measures:
            source.measures[key] = (f"v{len(source.measures) + 1}", measure)
        return exp.column(source.measures[key][0], self.relation(source))

    def relation(self, source: Source) -> str:
        """The name queries join: a CTE, or the temporary table of a shared pass."""
        return TABLE_PREFIX + source.name if self.tables else source.name

    def _source(self, events: list[str], pair: tuple[str, str] | None, properties: bool = False) -> Source:
        key: tuple[str, ...] = ("pair", *pair) if pair else ("properties",) if properties else ("events",)
        if key not in self.sources:
            self.sources[key] = Source(
                f"x{len(self.sources) + 1}", list(dict.fromkeys(pair or ())), pair, properties=properties
            )
        source = self.sources[key]
        for event in events:
            if event not in source.events:
                source.events.append(event)
        return source


def filtered(agg: exp.Expr, condition: exp.Expr) -> exp.Expr:
    """``agg FILTER (WHERE condition)``."""
    return exp.Filter(this=agg, expression=exp.Where(this=condition))


def _stored_after(since: int) -> exp.Expr:
    """``happened_at >= `` a day before ``since``: a bound the scan can prune row groups by.

    Why: ``ts`` is ``epoch_us(timestamp)``, an expression DuckDB cannot push into the
    scan, so a 30-day count read every event. The exact bound stays in each measure's
    FILTER; this one only has to be no later than it, so it is a whole day earlier,
    which also keeps it right whatever time zone an engine reads a bare timestamp in.
    """
    seconds = since // 1_000_000 - 86_400
    return exp.GTE(this=exp.column("happened_at"), expression=exp.UnixToTime(this=exp.Literal.number(seconds)))


def _filtered(table: str, where: exp.Expr, properties: bool) -> exp.Expr:
    columns = ["profile_id", "event", "ts"] + (["properties"] if properties else [])
    return exp.select(*columns).from_(table).where(where).subquery("e")


def _window(
    agg: type[exp.AggFunc],
    event: str,
    column: str,
    start: tuple[object, str | None],
    end: tuple[object, str | None],
) -> exp.Window:
    is_event = exp.EQ(this=exp.column("event"), expression=exp.Literal.string(event))
    value = exp.Case(ifs=[exp.If(this=is_event, true=exp.column(column))])
    spec = exp.WindowSpec(kind="RANGE", start=start[0], start_side=start[1], end=end[0], end_side=end[1])
    return exp.Window(
        this=agg(this=value),
        partition_by=[exp.column("profile_id")],
        order=exp.Order(expressions=[exp.Ordered(this=exp.column("ts"), nulls_first=False)]),
        spec=spec,
        over="OVER",
    )
