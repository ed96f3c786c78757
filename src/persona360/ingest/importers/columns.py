"""The fast path of an import: blocks of columns to records, each distinct cell value converted once.

The row path (``rows.py``) turns every row into a dict and asks, per cell, what the
column's role is, whether the cell is blank and what its normalised form is. An
export repeats itself: a customer's email and phone come back on every order line,
a price list has a few thousand prices, a quantity column a handful of values. Here
every column of a block is converted once per distinct value (identifiers through
the same normalisers, properties and line-item numbers through the same helpers),
and a record is assembled from the converted columns.

A group whose conversion finds anything wrong (a value that is not a number, a row
without identifier, an unreadable time) is handed to the row path, which writes the
same reject, with the same line and reason, as an import without this path would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from persona360.errors import InvalidEventError
from persona360.identity.normalise import normalise_identifier
from persona360.ingest.importers.mapping import is_identifier_role
from persona360.ingest.importers.rows import (
    TRAIT_OF_IDENTIFIER,
    RowContext,
    add_consent,
    as_number,
    finish_record,
    is_blank,
    plain,
)
from persona360.ingest.record import EventRecord
from persona360.store.files import LINE

Columns = dict[str, list[Any]]
Fallback = Callable[[list[dict[str, Any]]], EventRecord | None]
_SKIP = object()  # a blank cell: the column says nothing for this row
_WRONG = object()  # a cell the row path would reject: the group goes there
_ITEM_NUMBERS = ("price", "quantity")


def blocks_of_groups(blocks: Iterator[Columns], order_column: str | None) -> Iterator[tuple[Columns, list[int]]]:
    """Yield blocks that end on a group boundary, with the start of each group (and the end).

    Without an order column every row is its own group. With one, the rows of one
    order id that reach the end of a block are carried over to the next block, so
    that an order is never split.
    """
    carry: Columns | None = None
    for block in blocks:
        if carry is not None:
            block = {name: carry[name] + values for name, values in block.items()}
        if order_column is None:
            yield block, list(range(len(block[LINE]) + 1))
            continue
        starts = _group_starts(block[order_column])
        last = starts[-1]
        carry = {name: values[last:] for name, values in block.items()}
        if last:
            yield {name: values[:last] for name, values in block.items()}, starts
    if carry is not None and carry[LINE]:
        yield carry, [*_group_starts(carry[order_column or LINE]), len(carry[LINE])]


def _group_starts(keys: list[Any]) -> list[int]:
    """Where each run of equal keys starts (the row path's grouping: consecutive equal ids)."""
    return [0, *(i for i in range(1, len(keys)) if keys[i] != keys[i - 1])]


class ColumnConverter:
    """Converts blocks of one import's columns into records."""

    def __init__(self, ctx: RowContext, names: list[str]) -> None:
        self.ctx = ctx
        self.names = [name for name in names if name != LINE]
        self.roles = {name: ctx.mapping.role_of(name) for name in self.names}
        self.head_names = _head_columns(ctx, names)
        # the columns a record reads its identifiers, traits and properties from, with
        # what each is, worked out once per import rather than once per record
        self.plan = [(name, _role_family(role), role) for name, role in self.roles.items()]
        self.plan = [step for step in self.plan if step[1] is not None]

    def records(self, block: Columns, starts: list[int], fallback: Fallback) -> Iterator[EventRecord]:
        """The record of each group of ``block`` (``fallback`` gets the groups the row path must judge)."""
        # a record reads identifiers, traits and properties from its group's first row only
        heads = starts[:-1]
        converted = {name: self._convert(name, _rows_at(block[name], heads)) for name, _, _ in self.plan}
        items = self._items(block) if self.ctx.kind == "orders" else None
        for group, (start, end) in enumerate(zip(starts, starts[1:], strict=False)):
            record = self._record(block, converted, items, group, start, end)
            if record is None:
                record = fallback([_row(block, i) for i in range(start, end)])
            if record is not None:
                yield record

    def _record(
        self, block: Columns, converted: Columns, items: list[Any] | None, group: int, start: int, end: int
    ) -> EventRecord | None:
        identifiers: list[tuple[str, str]] = []
        traits: dict[str, Any] = {}
        properties: dict[str, Any] = {}
        for name, family, role in self.plan:
            value = converted[name][group]
            if value is _SKIP:
                continue
            if value is _WRONG:
                return None
            if family == "identifier":
                ok, normalised = value
                if ok:
                    identifiers.append((role, normalised))
                    if role in TRAIT_OF_IDENTIFIER:
                        traits.setdefault(TRAIT_OF_IDENTIFIER[role], normalised)
                else:
                    properties[f"invalid_{name}"] = normalised
            elif family == "trait":
                traits[role[6:]] = value
            elif family == "prop":
                properties[role[5:]] = value
            else:
                try:
                    add_consent(role, name, value, traits)
                except InvalidEventError:
                    return None  # the row path rejects it with its line number
        group_items: list[Any] = []
        if items is not None:
            group_items = [item for item in items[start:end] if item is not None]
            if len(group_items) < end - start:
                return None
        try:
            head = {name: block[name][start] for name in self.head_names}
            return finish_record(head, self.ctx, identifiers, traits, properties, lambda: group_items)
        except InvalidEventError:
            return None

    def _convert(self, name: str, values: list[Any]) -> list[Any]:
        role = self.roles[name]
        if _role_family(role) == "identifier":
            region = self.ctx.region

            def convert(value: Any) -> Any:
                normalised = normalise_identifier(role, value, region)
                return (True, normalised) if normalised is not None else (False, plain(value))

        else:
            convert = plain
        return _each_distinct(values, convert)

    def _items(self, block: Columns) -> list[Any]:
        """Each row's line item (None when the row path must judge the row)."""
        fields = []
        for column, name in self.ctx.items:
            convert = _number_of(column) if name in _ITEM_NUMBERS else plain
            fields.append((name, _each_distinct(block[column], convert)))
        items: list[Any] = []
        for i in range(len(block[LINE])):
            item: dict[str, Any] | None = {}
            for name, values in fields:
                value = values[i]
                if value is _WRONG:
                    item = None
                    break
                if value is not _SKIP:
                    item[name] = value  # type: ignore[index]
            items.append(item)
        return items


def _role_family(role: str) -> str | None:
    """identifier, trait, prop or consent; None for a column ``finish_record`` reads itself."""
    if is_identifier_role(role):
        return "identifier"
    family = role.partition(":")[0]
    return family if family in ("trait", "prop", "consent") else None


def _head_columns(ctx: RowContext, names: list[str]) -> list[str]:
    """The columns ``finish_record`` reads from a group's first row.

    An order needs its time, its id and a message id column if one is mapped; any
    other record's message id may be a hash of the whole row.
    """
    if ctx.kind != "orders":
        return list(names)
    wanted = {ctx.column_of[role] for role in ("timestamp", "order_id", "message_id")}
    return [name for name in names if name in wanted]


def _number_of(column: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            return as_number(value, column)
        except InvalidEventError:
            return _WRONG

    return convert


def _each_distinct(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` applied to each value, computed once per distinct value; blanks are _SKIP."""
    try:
        seen: dict[Any, Any] = {}
        for value in set(values):
            seen[value] = _SKIP if is_blank(value) else convert(value)
        return [seen[value] for value in values]
    except TypeError:  # unhashable cells (lists, objects from JSON or Parquet)
        return [_SKIP if is_blank(value) else convert(value) for value in values]


def _rows_at(values: list[Any], rows: list[int]) -> list[Any]:
    """``values`` at ``rows`` (all of them when every row starts a group, as outside orders)."""
    if len(rows) == len(values):
        return values
    return [values[i] for i in rows]


def _row(block: Columns, i: int) -> dict[str, Any]:
    return {name: values[i] for name, values in block.items()}
