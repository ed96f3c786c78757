"""The Segment HTTP Tracking API payloads, as pydantic models.

Field names and semantics follow the Segment spec so that Segment's and
RudderStack's SDKs talk to persona360 unchanged. Unknown fields are kept (Segment
keeps them too); ids may arrive as numbers and are turned into text, as Segment does.
"""

from __future__ import annotations

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
