"""The admin API: tokens and scopes, lookups, timeline pages, identity, merge and unmerge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from integration.server import Live

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
SHAPE = {"success", "code", "message", "field"}


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def _error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == SHAPE and body["success"] is False and body["code"] == code, body
    return body


def _identify(tracking: httpx.Client, user: str, **traits: str) -> None:
    _ok(tracking.post("/v1/identify", json={"userId": user, "traits": traits}))


def _lookup(admin: httpx.Client, **identifier: str) -> int:
    profile_id: int = _ok(admin.get("/v1/profiles/lookup", params=identifier))["profile_id"]
    return profile_id


# -- tokens and scopes ------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "says"),
    [
        (None, "token"),
        ("Bearer p360_wrong", "token"),
        ("Basic dXNlcjpwYXNz", "token"),
    ],
    ids=["no token", "wrong token", "basic instead of bearer"],
)
def test_admin_api_refuses_without_a_valid_token(live: Live, header: str | None, says: str) -> None:
    headers = {"Authorization": header} if header else {}
    for path in ("/v1/profiles", "/v1/profiles/lookup?email=a@b.org", "/v1/profiles/1/timeline"):
        answer = httpx.get(f"{live.url}{path}", headers=headers)
        body = _error(answer, 401, "unauthorized")
        assert says in body["message"].lower()
        assert answer.headers["www-authenticate"] == "Bearer"


def test_token_without_scope_is_forbidden(live: Live, tracking: httpx.Client, tag: str) -> None:
    _identify(tracking, f"a-{tag}", email=f"a.{tag}@example.org")
    _identify(tracking, f"b-{tag}", email=f"b.{tag}@example.org")
    with live.admin(live.creds.read_token) as reader:
        assert _lookup(reader, user_id=f"a-{tag}")  # reading is in scope
        merge = reader.post(
            "/v1/profiles/merge",
            json={
                "a": {"kind": "user_id", "value": f"a-{tag}"},
                "b": {"kind": "user_id", "value": f"b-{tag}"},
            },
        )
        body = _error(merge, 403, "forbidden")
        assert "profiles:write" in body["message"]
        unmerge = reader.post("/v1/profiles/1/unmerge", json={"identifier": {"kind": "user_id", "value": f"a-{tag}"}})
        _error(unmerge, 403, "forbidden")
    with live.admin() as admin:
        assert _lookup(admin, user_id=f"a-{tag}") != _lookup(admin, user_id=f"b-{tag}")


# -- lookups -----------------------------------------------------------------------
def test_lookup_by_email_phone_and_user_id(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    phone = f"+38050{int(tag[:7], 16) % 10_000_000:07d}"
    _identify(tracking, f"u-{tag}", email=f"Lookup.{tag}@Example.org", phone=phone)
    profile_id = _lookup(admin, user_id=f"u-{tag}")
    local = "0" + phone[4:]  # the same number as a Ukrainian would type it
    for identifier in (
        {"email": f"lookup.{tag}@example.org"},
        {"email": f" LOOKUP.{tag}@EXAMPLE.ORG"},
        {"phone": phone},
        {"phone": local},
        {"user_id": f"u-{tag}"},
    ):
        assert _lookup(admin, **identifier) == profile_id, identifier


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/v1/profiles/lookup", {"email": "nobody-at-all@example.org"}, 404, "not_found"),
        ("/v1/profiles/lookup", {"user_id": "no-such-user-anywhere"}, 404, "not_found"),
        ("/v1/profiles/lookup", {"phone": "not a phone"}, 404, "not_found"),
        ("/v1/profiles/999999999", {}, 404, "not_found"),
        ("/v1/profiles/999999999/timeline", {}, 404, "not_found"),
        ("/v1/profiles/999999999/identifiers", {}, 404, "not_found"),
        ("/v1/profiles/lookup", {}, 400, "invalid_request"),
        (
            "/v1/profiles/lookup",
            {"email": "a@b.org", "phone": "+380501112233"},
            400,
            "invalid_request",
        ),
        ("/v1/profiles/lookup", {"shoe_size": "42"}, 400, None),
        ("/v1/profiles/not-a-number", {}, 400, "invalid_request"),
        ("/v1/profiles", {"sort": "bogus"}, 400, "invalid_request"),
        ("/v1/profiles", {"sort": "revenue", "currency": "zloty"}, 400, "invalid_request"),
        ("/v1/profiles/1/timeline", {"limit": 0}, 400, "invalid_request"),
        ("/v1/nothing-here", {}, 404, "not_found"),
    ],
    ids=[
        "unknown email",
        "unknown user id",
        "invalid phone",
        "unknown profile",
        "unknown profile timeline",
        "unknown profile identifiers",
        "no identifier",
        "two identifiers",
        "unknown identifier kind",
        "non-numeric id",
        "bad sort",
        "bad currency",
        "bad limit",
        "unknown route",
    ],
)
def test_admin_errors(admin: httpx.Client, path: str, params: dict[str, Any], status: int, code: str | None) -> None:
    answer = admin.get(path, params=params)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == SHAPE and body["success"] is False and body["message"], body
    if code is not None:
        assert body["code"] == code
    if "currency" in params:
        assert "currency filter 'zloty' is not a three-letter currency code" in body["message"]


# -- timeline --------------------------------------------------------------------
def test_timeline_pages_cover_every_event_exactly_once(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(53):
        # groups of three share a timestamp: the cursor must break ties
        moment = (start + timedelta(minutes=i // 3)).isoformat()
        batch.append(
            {
                "type": "track",
                "event": f"E{i}",
                "messageId": f"{tag}-{i}",
                "userId" if i % 2 else "anonymousId": f"p-{tag}" if i % 2 else f"a-{tag}",
                "timestamp": moment,
            }
        )
    batch.append(
        {
            "type": "identify",
            "userId": f"p-{tag}",
            "anonymousId": f"a-{tag}",
            "messageId": f"{tag}-id",
            "timestamp": start.isoformat(),
        }
    )
    assert _ok(tracking.post("/v1/batch", json={"batch": batch}))["accepted"] == 54
    profile_id = _lookup(admin, anonymous_id=f"a-{tag}")

    seen: list[str] = []
    times: list[str] = []
    cursor, pages = None, 0
    while True:
        params: dict[str, Any] = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = _ok(admin.get(f"/v1/profiles/{profile_id}/timeline", params=params))
        pages += 1
        seen += [event["message_id"] for event in page["events"]]
        times += [event["timestamp"] for event in page["events"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 8
    assert sorted(seen) == sorted(event["messageId"] for event in batch)
    assert len(seen) == len(set(seen))
    parsed = [datetime.fromisoformat(moment) for moment in times]
    assert parsed == sorted(parsed, reverse=True)

    only = _ok(admin.get(f"/v1/profiles/{profile_id}/timeline", params={"type": "identify"}))
    assert [event["message_id"] for event in only["events"]] == [f"{tag}-id"]


def test_timeline_rejects_a_forged_cursor(admin: httpx.Client, tracking: httpx.Client, tag: str) -> None:
    _identify(tracking, f"u-{tag}")
    profile_id = _lookup(admin, user_id=f"u-{tag}")
    answer = admin.get(f"/v1/profiles/{profile_id}/timeline", params={"cursor": "%%garbage%%"})
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == SHAPE


# -- identity --------------------------------------------------------------------
def _keys(identifiers: list[dict[str, Any]]) -> set[str]:
    return {f"{item['kind']}:{item['value']}" for item in identifiers}


def test_identifiers_show_edges_with_reasons(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    anon, user, member = f"anon-{tag}", f"user-{tag}", f"member-{tag}"
    _ok(
        tracking.post(
            "/v1/batch",
            json={
                "batch": [
                    {"type": "page", "anonymousId": anon, "name": "Home"},
                    {
                        "type": "identify",
                        "anonymousId": anon,
                        "userId": user,
                        "traits": {"email": f"e.{tag}@example.org"},
                    },
                    {
                        "type": "track",
                        "userId": user,
                        "event": "Clicked",
                        "context": {"traits": {"phone": "+380671234567"}},
                    },
                    {"type": "alias", "previousId": user, "userId": member},
                ]
            },
        )
    )
    profile_id = _lookup(admin, user_id=member)
    answer = _ok(admin.get(f"/v1/profiles/{profile_id}/identifiers"))
    assert answer["profile_id"] == profile_id
    assert _keys(answer["identifiers"]) == {
        f"anonymous_id:{anon}",
        f"user_id:{user}",
        f"user_id:{member}",
        f"email:e.{tag}@example.org",
        "phone:+380671234567",
    }
    reasons = {frozenset((edge["a"], edge["b"])): (edge["reason"], edge["status"]) for edge in answer["edges"]}
    assert reasons[frozenset((f"user_id:{user}", f"anonymous_id:{anon}"))] == ("identify", "active")
    assert reasons[frozenset((f"user_id:{user}", f"email:e.{tag}@example.org"))] == (
        "identify",
        "active",
    )
    assert reasons[frozenset((f"user_id:{user}", "phone:+380671234567"))] == (
        "same_event",
        "active",
    )
    assert reasons[frozenset((f"user_id:{member}", f"user_id:{user}"))] == ("alias", "active")
    assert all(edge["source"] == "shop-web" for edge in answer["edges"])


def test_merge_and_unmerge_round_trip(tracking: httpx.Client, admin: httpx.Client, tag: str) -> None:
    a, b = f"ann-{tag}", f"bob-{tag}"
    _identify(tracking, a, email=f"{a}@example.org", firstName="Ann")
    _identify(tracking, b, email=f"{b}@example.org", firstName="Bob")
    _ok(tracking.post("/v1/track", json={"userId": b, "event": "Bob Clicked"}))
    first, second = _lookup(admin, user_id=a), _lookup(admin, user_id=b)
    assert first != second

    merged = _ok(
        admin.post(
            "/v1/profiles/merge",
            json={
                "a": {"kind": "email", "value": f"{a.upper()}@example.org"},
                "b": {"kind": "user_id", "value": b},
            },
        )
    )
    live_id = merged["profile_id"]
    assert merged["success"] is True and live_id in (first, second)
    gone = second if live_id == first else first
    assert _lookup(admin, user_id=a) == _lookup(admin, user_id=b) == live_id

    # the merged-away id still resolves: profile, timeline and identifiers
    assert _ok(admin.get(f"/v1/profiles/{gone}"))["profile_id"] == live_id
    assert _ok(admin.get(f"/v1/profiles/{gone}/timeline"))["profile_id"] == live_id
    identity = _ok(admin.get(f"/v1/profiles/{gone}/identifiers"))
    assert identity["profile_id"] == live_id
    assert _keys(identity["identifiers"]) >= {f"user_id:{a}", f"user_id:{b}"}
    assert "manual_merge" in {edge["reason"] for edge in identity["edges"]}
    profile = _ok(admin.get(f"/v1/profiles/{live_id}"))
    assert profile["event_count"] == 3 and profile["n_identify"] == 2

    split = _ok(admin.post(f"/v1/profiles/{gone}/unmerge", json={"identifier": {"kind": "user_id", "value": b}}))
    old, new = split["profiles"]
    assert old == live_id and new != live_id
    assert _lookup(admin, user_id=a) == _lookup(admin, email=f"{a}@example.org") == old
    assert _lookup(admin, user_id=b) == _lookup(admin, email=f"{b}@example.org") == new
    bob = _ok(admin.get(f"/v1/profiles/{new}"))
    assert bob["event_count"] == 2 and bob["traits"]["firstName"]["value"] == "Bob"
    assert _ok(admin.get(f"/v1/profiles/{old}"))["event_count"] == 1

    # an event that would join them again is blocked by the unmerge, and says so
    _ok(tracking.post("/v1/identify", json={"userId": a, "traits": {"email": f"{b}@example.org"}}))
    assert _lookup(admin, user_id=a) != _lookup(admin, user_id=b)
    edges = _ok(admin.get(f"/v1/profiles/{old}/identifiers"))["edges"]
    assert ("identify", "blocked") in {(edge["reason"], edge["status"]) for edge in edges}


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (
            "/v1/profiles/merge",
            {
                "a": {"kind": "email", "value": "nobody-1@example.org"},
                "b": {"kind": "email", "value": "nobody-2@example.org"},
            },
            404,
            "not_found",
        ),
        (
            "/v1/profiles/merge",
            {"a": {"kind": "email", "value": "x@example.org"}},
            400,
            "invalid_request",
        ),
        (
            "/v1/profiles/merge",
            {
                "a": {"kind": "shoe", "value": "42"},
                "b": {"kind": "email", "value": "x@example.org"},
            },
            400,
            None,
        ),
        (
            "/v1/profiles/999999999/unmerge",
            {"identifier": {"kind": "email", "value": "x@y.org"}},
            404,
            "not_found",
        ),
    ],
    ids=["unknown identifiers", "missing side", "unknown kind", "unknown profile"],
)
def test_merge_errors(admin: httpx.Client, path: str, body: dict[str, Any], status: int, code: str | None) -> None:
    answer = admin.post(path, json=body)
    assert answer.status_code == status, answer.text
    shape = answer.json()
    assert set(shape) == SHAPE and shape["success"] is False, shape
    if code is not None:
        assert shape["code"] == code
