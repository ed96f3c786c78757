"""One row (or one order's rows) of an export file as an :class:`EventRecord`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson

from persona360.clock import to_utc
from persona360.errors import InvalidEventError
from persona360.identity.normalise import normalise_identifier
from persona360.ingest.importers.mapping import SINGLE_ROLES, ColumnMapping, is_identifier_role
from persona360.ingest.record import UNDATED, EventRecord, order_identifiers
from persona360.ingest.validate import order_facts
from persona360.privacy.purposes import status_granted
from persona360.store.files import LINE

ORDER_MESSAGE = "order:"  # an order's message id: this and its order id (so a re-import stores it once)

KINDS = ("customers", "orders", "events")
TRAIT_OF_IDENTIFIER = {"email": "email", "phone": "phone"}


class RowContext:
    """What every row of one import shares."""

    def __init__(
        self,
        mapping: ColumnMapping,
        kind: str,
        source_id: int,
        source_name: str,
        now: datetime,
        region: str,
        event_name: str | None,
    ) -> None:
        self.mapping, self.kind, self.source_id = mapping, kind, source_id
        self.source_name, self.now, self.region = source_name, now, region
        self.event_name = event_name
        self.roles = {column: mapping.role_of(column) for column in mapping.roles}
        # line-item columns, found once per import rather than once per row
        self.items = [(column, role[5:]) for column, role in self.roles.items() if role.startswith("item:")]
        self._all_roles: dict[str, str] = {}
        # the column of each single role, looked up once per import rather than once per row
        self.column_of = {role: mapping.column_for(role) for role in SINGLE_ROLES}

    def roles_of(self, row: dict[str, Any]) -> dict[str, str]:
        """The role of every column of ``row`` (unmapped ones are properties), worked out once."""
        if len(self._all_roles) < len(row):
            self._all_roles = {column: self.mapping.role_of(column) for column in row}
        return self._all_roles


def rows_to_record(rows: list[dict[str, Any]], ctx: RowContext) -> EventRecord:
    """Build the record of a customer or event row, or of all line items of one order.

    Raises:
        InvalidEventError: naming the column that is wrong.
    """
    head = rows[0]
    identifiers: list[tuple[str, str]] = []
    traits: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    roles = ctx.roles_of(head)
    for column, value in head.items():
        if column == LINE or is_blank(value):
            continue
        _apply(roles[column], column, value, ctx, identifiers, traits, properties)
    return finish_record(head, ctx, identifiers, traits, properties, lambda: [_item(row, ctx) for row in rows])


def finish_record(
    head: dict[str, Any],
    ctx: RowContext,
    identifiers: list[tuple[str, str]],
    traits: dict[str, Any],
    properties: dict[str, Any],
    items: Callable[[], list[dict[str, Any]]],
) -> EventRecord:
    """The record of a group whose identifiers, traits and properties are known (both import paths).

    ``items`` gives the group's line items (orders); it is called only once the checks
    before it passed, so a row wrong in several ways is always rejected for the same reason.

    Raises:
        InvalidEventError: naming the column that is wrong.
    """
    if not identifiers:
        raise _no_identifier(ctx, properties)
    dated = _timestamp(head, ctx)
    timestamp = dated or ctx.now  # a customers row without a time: stamped now, flagged undated
    event, kind = _event_name(head, ctx)
    if ctx.kind == "orders":
        properties = _order_properties(head, items, ctx, properties)
    message_id = _message_id(head, ctx, properties)
    record = EventRecord(
        message_id=message_id,
        source_id=ctx.source_id,
        type=kind,
        timestamp=timestamp,
        received_at=ctx.now,
        identifiers=order_identifiers(identifiers),
        reason="record",
        event=event,
        user_id=next((v for k, v in identifiers if k == "user_id"), None),
        anonymous_id=next((v for k, v in identifiers if k == "anonymous_id"), None),
        properties=properties,
        traits=traits,
        context={"channel": "import", "source": ctx.source_name},
        extra={} if dated else {UNDATED: True},
        channel="import",
    )
    if ctx.kind == "orders":
        record.order = order_facts("Order Completed", properties, message_id)
    return record


def _no_identifier(ctx: RowContext, properties: dict[str, Any]) -> InvalidEventError:
    """Why a row has no identifier: the mapped values that are not valid, named, or that none is mapped or filled.

    A row whose email and phone were both mapped but malformed used to be told to map an
    identifier column, which it had done.
    """
    invalid = []
    for key, value in properties.items():
        column = key.removeprefix("invalid_")
        role = ctx.mapping.role_of(column) if column != key else ""
        if is_identifier_role(role):
            invalid.append(f"column {column!r} holds {str(value)[:40]!r}, not a valid {role}")
    if invalid:
        return InvalidEventError(f"the row has no valid identifier: {'; '.join(invalid)}", field="identifiers")
    return InvalidEventError(
        "the row has no identifier: map a column to email, phone, user_id, anonymous_id, "
        "id:NAMESPACE or handle:PLATFORM (or the value is empty)",
        field="identifiers",
    )


def _apply(
    role: str,
    column: str,
    value: Any,
    ctx: RowContext,
    identifiers: list[tuple[str, str]],
    traits: dict[str, Any],
    properties: dict[str, Any],
) -> None:
    if is_identifier_role(role):
        normalised = normalise_identifier(role, value, ctx.region)
        if normalised is not None:
            identifiers.append((role, normalised))
            if role in TRAIT_OF_IDENTIFIER:
                traits.setdefault(TRAIT_OF_IDENTIFIER[role], normalised)
        else:
            properties[f"invalid_{column}"] = plain(value)
    elif role.startswith("trait:"):
        traits[role[6:]] = plain(value)
    elif role.startswith("prop:"):
        properties[role[5:]] = plain(value)
    elif role.startswith("consent:"):
        add_consent(role, column, value, traits)


def add_consent(role: str, column: str, value: Any, traits: dict[str, Any]) -> None:
    """``traits.consent`` as an SDK identify carries it, read by the privacy room's ledger."""
    try:
        granted = status_granted(value)
    except ValueError as error:
        raise InvalidEventError(f"column {column!r}: {error}", field=column) from None
    purpose, _, channel = role.removeprefix("consent:").partition(":")
    decisions = traits.setdefault("consent", {})
    if channel:
        per_channel = decisions.get(purpose)
        decisions[purpose] = {**(per_channel if isinstance(per_channel, dict) else {}), channel: granted}
    else:
        decisions[purpose] = granted


def _timestamp(row: dict[str, Any], ctx: RowContext) -> datetime | None:
    """The row's time; ``None`` for a customers row without one (other kinds need one)."""
    column = ctx.column_of["timestamp"]
    if column is None or is_blank(row.get(column)):
        if ctx.kind == "customers":
            return None
        raise InvalidEventError(
            f"{ctx.kind} rows need a time: map a column to 'timestamp'"
            + (f" (column {column!r} is empty)" if column else ""),
            field=column or "timestamp",
        )
    value = row[column]
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        else:
            moment = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise InvalidEventError(
            f"column {column!r} holds {str(value)[:40]!r}, not a time like 2026-11-23 10:15:00",
            field=column,
        ) from None
    moment = to_utc(moment)
    if moment > ctx.now:
        raise InvalidEventError(f"column {column!r} holds {moment.isoformat()}, which is in the future", field=column)
    return moment


def _event_name(row: dict[str, Any], ctx: RowContext) -> tuple[str | None, str]:
    if ctx.kind == "customers":
        return None, "identify"
    if ctx.kind == "orders":
        return "Order Completed", "track"
    column = ctx.column_of["event"]
    name = str(row[column]).strip() if column and not is_blank(row.get(column)) else ctx.event_name
    if not name:
        raise InvalidEventError(
            "event rows need a name: map a column to 'event' or pass --event NAME",
            field=column or "event",
        )
    return name, "track"


def _order_properties(
    head: dict[str, Any], line_items: Callable[[], list[dict[str, Any]]], ctx: RowContext, properties: dict[str, Any]
) -> dict[str, Any]:
    column = ctx.column_of["order_id"]
    if column is None:
        raise InvalidEventError("orders need an order id: map a column to 'order_id'", field="order_id")
    order_id = head.get(column)
    if is_blank(order_id):
        raise InvalidEventError(f"column {column!r} (the order id) is empty", field=column)
    items = line_items()
    properties = {key: value for key, value in properties.items() if key != column}
    properties["order_id"] = str(order_id).strip()
    if any(items):
        properties["products"] = [item for item in items if item]
    for key in ("revenue", "total", "discount", "shipping", "tax"):
        if key in properties:
            properties[key] = as_number(properties[key], key)
    return properties


def _item(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column, name in ctx.items:
        if not is_blank(row.get(column)):
            value = row[column]
            item[name] = as_number(value, column) if name in ("price", "quantity") else plain(value)
    return item


def _message_id(row: dict[str, Any], ctx: RowContext, properties: dict[str, Any]) -> str:
    column = ctx.column_of["message_id"]
    if column is not None and not is_blank(row.get(column)):
        return str(row[column]).strip()
    if ctx.kind == "orders":
        return f"{ORDER_MESSAGE}{properties['order_id']}"
    content = {key: plain(value) for key, value in row.items() if key != LINE}
    digest = hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=12)
    return f"row:{digest.hexdigest()}"


def as_number(value: Any, column: str) -> float | int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value).strip().replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise InvalidEventError(f"column {column!r} holds {str(value)[:40]!r}, not a number", field=column) from None
    return int(number) if number.is_integer() and "." not in text else number


def plain(value: Any) -> Any:
    if type(value) is str:  # the common case (CSV cells): a union isinstance below costs more than the strip
        return value.strip()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is str:  # the common case (CSV cells), without isinstance's generality
        return not value or value.isspace()
    return isinstance(value, str) and (not value or value.isspace())
