"""The Segment HTTP Tracking API payloads, as pydantic models.

Field names and semantics follow the Segment spec so that Segment's and
RudderStack's SDKs talk to persona360 unchanged. Unknown fields are kept (Segment
keeps them too); ids may arrive as numbers and are turned into text, as Segment does.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MessageType = Literal["identify", "track", "page", "screen", "group", "alias"]
MESSAGE_TYPES: tuple[str, ...] = ("identify", "track", "page", "screen", "group", "alias")


def _id_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a string or a number, not a boolean")
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


class SegmentMessage(BaseModel):
    """One call of the Segment spec (identify, track, page, screen, group, alias)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str | None = None
    messageId: str | None = Field(None, max_length=256)
    userId: str | None = Field(None, max_length=512)
    anonymousId: str | None = Field(None, max_length=512)
    previousId: str | None = Field(None, max_length=512)
    groupId: str | None = Field(None, max_length=512)
    event: str | None = Field(None, max_length=512)
    name: str | None = Field(None, max_length=512)
    category: str | None = Field(None, max_length=512)
    timestamp: str | None = None
    originalTimestamp: str | None = None
    sentAt: str | None = None
    receivedAt: str | None = None
    traits: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    writeKey: str | None = None

    _ids = field_validator("messageId", "userId", "anonymousId", "previousId", "groupId", mode="before")(_id_text)


class SegmentBatch(BaseModel):
    """The body of ``/v1/batch`` (and the browser's ``/v1/b``)."""

    model_config = ConfigDict(extra="allow")

    batch: list[Any]
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    sentAt: str | None = None
    writeKey: str | None = None


def _text_limit(name: str) -> int | None:
    limits = [rule.max_length for rule in SegmentMessage.model_fields[name].metadata if hasattr(rule, "max_length")]
    return min(limits) if limits else None


# The fields of the spec read by hand: the longest text each takes (no limit: sys.maxsize) ...
_TEXT_LIMITS: dict[str, int] = {
    name: _text_limit(name) or sys.maxsize
    for name, field in SegmentMessage.model_fields.items()
    if field.annotation != (dict[str, Any] | None)
}
# ... and those that take an object.
_OBJECT_FIELDS = frozenset(SegmentMessage.model_fields) - frozenset(_TEXT_LIMITS)


def read_plain(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``raw``'s known fields and its unknown ones, or None when the model must read it.

    Nearly every call an SDK sends has its every known field in its final type, and
    ``SegmentMessage.model_validate`` cost about a fifth of validating one (copying
    each object field on the way). The fields returned have the model's values (an
    object field is a copy, as the model makes); anything unusual (a number as an id,
    a field of the wrong type, a text over its limit) is left to the model, which
    converts it or names the error.

    Example:
        >>> read_plain({"type": "track", "event": "Viewed", "anonymousId": "a1", "x": 1})[1]
        {'x': 1}
        >>> read_plain({"type": "track", "userId": 42}) is None
        True
    """
    fields, extra = {}, {}
    # text fields first, by the commonest test: this loop runs for every field of every call
    for name, value in raw.items():
        limit = _TEXT_LIMITS.get(name)
        if limit is not None:
            if type(value) is str:
                if len(value) > limit:
                    return None
            elif value is not None:
                return None
        elif name in _OBJECT_FIELDS:
            if type(value) is dict:
                value = dict(value)  # a copy, as the model makes
            elif value is not None:
                return None
        else:
            extra[name] = value
            continue
        fields[name] = value
    return fields, extra


def read_model(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``raw`` read by :class:`SegmentMessage`, in the shape of :func:`read_plain`.

    Raises:
        pydantic.ValidationError: naming the field the model cannot read.
    """
    message = SegmentMessage.model_validate(raw)
    return {name: getattr(message, name) for name in SegmentMessage.model_fields}, dict(message.model_extra or {})
