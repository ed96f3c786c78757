"""Every audited action through the admin API leaves an entry naming who, what and when.

The real app over ASGI on a real workspace file, sending to a real SMTP server
(aiosmtpd on loopback): profile reads, lists of members and recipients, the access
export, a consent change, a campaign send and an erasure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.activation.conftest import smtp_server
from integration.privacy.test_consent_cli_api import call
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    with smtp_server() as inbox:
        settings = load_settings(db=tmp_path / "ws.duckdb", smtp_port=inbox.port, activation_quiet_hours=[9, 9])
        workspace = Workspace(settings, clock, create=True)
        workspace.access.add_source("shop")
        workspace.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "ann@example.org"}}])
        workspace.segments.create(SegmentSpec("all", "event_count >= 1"))
        yield workspace
        workspace.close()


def test_each_audited_action_is_in_the_trail_with_its_actor(ws: Workspace) -> None:
    ann = ws.profiles.find("user_id", "u1")
    steps = [
        ("profiles:read", "GET", f"/v1/profiles/{ann}", None, "profile.read", f"profile:{ann}"),
        ("profiles:read", "GET", "/v1/profiles/lookup?email=ann@example.org", None, "profile.read", f"profile:{ann}"),
        ("profiles:read", "GET", f"/v1/profiles/{ann}/identifiers", None, "profile.identifiers", f"profile:{ann}"),
        ("privacy", "POST", f"/v1/profiles/{ann}/consent", {"action": "grant", "purpose": "marketing"},
         "consent.grant", f"profile:{ann}"),
        ("privacy", "GET", f"/v1/profiles/{ann}/export", None, "export.person", f"profile:{ann}"),
        ("segments", "GET", "/v1/segments/all/members", None, "segment.members", "segment:all"),
        ("segments", "POST", "/v1/segments/preview", {"name": "p", "condition": "event_count >= 1"},
         "segment.preview", "profiles"),
        ("segments", "GET", f"/v1/segments/all/history?profile_id={ann}", None, "segment.history", f"profile:{ann}"),
        ("campaigns", "POST", "/v1/campaigns", {"name": "hi", "segment": "all", "template": "Subject: Hi\n\nHello",
                                                "control_share": 0}, None, None),
        ("campaigns", "POST", "/v1/campaigns/hi/send", None, "campaign.send", "hi"),
        ("campaigns", "GET", "/v1/campaigns/hi/messages", None, "campaign.messages", "hi"),
        ("privacy", "POST", f"/v1/profiles/{ann}/erase", None, "erasure.completed", f"profile:{ann}"),
    ]  # fmt: skip
    for scope, method, url, body, action, target in steps:
        before = len(ws.privacy.audit_log(1000))
        answer = call(ws, method, url, scope=scope, json=body) if body else call(ws, method, url, scope=scope)
        assert answer.status_code in (200, 201), (url, answer.text)
        if action is None:
            continue
        entry = ws.privacy.audit_log(1, action=action)[0]
        assert (entry["actor"], entry["target"]) == (f"token:{scope}", target), url
        assert entry["logged_at"] is not None and len(ws.privacy.audit_log(1000)) > before
    sent = ws.privacy.audit_log(1, action="campaign.send")[0]["detail"]
    assert sent["sent"] == 1
