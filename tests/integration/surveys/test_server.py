"""The survey endpoints and CLI against a real ``persona360 serve`` process."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration import server as server_module
from integration.server import LiveServer
from integration.surveys.conftest import DELIVERY
from persona360 import Workspace
from persona360.settings import load_settings

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
SHAPE = {"success", "code", "message", "field"}


def _error(answer: httpx.Response, status: int, field: str, says: str) -> None:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == SHAPE and body["success"] is False, body
    assert body["field"] == field and says in body["message"], body


def test_surveys_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a loaded machine (six engineers on two cores) can take over 30 s to start the server
    monkeypatch.setattr(server_module, "START_TIMEOUT", 240.0)
    # The workspace is prepared in-process: on a loaded machine each CLI call costs
    # tens of seconds, and test_cli.py covers the commands already.
    db = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=db), create=True) as ws:
        _, write_key = ws.access.add_source("shop-web")
        segments_token = ws.access.create_token(["segments"], "s")
        read_token = ws.access.create_token(["profiles:read"], "r")
        ws.surveys.create(DELIVERY)
        token = ws.surveys.link("post-delivery", "rating", 1, ("email", "bob@example.org"))
    with (
        LiveServer(db) as server,
        httpx.Client(base_url=server.url, auth=(write_key, ""), timeout=30) as tracking,
        httpx.Client(base_url=server.url, timeout=30) as public,
    ):
        _responses(tracking, public)
        _links(public, token)
        _admin(public, segments_token, read_token)
    with Workspace(load_settings(db=db)) as ws:
        rating = next(q for q in ws.surveys.report("post-delivery")["questions"] if q["question"] == "rating")
        assert rating["responses"] == 2 and rating["mean"] == 1.5
        assert ws.profiles.show(ws.profiles.find("email", "bob@example.org"))["traits"]["delivery_rating"]["value"] == 1


def _responses(tracking: httpx.Client, public: httpx.Client) -> None:
    path = "/v1/surveys/post-delivery/responses"
    ok = tracking.post(path, json={"userId": "u1", "answers": {"rating": 2, "size": "41"}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["traits"] == {"delivery_rating": 2, "shoe_size": "41"}
    _error(public.post(path, json={"userId": "u1", "answers": {"rating": 2}}), 401, "", "write key")
    _error(tracking.post(path, json={"userId": "u1", "answers": {"rating": 9}}), 400, "answers.rating", "out of range")
    _error(tracking.post(path, json={"userId": "u1", "answers": {"size": "39"}}), 400, "answers.size", "choices")
    _error(tracking.post(path, json={"userId": "u1", "answers": {"x": 1}}), 400, "answers.x", "no question 'x'")
    _error(tracking.post(path, json={"answers": {"rating": 1}}), 400, "userId", "'userId', 'anonymousId' or 'email'")
    _error(
        tracking.post("/v1/surveys/nope/responses", json={"userId": "u1", "answers": {"rating": 1}}),
        404,
        "",
        "no survey",
    )


def _links(public: httpx.Client, token: str) -> None:
    path = "/v1/surveys/post-delivery/a"
    answer = public.get(path, params={"token": token})
    assert answer.status_code == 200 and "Thank you" in answer.text, answer.text
    _error(public.get(path), 400, "token", "no signed token")
    body, _, signature = token.partition(".")
    _error(public.get(path, params={"token": f"{body}x.{signature}"}), 400, "token", "malformed")
    forged = {"s": "post-delivery", "i": ["email", "bob@example.org"], "q": "rating", "a": 5}
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    _error(public.get(path, params={"token": f"{forged_body}.{signature}"}), 400, "token", "signature does not match")


def _admin(public: httpx.Client, segments_token: str, read_token: str) -> None:
    admin = {"Authorization": f"Bearer {segments_token}"}
    listed = public.get("/admin/surveys", headers=admin)
    assert listed.status_code == 200 and listed.json()["surveys"][0]["respondents"] == 2, listed.text
    created = public.post("/admin/surveys", headers=admin, json={**DELIVERY, "id": "second", "name": "Second"})
    assert created.status_code == 201 and created.json()["id"] == "second", created.text
    bad = {**DELIVERY, "id": "third", "questions": [{**DELIVERY["questions"][0], "min": 9}]}
    _error(public.post("/admin/surveys", headers=admin, json=bad), 400, "questions[0] (rating)", "min < max")
    denied = public.get("/admin/surveys", headers={"Authorization": f"Bearer {read_token}"})
    assert denied.status_code == 403 and "'segments' or 'profiles:write'" in denied.json()["message"]
