"""The set-based path of an orders import: DuckDB groups, checks and shapes the rows.

The column path (``columns.py``) still builds one Python record per order, and the
writer turns each back into columns. Here the file goes into a table of DuckDB's
in-memory reader connection and SQL does, per order, what ``rows.py`` does per
row: find the order's first line, check its time, numbers and text, and write its
properties, traits and line items as JSON. Python only touches each *distinct*
identifier (normalised with the same functions, the phone through ``phonenumbers``
once per distinct raw value) and each distinct set of identifiers (for the graph).

SQL takes a cell only when it can tell for certain what the row path would make of
it: text of printable ASCII without quotes, backslashes or spaces at its edges (its
JSON is itself in quotes), numbers whose JSON the row path writes as they are
spelled (``12``, ``3880.59``, ``50.0``), times spelled ``2026-03-01T10:15:00Z``. An
order with any other cell, or that the row path would reject, goes to the row path
whole: it writes the same record or the same reject, with its line and reason. The
writer stores both kinds in file order (``EventWriter.write_columns``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from persona360.identity.normalise import normalise_identifier
from persona360.ingest.bulk_write import ColumnBatch
from persona360.ingest.importers.bulk_plan import ITEM_NUMBERS, BulkPlan
from persona360.ingest.importers.rows import RowContext, is_blank, plain
from persona360.ingest.record import EventRecord, order_identifiers
from persona360.store.files import LINE, ExportFile

Rejecter = Callable[[list[dict[str, Any]]], EventRecord | None]
IdentifierSet = tuple[tuple[str, str], ...]

# Cells SQL may take as they are (RE2 syntax). SAFE: printable ASCII without '"' and
# '\', no space at either edge: Python's strip() leaves it alone and its JSON is itself
# in quotes. BLANK: what is_blank() calls blank. INT and DEC: numbers whose JSON, after
# as_number(), is their own spelling (at most 15 digits, so the float keeps them all).
SAFE = r"[!#-\[\]-~]([ !#-\[\]-~]*[!#-\[\]-~])?"
BLANK = r"[ \t\n\r\x0b\x0c]*"
INT = r"0|-?[1-9][0-9]{0,14}"
DEC = r"-?(0\.(0{0,3}[1-9][0-9]*|0)|[1-9][0-9]*\.([0-9]*[1-9]|0))"
TIME = (
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?"
)
_LINES, _HEADS, _RECORDS = "__p360__lines", "__p360__heads", "__p360__records"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def key_fragment(key: str) -> str:
    """``"key":`` as a SQL literal, spelled as orjson spells the key."""
    return literal(orjson.dumps(key).decode() + ":")


def blank_sql(cell: str) -> str:
    return f"({cell} IS NULL OR regexp_full_match({cell}, '{BLANK}'))"


def text_sql(cell: str) -> str:
    return f"regexp_full_match({cell}, '{SAFE}')"


def number_sql(cell: str) -> str:
    # at most 15 characters, so at most 15 digits: the float keeps them all
    return f"(length({cell}) <= 15 AND (regexp_full_match({cell}, '{INT}') OR regexp_full_match({cell}, '{DEC}')))"


class BulkOrders:
    """One orders file shaped by SQL, handed to the writer in batches of records."""

    def __init__(self, export: ExportFile, ctx: RowContext, plan: BulkPlan) -> None:
        self.export, self.ctx, self.plan = export, ctx, plan
        self.con: duckdb.DuckDBPyConnection = export.materialise(_LINES)
        self._do("SET TimeZone = 'UTC'")
        self.sets: list[IdentifierSet] = []
        self._set_ids: dict[IdentifierSet, int] = {}

    def batches(self, size: int, rejecter: Rejecter) -> Iterator[tuple[int, ColumnBatch]]:
        """Yield (rows read, batch) per ``size`` orders, in the row path's order."""
        self._shape()
        groups = self._count(f"SELECT count(*) FROM {_RECORDS}")
        for start in range(0, groups, size):
            batch = self._batch(start, start + size, rejecter)
            done = self._count(f"SELECT coalesce(sum(n), 0) FROM {_RECORDS} WHERE ordinal <= {start + size}")
            yield done, batch

    def _count(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchall()[0][0])

    def _do(self, sql: str) -> None:
        self.con.execute(sql).fetchall()  # DuckDB 2 wants every result read before the next statement

    # -- shaping (SQL) ----------------------------------------------------------------
    def _shape(self) -> None:
        plan = self.plan
        order = quote(plan.order)
        self._do(
            f"CREATE TEMP TABLE {_HEADS} AS SELECT row_number() OVER (ORDER BY g.oid) AS __p360_ordinal, "
            f"g.n AS __p360_n, l.* "
            f"FROM (SELECT {order} AS oid, min({LINE}) AS head, count(*) AS n FROM {_LINES} GROUP BY ALL) g "
            f"JOIN {_LINES} l ON l.{LINE} = g.head"
        )
        for i, (column, role) in enumerate(plan.identifiers):
            self._identifier_table(i, column, role)
        self._combination_table()
        self._do(f"CREATE TEMP TABLE __p360__products AS {self._products_sql()}")
        self._do(f"CREATE TEMP TABLE {_RECORDS} AS {self._records_sql()}")

    def _identifier_table(self, i: int, column: str, role: str) -> None:
        """Each distinct value of an identifier column, normalised once (Python, as the row path)."""
        raws = [row[0] for row in self.con.execute(f"SELECT DISTINCT {quote(column)} FROM {_HEADS}").fetchall()]
        region = self.ctx.region
        rows: dict[str, list[Any]] = {"raw": [], "norm": [], "frag": [], "bad": []}
        for raw in raws:
            if is_blank(raw):
                continue
            normalised = normalise_identifier(role, raw, region)
            rows["raw"].append(raw)
            rows["norm"].append(normalised)
            rows["frag"].append(None if normalised is None else orjson.dumps(normalised).decode())
            rows["bad"].append(orjson.dumps(plain(raw)).decode() if normalised is None else None)
        table = pa.table({name: pa.array(values, pa.string()) for name, values in rows.items()})
        self.con.register(f"__p360__id{i}_arrow", table)
        self._do(f"CREATE TEMP TABLE __p360__id{i} AS SELECT * FROM __p360__id{i}_arrow")

    def _combination_table(self) -> None:
        """The identifier set of each distinct combination of normalised identifiers."""
        identifiers = self.plan.identifiers
        norms = ", ".join(f"i{i}.norm AS n{i}" for i in range(len(identifiers))) or "NULL AS n0"
        combos = self.con.execute(f"SELECT DISTINCT {norms} FROM {_HEADS} h {self._id_joins()}").fetchall()
        columns: list[list[Any]] = [[] for _ in range(max(len(identifiers), 1))]
        set_ids: list[int | None] = []
        for combo in combos:
            keys = [(role, value) for (_, role), value in zip(identifiers, combo, strict=False) if value is not None]
            set_ids.append(self._set_id(tuple(order_identifiers(keys))) if keys else None)
            for values, value in zip(columns, combo, strict=True):
                values.append(value)
        table = pa.table(
            {
                **{f"n{i}": pa.array(values, pa.string()) for i, values in enumerate(columns)},
                "set_id": pa.array(set_ids, pa.int64()),
            }
        )
        self.con.register("__p360__combos_arrow", table)
        self._do("CREATE TEMP TABLE __p360__combos AS SELECT * FROM __p360__combos_arrow")

    def _set_id(self, keys: IdentifierSet) -> int:
        found = self._set_ids.get(keys)
        if found is None:
            found = self._set_ids[keys] = len(self.sets)
            self.sets.append(keys)
        return found

    def _id_joins(self) -> str:
        return " ".join(
            f"LEFT JOIN __p360__id{i} i{i} ON i{i}.raw = h.{quote(column)}"
            for i, (column, _) in enumerate(self.plan.identifiers)
        )

    def _item_values_table(self, k: int, column: str, name: str) -> None:
        """Each distinct value of a line-item column: its JSON fragment, whether it is doubtful, its number.

        Checked once per distinct value (a price list repeats itself) rather than once per line.
        """
        value = "v" if name in ITEM_NUMBERS else _json_text("v")
        check = number_sql("v") if name in ITEM_NUMBERS else text_sql("v")
        self._do(
            f"CREATE TEMP TABLE __p360__item{k} AS SELECT v, "
            f"CASE WHEN NOT {blank_sql('v')} THEN {key_fragment(name)} || {value} END AS frag, "
            f"NOT ({blank_sql('v')} OR {check}) AS doubt, TRY_CAST(v AS DOUBLE) AS num "
            f"FROM (SELECT DISTINCT {quote(column)} AS v FROM {_LINES} WHERE {quote(column)} IS NOT NULL)"
        )

    def _products_sql(self) -> str:
        """Per order: its line items as JSON, whether one is doubtful, and their amount."""
        items = self.plan.items
        for k, (column, name) in enumerate(items):
            self._item_values_table(k, column, name)
        joins = " ".join(
            f"LEFT JOIN __p360__item{k} v{k} ON v{k}.v = l.{quote(column)}" for k, (column, _) in enumerate(items)
        )
        fragments = [f"v{k}.frag" for k in range(len(items))]
        doubts = [f"coalesce(v{k}.doubt, false)" for k in range(len(items))] or ["false"]
        number = {name: f"v{k}.num" for k, (_, name) in enumerate(items)}
        item = f"'{{' || concat_ws(',', {', '.join(fragments)}) || '}}'" if fragments else "'{}'"
        # as validate._products_total: a missing or zero price counts 0, quantity 1; summed in line order
        price, quantity = number.get("price", "NULL::DOUBLE"), number.get("quantity", "NULL::DOUBLE")
        amount = f"coalesce(nullif({price}, 0), 0.0) * coalesce(nullif({quantity}, 0), 1.0)"
        # An unordered list sorted by line afterwards: DuckDB's ordered aggregates
        # (string_agg(... ORDER BY line)) cost twice as much on a million lines.
        lines = (
            f"SELECT l.{quote(self.plan.order)} AS oid, l.{LINE} AS line, {item} AS item, "
            f"{' OR '.join(doubts)} AS doubt, {amount} AS amount FROM {_LINES} l {joins}"
        )
        grouped = (
            "SELECT oid, list_sort(list({'l': line, 'i': item, 'a': amount}) FILTER (WHERE item <> '{}')) AS its, "
            f"bool_or(doubt) AS doubt FROM ({lines}) GROUP BY oid"
        )
        return (
            "SELECT oid, array_to_string(list_transform(its, lambda x: x.i), ',') AS products, doubt, "
            f"list_reduce(list_transform(its, lambda x: x.a), lambda a, b: a + b) AS amount FROM ({grouped})"
        )

    def _records_sql(self) -> str:
        """Per order: its record's columns, trait JSON per trait, and whether the row path must judge it."""
        plan, ident = self.plan, {column: i for i, (column, _) in enumerate(self.plan.identifiers)}
        order, stamp = f"h.{quote(plan.order)}", f"h.{quote(plan.timestamp)}"
        props, good = [], [text_sql(order), f"regexp_full_match({stamp}, '{TIME}')"]
        for column, key, kind in plan.properties:
            cell = f"h.{quote(column)}"
            if kind == "invalid":
                props.append(f"{key_fragment(key)} || i{ident[column]}.bad")
                continue
            check, value = (number_sql(cell), cell) if kind == "number" else (text_sql(cell), _json_text(cell))
            props.append(f"CASE WHEN NOT {blank_sql(cell)} THEN {key_fragment(key)} || {value} END")
            good.append(f"({blank_sql(cell)} OR {check})")
        traits = []
        for column, _ in plan.traits:
            cell = f"h.{quote(column)}"
            if column in ident:
                traits.append(f"i{ident[column]}.frag")
            else:
                traits.append(f"CASE WHEN NOT {blank_sql(cell)} THEN {_json_text(cell)} END")
                good.append(f"({blank_sql(cell)} OR {text_sql(cell)})")
        combo = " AND ".join(f"c.n{i} IS NOT DISTINCT FROM i{i}.norm" for i in range(len(plan.identifiers)))
        select = [
            "h.__p360_ordinal AS ordinal",  # prefixed in the heads: a file may have a column "n"
            "h.__p360_n AS n",
            f"h.{LINE} AS line",
            f"{order} AS order_id",
            f"'order:' || {order} AS message_id",
            f"TRY_CAST({stamp} AS TIMESTAMPTZ) AS ts",
            "c.set_id",
            f"concat_ws(',', {', '.join(props)}) AS props" if props else "'' AS props",
            "p.products",
            "p.amount",
            "coalesce(p.doubt, false) AS item_doubt",
            f"{' AND '.join(good)} AS good",
            *(f"{expression} AS t{i}" for i, expression in enumerate(traits)),
            f"coalesce({', '.join([*self._revenue_cells(), 'NULL::DOUBLE'])}) AS rev",
            f"{self._currency_cell()} AS currency",
        ]
        inner = (
            f"SELECT {', '.join(select)} FROM {_HEADS} h {self._id_joins()} "
            f"LEFT JOIN __p360__combos c ON {combo or 'true'} "
            f"LEFT JOIN __p360__products p ON p.oid = {order}"
        )
        trait_parts = [
            f"CASE WHEN t{i} IS NOT NULL THEN {key_fragment(name)} || t{i} END"
            for i, (_, name) in enumerate(plan.traits)
        ]
        trait_json = (
            f"nullif('{{' || concat_ws(',', {', '.join(trait_parts)}) || '}}', '{{}}')"
            if trait_parts
            else "NULL::VARCHAR"
        )
        now = literal(self.ctx.now.isoformat())
        outer = [
            "ordinal",
            "n",
            "line",
            "order_id",
            "message_id",
            "ts",
            "set_id",
            "'{' || concat_ws(',', nullif(props, ''), '\"order_id\":\"' || order_id || '\"', "
            "CASE WHEN products IS NOT NULL THEN '\"products\":[' || products || ']' END) || '}' AS properties",
            f"{trait_json} AS traits",
            "coalesce(rev, amount) AS revenue",
            "currency",
            *(f"t{i}" for i in range(len(plan.traits))),
            f"NOT coalesce(good AND ts IS NOT NULL AND ts <= {now}::TIMESTAMPTZ AND set_id IS NOT NULL "
            "AND NOT item_doubt, false) AS doubtful",
        ]
        return f"SELECT {', '.join(outer)} FROM ({inner})"

    def _revenue_cells(self) -> list[str]:
        """The order's revenue as validate.order_facts reads it: revenue, else total (else the items)."""
        numbers = {key: f"h.{quote(column)}" for column, key, kind in self.plan.properties if kind == "number"}
        cells = [numbers[key] for key in ("revenue", "total") if key in numbers]
        return [f"CASE WHEN NOT {blank_sql(cell)} THEN TRY_CAST({cell} AS DOUBLE) END" for cell in cells]

    def _currency_cell(self) -> str:
        if self.plan.currency is None:
            return "NULL::VARCHAR"
        cell = f"h.{quote(self.plan.currency)}"
        return f"CASE WHEN NOT {blank_sql(cell)} THEN {cell} END"

    # -- batches ------------------------------------------------------------------------
    def _batch(self, start: int, end: int, rejecter: Rejecter) -> ColumnBatch:
        """The orders ``start < ordinal <= end``: SQL's records, and the row path's for doubtful ones."""
        window = f"ordinal > {start} AND ordinal <= {end}"
        rows = self.con.sql(
            "SELECT ordinal, message_id, ts AS timestamp, set_id, properties, traits, order_id, revenue, currency "
            f"FROM {_RECORDS} WHERE {window} AND NOT doubtful ORDER BY ordinal"
        ).to_arrow_table()
        traits = self._trait_rows(window)
        fallback = self._fallback(window, rejecter)
        return ColumnBatch(
            source_id=self.ctx.source_id,
            received_at=self.ctx.now,
            context=orjson.dumps({"channel": "import", "source": self.ctx.source_name}).decode(),
            rows=rows,
            traits=traits,
            sets=self.sets,
            records=fallback,
        )

    def _trait_rows(self, window: str) -> pa.Table:
        parts = [
            f"SELECT ordinal, {literal(name)} AS name, t{i} AS value FROM {_RECORDS} "
            f"WHERE {window} AND NOT doubtful AND t{i} IS NOT NULL"
            for i, (_, name) in enumerate(self.plan.traits)
        ]
        if not parts:
            parts = ["SELECT 0::BIGINT AS ordinal, ''::VARCHAR AS name, ''::VARCHAR AS value WHERE false"]
        return self.con.sql(" UNION ALL ".join(parts)).to_arrow_table()

    def _fallback(self, window: str, rejecter: Rejecter) -> dict[int, EventRecord]:
        """The records the row path makes of the doubtful orders (it writes their rejects)."""
        order = quote(self.plan.order)
        reader = self.con.execute(
            f"SELECT r.ordinal, l.* FROM {_RECORDS} r JOIN {_LINES} l ON l.{order} IS NOT DISTINCT FROM r.order_id "
            f"WHERE r.{window.replace(' AND ordinal', ' AND r.ordinal')} AND r.doubtful ORDER BY r.ordinal, l.{LINE}"
        )
        names = [column[0] for column in reader.description or []][1:]
        records: dict[int, EventRecord] = {}
        group: list[dict[str, Any]] = []
        current = None
        for ordinal, *values in [*reader.fetchall(), (None,)]:
            if ordinal != current and group:
                record = rejecter(group)
                if record is not None:
                    records[current] = record  # type: ignore[index]
                group = []
            if ordinal is None:
                break
            current = ordinal
            group.append(dict(zip(names, values, strict=True)))
        return records


def _json_text(cell: str) -> str:
    """The JSON of a SAFE cell: itself in quotes."""
    return f"'\"' || {cell} || '\"'"
