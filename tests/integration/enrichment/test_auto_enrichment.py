"""Automatic enrichment: in-process with the worker, and against a real ``persona360 serve``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration import server as server_module
from integration.server import LiveServer
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.enrichment.auto import AutoEnricher
from persona360.errors import NotFoundError
from persona360.settings import load_settings

CONSENTED = {"consent": {"categoryPreferences": {"enrichment": True}}}


def test_the_worker_enriches_what_writes_touch(ws: Workspace) -> None:
    auto = AutoEnricher(ws, ["name", "email"]).start()
    ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"firstName": "Olena"}}])
    ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "olena@mailinator.com"}}])
    auto.stop()  # drains the queue first
    traits = ws.profiles.traits(ws.profiles.find("user_id", "u1"), now=ws.clock.now())
    assert traits["gender"]["value"] == "female" and traits["gender"]["inferred"]
    assert traits["email_disposable"]["value"] is True  # the change (a new email) was enriched too
    assert auto.stats.failures == 0 and auto.stats.traits_written >= 2
    assert ws.enrichment.run(["name", "email"]).traits_written == 0  # nothing was left to do


def test_no_consent_no_automatic_enrichment(tmp_path: Path, clock: FixedClock) -> None:
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True) as ws:
        ws.access.add_source("shop")
        auto = AutoEnricher(ws, ["name"]).start()
        ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"firstName": "Olena"}}])
        auto.stop()
        assert "gender" not in ws.profiles.traits(ws.profiles.find("user_id", "u1"), now=ws.clock.now())
        assert auto.stats.runs == 0 and auto.stats.failures == 0


def test_an_unknown_provider_is_refused_at_start(ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match="no enrichment provider 'clearbit': use one of phone, email"):
        AutoEnricher(ws, ["name", "clearbit"])


@pytest.mark.serial
@pytest.mark.xdist_group("server")
def test_the_server_enriches_new_and_changed_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "START_TIMEOUT", 240.0)  # a loaded machine starts slowly
    monkeypatch.setattr(server_module, "STOP_TIMEOUT", 120.0)  # and stops slowly
    db = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=db), create=True) as ws:
        _, write_key = ws.access.add_source("shop-web")
        token = ws.access.create_token(["profiles:read"], "r")
        writer = ws.access.create_token(["profiles:write"], "w")
    with (
        LiveServer(db) as server,
        httpx.Client(base_url=server.url, auth=(write_key, ""), timeout=30) as tracking,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as admin,
    ):
        _identify(tracking, "asked", {"firstName": "Olena"}, CONSENTED)
        _identify(tracking, "silent", {"firstName": "Taras"}, {})
        assert _wait_for(admin, "asked", "gender")["value"] == "female"
        _identify(tracking, "asked", {"phone": "+380501234567"}, {})  # a changed profile
        assert _wait_for(admin, "asked", "phone_country")["value"] == "UA"
        silent = admin.get("/v1/profiles/lookup", params={"user_id": "silent"}).json()["traits"]
        assert "gender" not in silent  # no consent, never enriched
        status = admin.get("/v1/enrichment").json()  # what it did, for operators
        assert status["auto"]["runs"] >= 2 and status["auto"]["traits_written"] >= 2
        assert status["auto"]["failures"] == 0 and status["auto"]["providers"] == list(status["providers"])
        assert status["providers"]["ip"] == {
            "traits": ["ip_country", "ip_city", "ip_region", "ip_timezone"],
            "remote": False,
        }
        refused = admin.post("/v1/enrichment/run", json={"providers": ["name"]})
        assert refused.status_code == 403  # a run writes traits: profiles:write
        as_writer = {"Authorization": f"Bearer {writer}"}
        ran = admin.post("/v1/enrichment/run", json={"providers": ["name"]}, headers=as_writer)
        assert ran.status_code == 200 and ran.json()["profiles"] == 2 and ran.json()["skipped_no_consent"] == 1
        unknown = admin.post("/v1/enrichment/run", json={"providers": ["nope"]}, headers=as_writer)
        assert unknown.status_code == 404 and "use one of phone, email" in unknown.json()["message"]
        typo = admin.post("/v1/enrichment/run", json={"provider": "name"}, headers=as_writer)
        assert typo.status_code == 400 and "provider" in typo.json()["message"]
    with Workspace(load_settings(db=db)) as ws:
        traits = ws.profiles.traits(ws.profiles.find("user_id", "asked"), now=ws.clock.now())
        assert traits["gender"]["source"] == "enrich.name" and traits["gender"]["inferred"]


def _identify(client: httpx.Client, user: str, traits: dict[str, Any], context: dict[str, Any]) -> None:
    sent = client.post("/v1/identify", json={"userId": user, "traits": traits, "context": context})
    assert sent.status_code == 200, sent.text


def _wait_for(admin: httpx.Client, user: str, trait: str, seconds: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = admin.get("/v1/profiles/lookup", params={"user_id": user})
        assert found.status_code == 200, found.text
        traits = found.json()["traits"]
        if trait in traits:
            return dict(traits[trait])
        time.sleep(0.2)
    raise AssertionError(f"{trait} of {user} was not enriched in {seconds} s")
