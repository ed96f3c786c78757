"""What Segment's SDKs and analytics.js rely on, checked against the real server."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from integration.server import Live

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
SINGLE_KINDS = {
    "identify": {"traits": {"plan": "free"}},
    "track": {"event": "Signed Up"},
    "page": {"name": "Home"},
    "screen": {"name": "Cart"},
    "group": {"groupId": "acme"},
    "alias": {"previousId": "old-id"},
}


def _profile(admin: httpx.Client, **identifier: str) -> dict[str, Any]:
    answer = admin.get("/v1/profiles/lookup", params=identifier)
    assert answer.status_code == 200, answer.text
    profile: dict[str, Any] = answer.json()
    return profile


def _timeline(admin: httpx.Client, profile_id: int) -> list[dict[str, Any]]:
    answer = admin.get(f"/v1/profiles/{profile_id}/timeline", params={"limit": 500})
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("kind", list(SINGLE_KINDS))
def test_single_call_answers_exactly_success_true(tracking: httpx.Client, tag: str, kind: str) -> None:
    body = {"userId": f"u-{tag}", **SINGLE_KINDS[kind]}
    answer = tracking.post(f"/v1/{kind}", json=body)
    assert answer.status_code == 200
    assert answer.json() == {"success": True}
    assert answer.headers["content-type"].startswith("application/json")


def test_write_key_as_basic_user_or_in_body(live: Live, admin: httpx.Client, tag: str) -> None:
    basic = httpx.post(
        f"{live.url}/v1/track",
        auth=(live.creds.write_key, ""),
        json={"userId": f"u-{tag}", "event": "Via Basic"},
    )
    in_body = httpx.post(
        f"{live.url}/v1/track",
        json={"writeKey": live.creds.write_key, "userId": f"u-{tag}", "event": "Via Body"},
    )
    assert (basic.status_code, in_body.status_code) == (200, 200), (basic.text, in_body.text)
    events = _timeline(admin, _profile(admin, user_id=f"u-{tag}")["profile_id"])
    assert {event["event"] for event in events} == {"Via Basic", "Via Body"}


def test_gzip_encoded_batch(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    batch = {"batch": [{"type": "track", "userId": f"u-{tag}", "event": f"E{i}"} for i in range(20)]}
    answer = tracking.post(
        "/v1/batch",
        content=gzip.compress(orjson.dumps(batch)),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"success": True, "accepted": 20}
    assert _profile(admin, user_id=f"u-{tag}")["n_track"] == 20


def test_identify_traits_in_context_traits(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    email = f"ctx.{tag}@example.org"
    answer = tracking.post(
        "/v1/identify",
        json={"userId": f"u-{tag}", "context": {"traits": {"email": email, "firstName": "Olena"}}},
    )
    assert answer.status_code == 200, answer.text
    profile = _profile(admin, email=email)
    assert profile["traits"]["firstName"]["value"] == "Olena"
    assert ("user_id", f"u-{tag}") in {(i["kind"], i["value"]) for i in profile["identifiers"]}


def test_explicit_nulls_are_accepted(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    nulls = {
        "anonymousId": None,
        "messageId": None,
        "timestamp": None,
        "sentAt": None,
        "properties": None,
        "context": None,
        "integrations": None,
        "traits": None,
    }
    for kind, extra in (("track", {"event": "Nulls"}), ("identify", {}), ("page", {"name": None})):
        answer = tracking.post(f"/v1/{kind}", json={"userId": f"u-{tag}", **nulls, **extra})
        assert answer.status_code == 200, (kind, answer.text)
    assert _profile(admin, user_id=f"u-{tag}")["event_count"] == 3


def test_browser_short_paths_with_text_plain(live: Live, admin: httpx.Client, tag: str) -> None:
    key, anon = live.creds.write_key, f"anon-{tag}"
    bodies = {
        "/v1/p": {"type": "page", "name": "Home", "anonymousId": anon},
        "/v1/t": {"type": "track", "event": "Added To Cart", "anonymousId": anon},
        "/v1/i": {"type": "identify", "anonymousId": anon, "traits": {"email": f"b.{tag}@x.org"}},
        "/v1/b": {"batch": [{"type": "track", "event": "In Batch", "anonymousId": anon}]},
    }
    for path, body in bodies.items():
        answer = httpx.post(
            f"{live.url}{path}",
            content=orjson.dumps({**body, "writeKey": key}),
            headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://shop.example"},
        )
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    events = _timeline(admin, _profile(admin, email=f"b.{tag}@x.org")["profile_id"])
    assert sorted(e["event"] or e["type"] for e in events) == [
        "Added To Cart",
        "Home",
        "In Batch",
        "identify",
    ]


@pytest.mark.parametrize("origin", [None, "https://shop.example"])
def test_tracking_answers_carry_the_cors_headers_of_the_other_routes(live: Live, tag: str, origin: str | None) -> None:
    """The intake answers ahead of the CORS middleware (api/intake.py): same headers as a route behind it."""
    headers = {"Content-Type": "text/plain"} | ({"Origin": origin} if origin else {})
    body = {"writeKey": live.creds.write_key, "type": "track", "event": "Cors", "anonymousId": f"c-{tag}"}
    named = ("vary", "access-control-allow-origin")
    cors = {}
    for path in ("/v1/t", "/v1/batch", "/v1/m"):  # /v1/m is a FastAPI route behind CORSMiddleware
        sent = {"batch": [body], "writeKey": body["writeKey"]} if path == "/v1/batch" else body
        answer = httpx.post(f"{live.url}{path}", content=orjson.dumps(sent), headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        cors[path] = {name: value for name, value in answer.headers.items() if name in named}
    assert cors["/v1/t"] == cors["/v1/batch"] == cors["/v1/m"]
    assert ("access-control-allow-origin" in cors["/v1/t"]) == bool(origin)
    refused = httpx.post(f"{live.url}/v1/t", content=orjson.dumps({**body, "writeKey": "nope"}), headers=headers)
    assert refused.status_code == 401
    assert {name: value for name, value in refused.headers.items() if name in named} == cors["/v1/m"]


@pytest.mark.parametrize("path", ["/v1/t", "/v1/batch", "/v1/identify"])
def test_cors_preflight_is_answered(live: Live, path: str) -> None:
    answer = httpx.options(
        f"{live.url}{path}",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "authorization" in allowed


def test_batch_with_invalid_items_reports_them_by_index(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    user = f"u-{tag}"
    batch = [
        {"type": "track", "userId": user, "event": "Good 0"},
        {"type": "track", "userId": user},
        {"type": "page", "userId": user, "name": "Good 2"},
        {"type": "teleport", "userId": user},
        "not an object",
        {"type": "identify", "traits": {"email": "x@y.org"}},
    ]
    answer = tracking.post("/v1/batch", json={"batch": batch})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True and body["accepted"] == 2
    rejected = {item["index"]: item for item in body["rejected"]}
    assert sorted(rejected) == [1, 3, 4, 5]
    assert rejected[1]["field"] == "event" and "required" in rejected[1]["message"]
    assert rejected[3]["field"] == "type" and "teleport" in rejected[3]["message"]
    assert "JSON object" in rejected[4]["message"]
    assert rejected[5]["field"] == "userId" and "anonymousId" in rejected[5]["message"]
    assert _profile(admin, user_id=user)["event_count"] == 2


def _stored_time(admin: httpx.Client, user: str) -> datetime:
    (event,) = _timeline(admin, _profile(admin, user_id=user)["profile_id"])
    return datetime.fromisoformat(event["timestamp"])


def test_clock_skew_is_corrected_from_sent_at(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    """A client whose clock is one hour fast: timestamp and sentAt both one hour ahead."""
    fast = datetime.now(UTC) + timedelta(hours=1)
    event_time, sent_at = fast - timedelta(seconds=5), fast
    single = tracking.post(
        "/v1/track",
        json={
            "userId": f"single-{tag}",
            "event": "Skewed",
            "timestamp": _iso(event_time),
            "sentAt": _iso(sent_at),
        },
    )
    batched = tracking.post(
        "/v1/batch",
        json={
            "sentAt": _iso(sent_at),
            "batch": [
                {
                    "type": "track",
                    "userId": f"batch-{tag}",
                    "event": "Skewed",
                    "timestamp": _iso(event_time),
                }
            ],
        },
    )
    assert (single.status_code, batched.status_code) == (200, 200), (single.text, batched.text)
    now = datetime.now(UTC)
    for user in (f"single-{tag}", f"batch-{tag}"):
        stored = _stored_time(admin, user)
        # received - (sentAt - timestamp) = received - 5 s, give or take the round trip
        assert abs(stored - (now - timedelta(seconds=5))) < timedelta(seconds=30), (user, stored)


def test_timestamp_without_sent_at_is_kept(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    past = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    answer = tracking.post("/v1/track", json={"userId": f"u-{tag}", "event": "Imported", "timestamp": _iso(past)})
    assert answer.status_code == 200, answer.text
    assert _stored_time(admin, f"u-{tag}") == past
