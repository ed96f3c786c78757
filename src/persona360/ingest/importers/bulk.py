"""The set-based path of an orders import: DuckDB groups, checks and shapes the rows.

The column path (``columns.py``) still builds one Python record per order, and the
writer turns each back into columns. Here DuckDB reads the file once, grouping its
lines by order as it reads (no copy of the lines is kept), and SQL does, per order,
what ``rows.py`` does per row: take the order's first line, check its time, numbers
and text, and write its properties, traits and line items as JSON. Python only touches each *distinct*
identifier (normalised with the same functions, the phone through ``phonenumbers``
once per distinct raw value, in a thread while DuckDB groups the lines) and each
distinct set of identifiers (for the graph).

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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from persona360.identity.normalise import normalise_identifier
from persona360.ingest.bulk_write import ColumnBatch
from persona360.ingest.importers.bulk_plan import ITEM_NUMBERS, BulkPlan
from persona360.ingest.importers.rows import ORDER_MESSAGE, RowContext, is_blank, plain
from persona360.ingest.record import EventRecord, anchor_rank, message_keys
from persona360.store.files import LINE, ExportFile, FileFormatError

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
_HEADS, _RECORDS, _DOUBTFUL = "__p360__heads", "__p360__records", "__p360__doubtful"


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
    """One orders file shaped by SQL, handed to the writer in batches of records.

    The file is copied once into a table of the reading database (``ExportFile.reader``:
    numbered by its ``rowid``, every query over it runs on all cores), grouped by
    order from there, and its lines read again only for the doubtful orders.
    """

    def __init__(self, export: ExportFile, ctx: RowContext, plan: BulkPlan) -> None:
        self.export, self.ctx, self.plan = export, ctx, plan
        self.sets: list[IdentifierSet] = []
        self._set_ids: dict[IdentifierSet, int] = {}
        self._shape()

    def batches(self, size: int, rejecter: Rejecter) -> Iterator[tuple[int, ColumnBatch]]:
        """Yield (rows read, batch) per ``size`` orders, in the row path's order."""
        groups = self._count(f"SELECT count(*) FROM {_RECORDS}")
        for start in range(0, groups, size):
            batch = self._batch(start, start + size, rejecter)
            done = self._count(f"SELECT coalesce(sum(n), 0) FROM {_RECORDS} WHERE ordinal <= {start + size}")
            yield done, batch

    def _count(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchall()[0][0])

    def _do(self, sql: str) -> None:
        self.con.execute(sql).fetchall()  # DuckDB 2 wants every result read before the next statement

    def _read(self, sql: str) -> None:
        """Run ``sql``, which reads the file's rows; what DuckDB cannot read in them is a FileFormatError."""
        try:
            self.con.execute(sql).fetchall()
        except duckdb.Error as error:
            raise FileFormatError(f"{self.export.path.name} cannot be read: {error}") from None

    # -- shaping (SQL) ----------------------------------------------------------------
    def _shape(self) -> None:
        # What Python does once per distinct value, a thread does while DuckDB copies and
        # groups the lines (DuckDB releases the GIL; the copy runs in one thread): it
        # normalises every distinct identifier of the file (phones cost ~20 us each
        # through phonenumbers, 1.2 s for 61,000 numbers) and keys every distinct order
        # id (BLAKE2b, ~1 us each). Its tables hold a few more values than the heads use
        # when an order's later lines have other identifiers; the joins take the same rows.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="p360-early") as pool:
            early = [pool.submit(self._file_identifiers, column, role) for column, role in self.plan.identifiers]
            keys = pool.submit(self._file_message_keys)
            self.con, self._numbered = self.export.reader()
            self._do("SET TimeZone = 'UTC'")
            self._read(f"CREATE TEMP TABLE {_HEADS} AS {self._heads_sql()}")
            for i, table in enumerate(early):
                self._table(f"__p360__id{i}", table.result())
            self._table("__p360__keys", keys.result())
        self._combination_table()
        self._do(f"CREATE TEMP TABLE {_RECORDS} AS {self._records_sql()}")
        if self._count(f"SELECT count(*) FROM {_RECORDS} WHERE doubtful"):
            self._read(f"CREATE TEMP TABLE {_DOUBTFUL} AS {self._doubtful_sql()}")

    def _heads_sql(self) -> str:
        """One row per order, in one pass over the file: its first line's cells, line count and items.

        An order's cells are those of its first line (``arg_min_null``: NULL cells
        included, as the row path reads them); its line items as JSON joined in line
        order, whether one is doubtful, and their amount summed in line order (as
        ``validate._products_total``). Grouping by the order id straight from the file
        costs less than copying the lines into a table and joining them back.
        """
        order = quote(self.plan.order)
        item, doubt, amount = self._line_item_sql()
        lines = (
            f"SELECT *, {item} AS __p360_item, {doubt} AS __p360_doubt, {amount} AS __p360_amount "
            f"FROM (SELECT *, {self._plain_items_sql()} AS __p360_plain FROM ({self._numbered}))"
        )
        cells = [f"arg_min_null({quote(column)}, {LINE}) AS {quote(column)}" for column in self._head_columns()]
        # An unordered list of (line, item, amount) sorted afterwards: half the cost of
        # string_agg(... ORDER BY line) and sum(... ORDER BY line) on a million lines.
        grouped = (
            f"SELECT {order}, min({LINE}) AS {LINE}, count(*) AS __p360_n, {''.join(c + ', ' for c in cells)}"
            "list_sort(list({'l': " + LINE + ", 'i': __p360_item, 'a': __p360_amount}) "
            "FILTER (WHERE __p360_item <> '{}')) AS __p360_its, "
            f"coalesce(bool_or(__p360_doubt), false) AS __p360_item_doubt FROM ({lines}) GROUP BY {order}"
        )
        shaped = (
            "* EXCLUDE (__p360_its), "
            "array_to_string(list_transform(__p360_its, lambda x: x.i), ',') AS __p360_products, "
            "list_reduce(list_transform(__p360_its, lambda x: x.a), lambda a, b: a + b) AS __p360_amount"
        )
        return f"SELECT row_number() OVER (ORDER BY {order}) AS __p360_ordinal, {shaped} FROM ({grouped})"

    def _head_columns(self) -> list[str]:
        """The columns an order takes from its first line (the order id is the group itself)."""
        plan = self.plan
        used = [plan.timestamp, *(c for c, _ in plan.identifiers), *(c for c, _, _ in plan.properties)]
        used += [c for c, _ in plan.traits] + ([plan.currency] if plan.currency else [])
        return [column for column in dict.fromkeys(used) if column != plan.order]

    def _line_item_sql(self) -> tuple[str, str, str]:
        """Per line: its item as JSON, whether a cell of it is doubtful, and its amount.

        As ``validate._products_total``: a missing or zero price counts 0, quantity 1.
        A line whose every item cell is there and fits (``__p360_plain``, see
        ``_plain_items_sql``) takes a shorter way to the same item and doubt: half
        the regular expressions, a third of the lines' CPU on a million lines.
        """
        fragments, plain, doubts, number = [], [], [], {}
        for column, name in self.plan.items:
            cell = quote(column)
            numeric = name in ITEM_NUMBERS
            value = cell if numeric else _json_text(cell)
            check = number_sql(cell) if numeric else text_sql(cell)
            fragments.append(f"CASE WHEN NOT {blank_sql(cell)} THEN {key_fragment(name)} || {value} END")
            plain.append(f"{key_fragment(name)} || {value}")
            doubts.append(f"NOT ({blank_sql(cell)} OR {check})")
            number[name] = f"TRY_CAST({cell} AS DOUBLE)"
        if not fragments:
            item, doubt = "'{}'", "false"
        else:
            general = f"'{{' || concat_ws(',', {', '.join(fragments)}) || '}}'"
            joined = " || ',' || ".join(plain)
            item = f"CASE WHEN __p360_plain THEN '{{' || {joined} || '}}' ELSE {general} END"
            doubt = f"CASE WHEN __p360_plain THEN false ELSE {' OR '.join(doubts)} END"
        price, quantity = number.get("price", "NULL::DOUBLE"), number.get("quantity", "NULL::DOUBLE")
        amount = f"coalesce(nullif({price}, 0), 0.0) * coalesce(nullif({quantity}, 0), 1.0)"
        return item, doubt, amount

    def _plain_items_sql(self) -> str:
        """Whether every item cell of a line is there and fits as it is: no cell is blank, none is doubtful.

        A cell that fits (``text_sql``, ``number_sql``) is never blank, so for such
        a line every item fragment is there and no cell is doubtful.
        """
        checks = [
            number_sql(quote(column)) if name in ITEM_NUMBERS else text_sql(quote(column))
            for column, name in self.plan.items
        ]
        return f"coalesce({' AND '.join(checks)}, false)" if checks else "false"

    def _doubtful_sql(self) -> str:
        """Every line of the doubtful orders, with its order's ordinal, for the row path."""
        order = quote(self.plan.order)
        return (
            f"SELECT r.ordinal AS __p360_ordinal, l.* FROM ({self._numbered}) l "
            f"JOIN {_RECORDS} r ON l.{order} IS NOT DISTINCT FROM r.order_id WHERE r.doubtful"
        )

    def _table(self, name: str, table: pa.Table) -> None:
        """Keep ``table`` (made by the thread) as the temporary table ``name`` of the reading database."""
        self.con.register(f"{name}_arrow", table)
        self._do(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")

    def _file_message_keys(self) -> pa.Table:
        """order_id, message_key: the key of the record of each distinct order id of the file.

        Only text: a missing order id makes a doubtful order, which the row path keys.
        """
        order_ids = [raw for raw in self.export.distinct_values(self.plan.order) if isinstance(raw, str)]
        keys = message_keys(self.ctx.source_id, [ORDER_MESSAGE + order_id for order_id in order_ids])
        return pa.table({"order_id": pa.array(order_ids, pa.string()), "message_key": pa.array(keys, pa.uint64())})

    def _file_identifiers(self, column: str, role: str) -> pa.Table:
        """Every distinct value of ``column`` in the file, normalised (Python, as the row path).

        Runs in a thread beside the copy and the heads query, on a cursor of its own; a
        file DuckDB cannot read is reported by the copy, or by this read when it fails alone.
        """
        return self._normalised(self.export.distinct_values(column), role)

    def _normalised(self, raws: list[Any], role: str) -> pa.Table:
        """raw, norm, frag (the normalised value's JSON) and bad (the raw value's JSON when invalid)."""
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
        return pa.table({name: pa.array(values, pa.string()) for name, values in rows.items()})

    def _combination_table(self) -> None:
        """The identifier set of each distinct combination of normalised identifiers.

        A plan holds each identifier role once (``bulk_plan._place``), so the order
        ``order_identifiers`` gives a combination's keys is one order of the columns:
        it is found once here instead of sorted again for each of ~one per customer.
        """
        identifiers = self.plan.identifiers
        norms = ", ".join(f"i{i}.norm AS n{i}" for i in range(len(identifiers))) or "NULL::VARCHAR AS n0"
        combos = self.con.sql(f"SELECT DISTINCT {norms} FROM {_HEADS} h {self._id_joins()}").to_arrow_table()
        set_ids: list[int | None] = [None] * combos.num_rows
        if identifiers:
            order = sorted(range(len(identifiers)), key=lambda i: (anchor_rank(identifiers[i][1]), identifiers[i][1]))
            roles = [identifiers[i][1] for i in order]
            columns = [combos.column(f"n{i}").to_pylist() for i in order]
            for row, combo in enumerate(zip(*columns, strict=True)):
                keys = tuple((role, value) for role, value in zip(roles, combo, strict=True) if value is not None)
                if keys:
                    set_ids[row] = self._set_id(keys)
        table = combos.append_column("set_id", pa.array(set_ids, pa.int64()))
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
            f"{literal(ORDER_MESSAGE)} || {order} AS message_id",
            "k.message_key",
            f"TRY_CAST({stamp} AS TIMESTAMPTZ) AS ts",
            "c.set_id",
            f"concat_ws(',', {', '.join(props)}) AS props" if props else "'' AS props",
            "h.__p360_products AS products",
            "h.__p360_amount AS amount",
            "h.__p360_item_doubt AS item_doubt",
            f"{' AND '.join(good)} AS good",
            *(f"{expression} AS t{i}" for i, expression in enumerate(traits)),
            f"coalesce({', '.join([*self._revenue_cells(), 'NULL::DOUBLE'])}) AS rev",
            f"{self._currency_cell()} AS currency",
        ]
        inner = (
            f"SELECT {', '.join(select)} FROM {_HEADS} h {self._id_joins()} "
            f"LEFT JOIN __p360__combos c ON {combo or 'true'} "
            f"LEFT JOIN __p360__keys k ON k.order_id = {order}"
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
            "message_key",
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
            "SELECT ordinal, message_id, message_key, ts AS timestamp, set_id, properties, traits, order_id, revenue, "
            "currency "
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
        if not self._count(f"SELECT count(*) FROM {_RECORDS} WHERE {window} AND doubtful"):
            return {}
        reader = self.con.execute(
            f"SELECT * FROM {_DOUBTFUL} WHERE {window.replace('ordinal', '__p360_ordinal')} "
            f"ORDER BY __p360_ordinal, {LINE}"
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
