"""The plain reading of a call (``spec.read_plain``) gives the very record the model gives.

``to_record`` skips pydantic for calls whose fields already have their final types; a
call it cannot read that way goes to ``SegmentMessage`` as before. Every case here is
validated both ways and the records (or the errors) compared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from persona360.errors import InvalidEventError
from persona360.ingest import validate
from persona360.ingest.spec import read_plain
from persona360.ingest.validate import Limits, to_record

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LIMITS = Limits(NOW, timedelta(hours=24), timedelta(days=3650), "UA")
CONTEXT = {"userAgent": "Mozilla/5.0 (iPhone)", "page": {"url": "https://shop.example/"}, "traits": {"x": 1}}
CASES: list[dict[str, Any]] = [
    {"type": "track", "messageId": "m1", "anonymousId": "a1", "event": "Product Viewed", "properties": {"p": 1}},
    {
        "type": "identify",
        "messageId": "m2",
        "userId": "u1",
        "traits": {"email": " Jane@X.org ", "phone": "+380671234567"},
    },
    {"type": "identify", "messageId": "m3", "userId": "u1", "context": {**CONTEXT, "traits": {"email": "a@b.org"}}},
    {"type": "page", "messageId": "m4", "anonymousId": "a1", "name": "Home", "category": "Shop", "context": CONTEXT},
    {"type": "alias", "messageId": "m5", "userId": "u2", "previousId": "a9", "integrations": {"All": True}},
    {"type": "group", "messageId": "m6", "userId": "u2", "groupId": "g1", "traits": {"name": "Acme"}},
    {"type": "track", "messageId": "m7", "userId": "u3", "event": "Order Completed", "properties": {"revenue": 9.5}},
    {"type": "track", "messageId": "m8", "userId": 42, "event": "X"},  # number id: the model converts it
    {"type": "track", "messageId": "m9", "userId": "u", "event": "X", "unknown": [1, 2], "writeKey": "k"},
    {"type": "track", "messageId": "m10", "userId": None, "anonymousId": "a", "event": "X", "traits": None},
    {
        "type": "track",
        "messageId": "m11",
        "anonymousId": "a",
        "event": "X",
        "timestamp": "2026-11-01T10:00:00Z",
        "sentAt": "2026-11-01T11:00:00Z",
    },
    {"type": "track", "userId": "u", "event": "X" * 600},  # over the limit: the model names it
    {"type": "track", "userId": "u", "event": "X", "properties": [1]},
    {"type": "identify", "userId": True},
    {"type": "identify", "userId": "u", "sentAt": 5},
    {"type": "track", "messageId": "m" * 257, "userId": "u", "event": "X"},
]


def both_ways(raw: dict[str, Any], monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[Any, Any]:
    def outcome() -> Any:
        try:
            return to_record(raw, source_id=1, limits=LIMITS, **kw)
        except InvalidEventError as error:
            return ("error", error.field, str(error))

    plain = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(validate, "read_plain", lambda raw: None)
        model = outcome()
    return plain, model


@pytest.mark.parametrize("raw", CASES)
def test_plain_and_model_give_the_same_record(raw: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    plain, model = both_ways(raw, monkeypatch, batch_context={"ip": "10.0.0.1"}, batch_sent_at=None)
    assert plain == model


def test_unusual_fields_are_left_to_the_model() -> None:
    assert read_plain({"userId": 42}) is None
    assert read_plain({"traits": [1]}) is None
    assert read_plain({"event": "X" * 513}) is None
    assert read_plain({"event": "X" * 512, "extra": {"a": 1}}) is not None


def test_object_fields_are_copies() -> None:
    traits = {"plan": "free"}
    read = read_plain({"traits": traits})
    assert read is not None and read[0]["traits"] == traits and read[0]["traits"] is not traits


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    ["type", "messageId", "userId", "anonymousId", "event", "name", "traits", "properties", "context", "sentAt", "x"]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(FIELDS, JSON | st.sampled_from(["track", "identify", "page", "u1"]), max_size=8))
def test_any_call_gives_the_same_outcome(raw: dict[str, Any]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        plain, model = both_ways(raw, monkeypatch)
    if isinstance(plain, tuple) or not raw.get("messageId"):
        # without a messageId each record gets a fresh uuid; compare the rest
        plain = plain if isinstance(plain, tuple) else {**_fields(plain), "message_id": "", "message_key": 0}
        model = model if isinstance(model, tuple) else {**_fields(model), "message_id": "", "message_key": 0}
    assert plain == model


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}
