"""Validation of Segment calls: every kind of bad input, and the skew correction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona360.errors import InvalidEventError
from persona360.ingest.record import order_identifiers
from persona360.ingest.spec import SegmentMessage
from persona360.ingest.validate import Limits, infer_device, to_record

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LIMITS = Limits(NOW, timedelta(hours=24), timedelta(days=3650), "UA")


def record(raw: Any, **kw: Any):  # noqa: ANN201
    return to_record(raw, source_id=1, limits=LIMITS, **kw)


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ([1, 2], "", "must be a JSON object"),
        ({"type": "track", "event": "X"}, "userId", "either 'userId' or 'anonymousId' is required"),
        ({"type": "track", "userId": "", "anonymousId": ""}, "userId", "both are missing or empty"),
        ({"type": "track", "userId": "u"}, "event", "'event' is required for track"),
        ({"type": "fly", "userId": "u"}, "type", "'type' is 'fly'"),
        ({"userId": "u"}, "type", "'type' is missing"),
        ({"type": "track", "userId": "u", "event": "X", "properties": [1]}, "properties", "must be a JSON object"),
        ({"type": "identify", "userId": "u", "traits": "x"}, "traits", "must be a JSON object"),
        ({"type": "identify", "userId": True}, "userId", "not a boolean"),
        ({"type": "identify", "userId": "u", "context": 5}, "context", "must be a JSON object"),
        ({"type": "identify", "userId": "u", "context": {"traits": [1]}}, "context.traits", "must be a JSON object"),
        ({"type": "identify", "userId": "u", "timestamp": "yesterday"}, "timestamp", "not an ISO-8601 time"),
        ({"type": "identify", "userId": "u", "timestamp": "2099-01-01T00:00:00Z"}, "timestamp", "in the future"),
        ({"type": "identify", "userId": "u", "timestamp": "1990-01-01T00:00:00Z"}, "timestamp", "older than"),
        ({"type": "identify", "userId": "u", "sentAt": 5}, "sentAt", "must be a string"),
        ({"type": "alias", "userId": "u"}, "previousId", "need both 'previousId' and 'userId'"),
        ({"type": "group", "userId": "u"}, "groupId", "'groupId' is required"),
        ({"type": "track", "userId": "u", "event": "X" * 600}, "event", "too long"),
    ],
)
def test_bad_calls_name_the_field(raw: Any, field: str, message: str) -> None:
    with pytest.raises(InvalidEventError, match=message) as caught:
        record(raw)
    assert caught.value.field == field


def test_endpoint_type_must_match_the_body() -> None:
    with pytest.raises(InvalidEventError, match="this endpoint takes 'identify'"):
        record({"type": "track", "userId": "u", "event": "x"}, expected_type="identify")


def test_client_clock_skew_is_corrected_from_sent_at() -> None:
    ahead = NOW + timedelta(hours=1)
    event = record(
        {
            "type": "track",
            "userId": "u",
            "event": "X",
            "timestamp": (ahead - timedelta(seconds=30)).isoformat(),
            "sentAt": ahead.isoformat(),
        }
    )
    assert event.timestamp == NOW - timedelta(seconds=30)
    assert event.original_timestamp == ahead - timedelta(seconds=30)


def test_a_batch_sent_at_serves_the_calls_without_one_and_a_bad_one_is_refused_for_each() -> None:
    ahead = NOW + timedelta(hours=1)
    call = {"type": "track", "userId": "u", "event": "X", "timestamp": (ahead - timedelta(seconds=30)).isoformat()}
    first, second = (record(dict(call), batch_sent_at=ahead.isoformat()) for _ in range(2))
    assert first.timestamp == second.timestamp == NOW - timedelta(seconds=30)
    assert first.sent_at == ahead
    own = record({**call, "sentAt": (ahead - timedelta(seconds=10)).isoformat()}, batch_sent_at=ahead.isoformat())
    assert own.timestamp == NOW - timedelta(seconds=20)  # the call's own sentAt wins
    for _ in range(2):  # a bad batch sentAt is refused for every call that relies on it
        with pytest.raises(InvalidEventError, match="'sentAt' is 'soon'") as caught:
            record(dict(call), batch_sent_at="soon")
        assert caught.value.field == "sentAt"


def test_identify_traits_in_context_and_top_level_merge_top_level_winning() -> None:
    event = record(
        {
            "type": "identify",
            "userId": "u",
            "traits": {"firstName": "Jane"},
            "context": {"traits": {"firstName": "J", "email": "J@X.org"}},
        }
    )
    assert event.traits == {"firstName": "Jane", "email": "J@X.org"}
    assert ("email", "j@x.org") in event.identifiers


def test_track_takes_identifiers_from_context_traits_but_stores_no_traits() -> None:
    event = record(
        {"type": "track", "anonymousId": "a", "event": "X", "context": {"traits": {"phone": "067 123 45 67"}}}
    )
    assert event.traits == {}
    assert ("phone", "+380671234567") in event.identifiers


def test_explicit_nulls_are_accepted() -> None:
    event = record(
        {
            "type": "identify",
            "userId": "u",
            "traits": {"email": None, "city": None},
            "context": None,
            "properties": None,
            "integrations": None,
        }
    )
    assert event.traits == {"email": None, "city": None}


def test_numeric_ids_become_text_as_segment_does() -> None:
    event = record({"type": "identify", "userId": 1234, "messageId": 99})
    assert event.user_id == "1234" and event.message_id == "99"


def test_order_completed_gives_order_facts_with_revenue_from_products() -> None:
    event = record(
        {
            "type": "track",
            "userId": "u",
            "event": "Order Completed",
            "properties": {"order_id": "o-1", "products": [{"price": 10, "quantity": 2}, {"price": 5}]},
        }
    )
    assert event.order is not None
    assert (event.order.order_id, event.order.revenue) == ("o-1", 25.0)


def test_an_order_without_ids_is_keyed_by_the_message_id_it_is_stored_with() -> None:
    """Two orders naming no order id, sent with no messageId, were both order ``msg:None``."""
    call = {"type": "track", "userId": "u", "event": "Order Completed", "properties": {"revenue": 10}}
    first, second = record(call), record(call)
    assert first.order is not None and second.order is not None
    assert first.order.order_id == f"msg:{first.message_id}"
    assert first.order.order_id != second.order.order_id


def test_external_ids_become_namespaced_identifiers() -> None:
    event = record(
        {
            "type": "track",
            "userId": "u",
            "event": "X",
            "context": {"externalIds": [{"id": "1234", "type": "shop", "collection": "users"}]},
        }
    )
    assert ("id:shop", "1234") in event.identifiers


IDS = st.sampled_from(["", " ", "u1", "A1", "x@y.org", "+380671234567", "1234"])


@given(
    kind=st.sampled_from(["identify", "track", "alias"]),
    user_id=IDS,
    anonymous_id=IDS,
    previous_id=IDS,
    email=IDS,
    phone=IDS,
    external=st.lists(st.tuples(st.sampled_from(["shop", "crm", "Shop"]), IDS), max_size=3),
)
def test_identifiers_come_most_trusted_first_each_once(
    kind: str,
    user_id: str,
    anonymous_id: str,
    previous_id: str,
    email: str,
    phone: str,
    external: list[tuple[str, str]],
) -> None:
    """``_identifiers`` lists them in the order ``order_identifiers`` sorts them into, without its sort."""
    person = {"email": email, "phone": phone}
    raw = {
        "type": kind,
        "event": "X",
        "userId": user_id if user_id.strip() else "u0",  # a call needs one id
        "anonymousId": anonymous_id,
        "previousId": previous_id or "p0",
        "traits": person,
        "context": {"traits": person, "externalIds": [{"type": t, "id": i} for t, i in external]},
    }
    identifiers = record(raw).identifiers
    assert identifiers == order_identifiers(identifiers)
    assert all(value for _, value in identifiers)


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "mobile"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", "tablet"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120", "desktop"),
    ],
)
def test_device_from_user_agent(agent: str, device: str) -> None:
    assert infer_device({"userAgent": agent}) == device


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@given(
    user_id=st.text(min_size=1, max_size=30).filter(str.strip),
    event=st.text(min_size=1, max_size=30).filter(str.strip),
    properties=st.dictionaries(st.text(max_size=10), json_values, max_size=4),
)
def test_segment_message_round_trips_json(user_id: str, event: str, properties: dict[str, Any]) -> None:
    raw = {"type": "track", "userId": user_id, "event": event, "properties": properties}
    message = SegmentMessage.model_validate(raw)
    again = SegmentMessage.model_validate(message.model_dump(exclude_none=True))
    assert again == message
    assert message.model_dump(exclude_none=True) == raw
