"""Turn one Segment call into an :class:`EventRecord`, or say exactly what is wrong.

Errors name the field (``traits``, ``timestamp``, ``userId``...) and the fix, and are
raised as :class:`InvalidEventError` so the API can answer 400 for that event alone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from persona360.clock import to_utc
from persona360.errors import InvalidEventError
from persona360.identity.normalise import normalise_email, normalise_phone, normalise_plain_id
from persona360.ingest.record import EventRecord, OrderFacts, order_identifiers
from persona360.ingest.spec import MESSAGE_TYPES, read_model, read_plain

ORDER_EVENTS = frozenset({"Order Completed", "order_completed", "Order Placed"})
_REASONS = {"identify": "identify", "alias": "alias"}
_TYPES = frozenset(MESSAGE_TYPES)
_EXTRA_FIELDS = ("previousId", "groupId", "category", "integrations")  # kept with the event, in this order
_Get = Callable[[str], Any]  # a call's field by name (None when absent)
_MOBILE = re.compile(r"iphone|android.+mobile|mobile|windows phone", re.IGNORECASE)
_TABLET = re.compile(r"ipad|tablet|android(?!.*mobile)", re.IGNORECASE)


class Limits:
    """The time window and region one request is validated against."""

    def __init__(self, now: datetime, max_future: timedelta, max_past: timedelta, region: str) -> None:
        self.now, self.region = now, region
        self.earliest, self.latest = now - max_past, now + max_future


def to_record(
    raw: Any,
    *,
    source_id: int,
    limits: Limits,
    expected_type: str | None = None,
    batch_sent_at: str | None = None,
    batch_context: dict[str, Any] | None = None,
) -> EventRecord:
    """Validate one call and build its record.

    Args:
        raw: the decoded JSON object of the call.
        source_id: the source whose write key sent it.
        limits: now, the accepted time window and the phone region.
        expected_type: the type the endpoint implies (``/v1/track``), if any.
        batch_sent_at: the batch's ``sentAt``, used when the call has none.
        batch_context: the batch's ``context``, under the call's own.

    Raises:
        InvalidEventError: naming the field that is wrong.
    """
    if not isinstance(raw, dict):
        raise InvalidEventError("each event must be a JSON object", field="")
    # one dict of the known fields, read by hand or by the model: no message object per call
    fields, unknown = _parse(raw)
    get = fields.get
    kind = _message_type(get("type"), expected_type)
    own = get("context")  # the call's own copy already (read_plain, the model): merged only under a batch's
    context = (own or {}) if batch_context is None else {**batch_context, **(own or {})}
    traits = _traits(get("traits"), kind, context)
    received = limits.now
    original = _time(get("originalTimestamp") or get("timestamp"), "timestamp")
    sent = get("sentAt")
    sent_at = _time(sent, "sentAt") if sent else _batch_time(batch_sent_at)
    timestamp = _corrected(original, sent_at, received)
    if not limits.earliest <= timestamp <= limits.latest:
        _refuse_window(timestamp, limits)
    # strip first: "   " is no id, and must be refused here rather than reach the graph
    user_raw, anonymous_raw = get("userId"), get("anonymousId")
    user_id = (user_raw or "").strip() or None
    anonymous_id = (anonymous_raw or "").strip() or None
    _check_type_fields(get, kind, user_id, anonymous_id)
    properties = get("properties") or {}
    # given before the order: an order without its own id is keyed by this one
    message_id = get("messageId") or f"p360-{uuid.uuid4()}"
    if kind == "track":
        event = get("event")
        order = order_facts(event, properties, message_id)
    else:
        event, order = get("name"), None
    # positional, in the field order of EventRecord: 19 keywords cost half the construction
    return EventRecord(
        message_id,
        source_id,
        kind,
        timestamp,
        received,
        _identifiers(
            user_id, anonymous_id, get("previousId") if kind == "alias" else None, kind, traits, context, limits.region
        ),
        _REASONS.get(kind, "same_event"),
        event,
        user_id,
        anonymous_id,
        original,
        sent_at,
        properties,
        traits,
        context,
        _extra(get, unknown),
        order,
        infer_channel(kind, context),
        infer_device(context),
    )


def order_facts(event: str | None, properties: dict[str, Any], fallback_id: str) -> OrderFacts | None:
    """The order a Segment e-commerce ``Order Completed`` event describes.

    ``fallback_id`` is the event's message id, the order's id when its properties name
    none: it must be the id the event is stored with (``ORDER_ID_SQL`` reads that one),
    and never missing, or every such order would share one id and count as the first.
    """
    if event not in ORDER_EVENTS:
        return None
    order_id = normalise_plain_id(properties.get("order_id") or properties.get("orderId"))
    revenue = _number(properties.get("revenue"))
    if revenue is None:
        revenue = _number(properties.get("total"))
    if revenue is None:
        revenue = _products_total(properties.get("products"))
    currency = properties.get("currency")
    return OrderFacts(
        order_id=order_id or f"msg:{fallback_id}",
        revenue=revenue,
        currency=currency if isinstance(currency, str) else None,
    )


def infer_channel(kind: str, context: dict[str, Any]) -> str:
    """web, app or server: where a call came from, from its context."""
    channel = context.get("channel")
    if isinstance(channel, str) and channel:
        return {"browser": "web", "mobile": "app"}.get(channel, channel)
    if kind == "screen" or isinstance(context.get("app"), dict):
        return "app"
    if context.get("userAgent") or isinstance(context.get("page"), dict):
        return "web"
    return "server"


def infer_device(context: dict[str, Any]) -> str | None:
    """mobile, tablet or desktop, from ``context.device.type`` or the user agent."""
    device = context.get("device")
    if isinstance(device, dict) and isinstance(device.get("type"), str):
        kind: str = device["type"].lower()
        return {"ios": "mobile", "android": "mobile", "phone": "mobile"}.get(kind, kind)
    agent = context.get("userAgent")
    if not isinstance(agent, str) or not agent:
        return None
    return _device_of_agent(agent)


@lru_cache(maxsize=4096)
def _device_of_agent(agent: str) -> str:
    """The device kind a user agent names; cached, as a shop sees the same few agents all day."""
    if _TABLET.search(agent):
        return "tablet"
    return "mobile" if _MOBILE.search(agent) else "desktop"


# -- the parts -----------------------------------------------------------------
def _parse(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The call's known fields and its unknown ones."""
    plain = read_plain(raw)  # the common case, without pydantic
    if plain is not None:
        return plain
    try:
        return read_model(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        value = raw.get(str(first["loc"][0])) if first["loc"] else None
        expected = _expected(first["type"], first["msg"])
        raise InvalidEventError(f"field {field!r} {expected} (got {_show(value)})", field=field) from None


def _expected(error_type: str, message: str) -> str:
    if error_type == "dict_type":
        return "must be a JSON object"
    if error_type in ("string_type", "str_type"):
        return "must be a string"
    if error_type == "string_too_long":
        return "is too long: " + message.lower()
    return message.lower()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message_type(given: str | None, expected: str | None) -> str:
    kind = given or expected
    if kind in _TYPES and (expected is None or given is None or given == expected):
        return kind
    if kind is None:
        raise InvalidEventError(f"field 'type' is missing: use one of {', '.join(MESSAGE_TYPES)}", field="type")
    if kind not in MESSAGE_TYPES:
        raise InvalidEventError(f"field 'type' is {kind!r}: use one of {', '.join(MESSAGE_TYPES)}", field="type")
    raise InvalidEventError(f"field 'type' is {kind!r} but this endpoint takes {expected!r} calls", field="type")


def _traits(own: dict[str, Any] | None, kind: str, context: dict[str, Any]) -> dict[str, Any]:
    context_traits = context.get("traits")
    if context_traits is not None and not isinstance(context_traits, dict):
        raise InvalidEventError(
            f"field 'context.traits' must be a JSON object (got {_show(context_traits)})",
            field="context.traits",
        )
    if kind in ("identify", "group"):
        # Segment reads identify traits at the top level or in context.traits.
        return {**(context_traits or {}), **(own or {})}
    return dict(own or {})


def _time(value: str | None, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return to_utc(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        raise InvalidEventError(
            f"field {field!r} is {_show(value)}, not an ISO-8601 time such as 2026-11-23T10:15:00.000Z",
            field=field,
        ) from None


@lru_cache(maxsize=64)
def _batch_time(value: str | None) -> datetime | None:
    """A batch's ``sentAt``, read once for all its calls without one (and one object the writer converts once)."""
    return _time(value, "sentAt")


def _corrected(original: datetime | None, sent_at: datetime | None, received: datetime) -> datetime:
    """Correct client clock skew as Segment does: receivedAt - (sentAt - originalTimestamp)."""
    if original is None:
        return received
    if sent_at is None:
        return original
    try:
        return received - (sent_at - original)
    except OverflowError:
        raise InvalidEventError(
            f"fields 'sentAt' ({sent_at.isoformat()}) and 'timestamp' ({original.isoformat()}) "
            "are too far apart to correct clock skew",
            field="sentAt",
        ) from None


def _refuse_window(timestamp: datetime, limits: Limits) -> None:
    """Raise for a time outside the accepted window (the caller saw it is outside)."""
    if timestamp > limits.latest:
        raise InvalidEventError(
            f"field 'timestamp' is in the future ({timestamp.isoformat()}, after correcting "
            f"clock skew; the server's time is {limits.now.isoformat()})",
            field="timestamp",
        )
    raise InvalidEventError(
        f"field 'timestamp' ({timestamp.isoformat()}) is older than the accepted window "
        f"(earliest {limits.earliest.isoformat()})",
        field="timestamp",
    )


def _check_type_fields(get: _Get, kind: str, user_id: str | None, anonymous_id: str | None) -> None:
    if not user_id and not anonymous_id:
        raise InvalidEventError(
            "either 'userId' or 'anonymousId' is required and both are missing or empty",
            field="userId",
        )
    if kind == "track":
        event = get("event")
        if not (event and event.strip()):
            raise InvalidEventError("field 'event' is required for track calls", field="event")
    elif kind == "group" and not get("groupId"):
        raise InvalidEventError("field 'groupId' is required for group calls", field="groupId")
    elif kind == "alias" and not (get("previousId") and user_id):
        raise InvalidEventError("alias calls need both 'previousId' and 'userId'", field="previousId")


def _identifiers(
    user_id: str | None,
    anonymous_id: str | None,
    previous_id: str | None,
    kind: str,
    traits: dict[str, Any],
    context: dict[str, Any],
    region: str,
) -> list[tuple[str, str]]:
    """The call's identifiers, most trusted first (``user_id`` and ``anonymous_id`` stripped already).

    They are listed in the order of ``record.ANCHOR_ORDER``, one of each kind, which is the
    order ``order_identifiers`` sorts them into: only two external ids need its sort (and
    its deduplication). Sorting every call's keys cost more than any other step of
    ``to_record`` once the cache of orders missed, as it does for each new visitor.
    """
    keys: list[tuple[str, str]] = []
    if user_id:
        keys.append(("user_id", user_id))
    external = context.get("externalIds")
    external_ids = _external_ids(external) if external is not None else []
    keys.extend(external_ids)
    # identify carries the person's traits; other calls repeat them in context.traits
    person_traits = traits if kind == "identify" else (context.get("traits") or {})
    if person_traits and isinstance(person_traits, dict):
        email = normalise_email(person_traits.get("email"))
        if email:
            keys.append(("email", email))
        phone = person_traits.get("phone")
        if phone is not None:
            phone = normalise_phone(phone, region)
            if phone:
                keys.append(("phone", phone))
    if anonymous_id:
        keys.append(("anonymous_id", anonymous_id))
    if previous_id and (previous := previous_id.strip()):
        keys.append(("previous_id", previous))
    return order_identifiers(keys) if len(external_ids) > 1 else keys


def _external_ids(value: Any) -> list[tuple[str, str]]:
    """``context.externalIds`` ([{id, type, collection}]) as ``id:TYPE`` identifiers."""
    if not isinstance(value, list):
        return []
    keys = []
    for item in value:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type") or "").strip().lower()
        identifier = normalise_plain_id(item.get("id"))
        if kind and identifier and re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", kind):
            keys.append((f"id:{kind}", identifier))
    return keys


def _extra(get: _Get, unknown: dict[str, Any]) -> dict[str, Any]:
    extra = {}
    for name in _EXTRA_FIELDS:  # a loop: a comprehension builds a function each call
        value = get(name)
        if value:
            extra[name] = value
    if unknown:
        extra.update(unknown)
    return extra


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return None
    return None


def _products_total(products: Any) -> float | None:
    if not isinstance(products, list) or not products:
        return None
    total = 0.0
    for product in products:
        if isinstance(product, dict):
            price = _number(product.get("price")) or 0.0
            quantity = _number(product.get("quantity")) or 1.0
            total += price * quantity
    return total
