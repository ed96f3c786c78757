"""Whether an orders import can take the set-based path, and what each column does there.

The set-based path (``bulk.py``) builds every record in SQL. It covers the mappings
an orders export normally has; a mapping whose record the SQL would have to shape in
ways that depend on Python's dict semantics (two columns writing the same key, a
property named like one the importer adds itself) or that other rooms read per record
(consent columns), or a message id column, returns None here and the import takes
the column path (``columns.py``), which stores the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from persona360.ingest.importers.mapping import is_identifier_role
from persona360.ingest.importers.rows import TRAIT_OF_IDENTIFIER, RowContext

# Property names the row path converts to numbers (``rows._order_properties``).
NUMBER_PROPS = ("revenue", "total", "discount", "shipping", "tax")
ITEM_NUMBERS = ("price", "quantity")
_TAKEN = ("order_id", "products")  # keys the importer sets itself


@dataclass
class BulkPlan:
    """The columns of an orders file by what the set-based path does with them."""

    order: str
    timestamp: str
    # (column, role), in file order
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    # (column, key, kind): kind is "prop", "number", "invalid" (an identifier column's
    # invalid value) or "trait"; properties and traits in the order the row path adds them
    properties: list[tuple[str, str, str]] = field(default_factory=list)
    traits: list[tuple[str, str]] = field(default_factory=list)  # (column, name); identifiers' traits included
    items: list[tuple[str, str]] = field(default_factory=list)  # (column, field), in the mapping's order
    currency: str | None = None  # the column of the ``currency`` property


def bulk_plan(ctx: RowContext, columns: list[str], file_format: str) -> BulkPlan | None:
    """The plan for ``columns`` of an orders file, or None when the column path must import it.

    Only CSV: every cell is text there, which the SQL checks and shapes; Parquet and
    JSON cells are typed values that the row path converts in Python.
    """
    order, timestamp = ctx.column_of["order_id"], ctx.column_of["timestamp"]
    if ctx.kind != "orders" or file_format != "csv" or order is None or timestamp is None:
        return None
    if ctx.column_of["message_id"] is not None:
        return None
    plan = BulkPlan(order, timestamp, items=list(ctx.items))  # in mapping order, as the row path builds them
    for column in columns:
        if not _place(plan, column, ctx.mapping.role_of(column)):
            return None
    return plan if _distinct_keys(plan, order) else None


def _place(plan: BulkPlan, column: str, role: str) -> bool:
    """Add ``column`` to ``plan``; False when the set-based path cannot take it."""
    if is_identifier_role(role):
        if any(other == role for _, other in plan.identifiers):
            return False  # the first valid one of several wins per row: Python's job
        plan.identifiers.append((column, role))
        plan.properties.append((column, f"invalid_{column}", "invalid"))
        if role in TRAIT_OF_IDENTIFIER:
            plan.traits.append((column, TRAIT_OF_IDENTIFIER[role]))
    elif role.startswith("trait:"):
        plan.traits.append((column, role[6:]))
    elif role.startswith("prop:"):
        key = role[5:]
        plan.properties.append((column, key, "number" if key in NUMBER_PROPS else "prop"))
        if key == "currency":
            plan.currency = column
    elif role.startswith("consent:"):
        return False  # the privacy room's fact hook reads consent from each record
    return True  # order_id, timestamp, event and ignore need nothing more


def _distinct_keys(plan: BulkPlan, order: str) -> bool:
    keys = [key for _, key, _ in plan.properties]
    names = [name for _, name in plan.traits]
    fields = [name for _, name in plan.items]
    return (
        len(set(keys)) == len(keys)
        and not set(keys) & {*_TAKEN, order}
        and len(set(names)) == len(names)
        and "consent" not in names
        and len(set(fields)) == len(fields)
    )
