"""Consent through the command line (a real process) and the admin API (the real app over ASGI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app

BIN = Path(sys.executable).parent / "persona360"


def run(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERSONA360_DB": str(db), "COLUMNS": "160"}
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=120)
    assert (done.returncode == 0) is ok, done.stderr
    return done


@pytest.mark.slow
def test_consent_commands(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org"}}])
    run(
        db,
        "consent",
        "grant",
        "email:Jane@Example.org",
        "--purpose",
        "marketing",
        "--channel",
        "email",
        "--expires",
        "2099-01-01",
    )
    bad = run(db, "consent", "withdraw", "user_id:u1", "--purpose", "spam", ok=False)
    assert "unknown purpose 'spam'" in bad.stderr
    shown = json.loads(run(db, "consent", "show", "jane@example.org", "--json").stdout)
    assert [(row["purpose"], row["channel"], row["granted"]) for row in shown["consent"]] == [
        ("marketing", "email", True)
    ]
    with Workspace.open(db) as ws:
        assert [row["action"] for row in ws.privacy.audit_log(10)] == ["consent.read", "consent.grant"]


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.access.add_source("shop")
    workspace.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org"}}])
    return workspace


def call(ws: Workspace, method: str, url: str, scope: str | None = "privacy", **kwargs: Any) -> httpx.Response:
    """One request through the real app over ASGI (no server process: fast on a busy machine)."""
    headers = {"authorization": f"Bearer {ws.access.create_token([scope], name=scope)}"} if scope else {}

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as http:
            return await http.request(method, url, **kwargs)

    return run_on_own_loop(send())


def test_consent_endpoints(ws: Workspace) -> None:
    jane = ws.profiles.find("user_id", "u1")
    body = {"action": "grant", "purpose": "marketing", "channel": "sms"}
    answer = call(ws, "POST", f"/v1/profiles/{jane}/consent", json=body)
    assert answer.status_code == 200, answer.text
    assert ws.privacy.may(jane, "marketing", "sms")
    listed = call(ws, "GET", f"/v1/profiles/{jane}/consent").json()
    assert [(r["purpose"], r["channel"], r["granted"]) for r in listed["consent"]] == [("marketing", "sms", True)]
    assert [row["action"] for row in ws.privacy.audit_log(10)] == ["consent.read", "consent.grant"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"action": "grant", "purpose": "spam"}, 400, "unknown purpose 'spam'"),
        ({"action": "grant", "purpose": "marketing", "channel": "fax"}, 400, "unknown channel 'fax'"),
        ({"action": "maybe", "purpose": "marketing"}, 400, "action"),
    ],
)
def test_bad_consent_changes(ws: Workspace, body: dict[str, str], status: int, message: str) -> None:
    answer = call(ws, "POST", f"/v1/profiles/{ws.profiles.find('user_id', 'u1')}/consent", json=body)
    assert answer.status_code == status
    assert message in answer.text


def test_consent_needs_the_privacy_scope(ws: Workspace) -> None:
    jane = ws.profiles.find("user_id", "u1")
    assert call(ws, "GET", f"/v1/profiles/{jane}/consent", scope="profiles:read").status_code == 403
    assert call(ws, "GET", f"/v1/profiles/{jane}/consent", scope=None).status_code == 401
    assert call(ws, "GET", "/v1/profiles/999999/consent").status_code == 404


def test_profile_reads_are_audited(ws: Workspace) -> None:
    jane = ws.profiles.find("user_id", "u1")
    assert call(ws, "GET", f"/v1/profiles/{jane}", scope="profiles:read").status_code == 200
    assert call(ws, "GET", f"/v1/profiles/{jane}/timeline", scope="profiles:read").status_code == 200
    entries = [(row["actor"], row["action"], row["target"]) for row in ws.privacy.audit_log(10)]
    assert entries == [
        ("token:profiles:read", "profile.timeline", f"profile:{jane}"),
        ("token:profiles:read", "profile.read", f"profile:{jane}"),
    ]
