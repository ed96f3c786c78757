"""The personas admin API on a real server: list, cards, members, drift, refresh, scopes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import integration.server as server_module
from integration.api.conftest import copy_workspace
from integration.server import Credentials, Live, LiveServer
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.pipeline import load_without_server
from persona360.personas import DiscoveryOptions
from persona360.settings import load_settings

# setup loads a demo shop and fits two models: minutes when the shared machine is loaded
pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server"), pytest.mark.timeout(900)]
SPEC = DemoSpec(customers=120, days=30, seed=11)
SLOW_START = 120.0


@pytest.fixture(scope="module")
def shop(template: Credentials, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, str]]:
    """A server over a small demo shop with two persona versions (so there is drift)."""
    folder = tmp_path_factory.mktemp("personas-api")
    creds = copy_workspace(template, folder)
    manifest = generate_shop(SPEC, folder / "shop")
    with Workspace(load_settings(db=creds.db), FixedClock(SPEC.end)) as ws:
        load_without_server(ws, manifest)
        ws.personas.build(DiscoveryOptions(k=3, bootstraps=0))
        ws.personas.build(DiscoveryOptions(k=4, bootstraps=0))
        segments_only = ws.access.create_token(["segments"], "it-segments")
    with pytest.MonkeyPatch.context() as patch:
        # the server takes ~30 s to start when eight engineers share two cores
        patch.setattr(server_module, "START_TIMEOUT", SLOW_START)
        server = LiveServer(creds.db).start()
    try:
        yield Live(server, creds), segments_only
    finally:
        server.stop()


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_list_card_and_members(shop: tuple[Live, str]) -> None:
    live, _ = shop
    with live.admin() as admin:
        listed = _ok(admin.get("/v1/personas"))
        assert listed["version"] == 2 and len(listed["personas"]) == 4 and listed["stale"] is False
        first = listed["personas"][0]
        card = _ok(admin.get(f"/v1/personas/{first['name']}"))
        assert card["persona"] == 0 and card["version"] == 2 and card["avatar_svg"].startswith("<svg")
        assert _ok(admin.get("/v1/personas/v2-p1"))["persona"] == 1
        page = _ok(admin.get("/v1/personas/0/members", params={"limit": 2, "offset": 1}))
        assert page["total"] == first["size"] and len(page["members"]) == 2
        assert [v["version"] for v in _ok(admin.get("/v1/personas/versions"))["versions"]] == [2, 1]


def test_drift_and_refresh(shop: tuple[Live, str]) -> None:
    live, _ = shop
    with live.admin() as admin:
        drift = _ok(admin.get("/v1/personas/drift"))["drift"]
        assert (drift["from_version"], drift["to_version"]) == (1, 2)
        assert len(drift["born"]) >= 1 and {"psi", "matches", "changed_share", "ari"} <= set(drift)
        assert _ok(admin.get("/v1/personas/drift", params={"version": 1}))["drift"] is None
        refreshed = _ok(admin.post("/v1/personas/refresh"))
        assert refreshed["version"] == 2 and refreshed["profiles"] >= 0


@pytest.mark.parametrize(
    ("path", "status", "code", "says"),
    [
        ("/v1/personas/nobody", 404, "not_found", "no persona 'nobody'"),
        ("/v1/personas/nobody/members", 404, "not_found", "no persona 'nobody'"),
        ("/v1/personas/drift?version=99", 404, "not_found", "v99"),
        ("/v1/personas/drift?version=0", 400, "invalid_request", "version"),
        ("/v1/personas/0/members?limit=5000", 400, "invalid_request", "limit"),
    ],
    ids=["unknown persona", "members of unknown persona", "unknown version", "version 0", "limit too high"],
)
def test_bad_requests_say_what_is_wrong(shop: tuple[Live, str], path: str, status: int, code: str, says: str) -> None:
    live, _ = shop
    with live.admin() as admin:
        answer = admin.get(path)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["success"] is False and body["code"] == code and says in body["message"], body


def test_the_personas_scope_is_required(shop: tuple[Live, str]) -> None:
    live, segments_only = shop
    with live.admin(segments_only) as other, live.admin(live.creds.read_token) as reader:
        for client in (other, reader):
            answer = client.get("/v1/personas")
            assert answer.status_code == 403 and "personas" in answer.json()["message"]
    assert httpx.get(f"{live.url}/v1/personas").status_code == 401


def test_before_any_build_the_api_says_what_to_do(template: Credentials, tmp_path: Path) -> None:
    creds = copy_workspace(template, tmp_path / "empty")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server_module, "START_TIMEOUT", SLOW_START)
        server = LiveServer(creds.db).start()
    try:
        answer = httpx.get(f"{server.url}/v1/personas", headers={"Authorization": f"Bearer {creds.admin_token}"})
    finally:
        server.stop()
    assert answer.status_code == 404 and "personas build" in answer.json()["message"]
