"""The review queue over HTTP: list with match weights, show, accept, reject, scopes, errors.

The pairs are made in-process before the server starts (the server holds the file
lock); everything after that goes through a real ``persona360 serve`` on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from integration import server as server_helper
from integration.resolution.look_alikes import send_two_likely_pairs
from integration.server import Credentials, LiveServer
from persona360 import Workspace

# Each test makes a workspace with the CLI, resolves in-process and starts a server:
# about a minute idle, five on a loaded two-core machine, past the default 300 s.
pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server"), pytest.mark.timeout(900)]
SHAPE = {"success", "code", "message", "field"}


def _likely_pairs(creds: Credentials) -> str:
    """Two pairs of look-alike profiles (same name and city, nothing else): queued, not merged."""
    with Workspace.open(creds.db) as ws:
        send_two_likely_pairs(ws, "shop-web")
        assert ws.resolution.resolve().queued == 2
        return ws.access.create_token(["identity"], "it-review")


@pytest.fixture
def review(
    fresh_workspace: Credentials, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, httpx.Client, Credentials]]:
    token = _likely_pairs(fresh_workspace)
    # A server's start took 34 s with eight engineers on two cores; the helper's 30 s is
    # meant for an idle machine. Only the wait grows; the server is the real one.
    monkeypatch.setattr(server_helper, "START_TIMEOUT", 180.0)
    server = LiveServer(fresh_workspace.db).start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            yield server, client, fresh_workspace
    finally:
        assert server.stop(), server.log()


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def _error(answer: httpx.Response, status: int, code: str, says: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == SHAPE and body["code"] == code and says in body["message"], body


def test_review_pairs_over_http(review: tuple[LiveServer, httpx.Client, Credentials]) -> None:
    server, client, _ = review
    listed = _ok(client.get("/v1/resolution/pairs"))
    pending = listed["pairs"]
    assert [p["status"] for p in pending] == ["pending", "pending"] and listed["total"] == 2
    one = _ok(client.get("/v1/resolution/pairs", params={"limit": 1}))
    assert (len(one["pairs"]), one["total"]) == (1, 2)  # the queue's length, not the page's
    assert all(p["explanation"]["match_weights"]["name"] > 0 for p in pending)
    first, second = (p["pair_id"] for p in pending)
    assert _ok(client.get(f"/v1/resolution/pairs/{first}"))["a_profile"] == pending[0]["a_profile"]
    accepted = _ok(client.post(f"/v1/resolution/pairs/{first}/accept"))
    assert accepted["status"] == "accepted" and accepted["profile_id"] > 0
    assert _ok(client.post(f"/v1/resolution/pairs/{second}/reject"))["status"] == "rejected"
    assert _ok(client.get("/v1/resolution/pairs")) == {"pairs": [], "total": 0}
    decided = _ok(client.get("/v1/resolution/pairs", params={"status": "all"}))["pairs"]
    assert sorted(p["status"] for p in decided) == ["accepted", "rejected"]
    assert {p["decided_by"] for p in decided} == {"token:it-review"}
    merged = _ok(client.get(f"/v1/resolution/pairs/{first}"))
    assert merged["a_profile"] == merged["b_profile"] == accepted["profile_id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "says"),
    [
        ("post", "/v1/resolution/pairs/99/accept", 404, "not_found", "no review pair 99"),
        ("post", "/v1/resolution/pairs/99/reject", 404, "not_found", "no review pair 99"),
        ("get", "/v1/resolution/pairs/99", 404, "not_found", "no review pair 99"),
        ("get", "/v1/resolution/pairs?status=maybe", 400, "invalid_request", "status 'maybe' is not a pair status"),
        ("get", "/v1/resolution/pairs?limit=0", 400, "invalid_request", "limit: Input should be greater"),
    ],
    ids=["accept unknown", "reject unknown", "show unknown", "bad status", "bad limit"],
)
def test_bad_review_requests_are_named(
    review: tuple[LiveServer, httpx.Client, Credentials], method: str, path: str, status: int, code: str, says: str
) -> None:
    _, client, _ = review
    _error(getattr(client, method)(path), status, code, says)
    first = _ok(client.get("/v1/resolution/pairs"))["pairs"][0]["pair_id"]
    _ok(client.post(f"/v1/resolution/pairs/{first}/reject"))
    _error(client.post(f"/v1/resolution/pairs/{first}/accept"), 400, "invalid_identity_action", "already rejected")


def test_the_queue_needs_the_identity_scope(review: tuple[LiveServer, httpx.Client, Credentials]) -> None:
    server, _, creds = review
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {creds.read_token}"}) as reader:
        answer = reader.get("/v1/resolution/pairs")
    assert answer.status_code == 403, answer.text
    assert "identity" in answer.json()["message"]
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.post("/v1/resolution/pairs/1/accept").status_code == 401
