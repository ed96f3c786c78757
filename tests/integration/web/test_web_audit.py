"""Pages that show people's identifiers leave an audit entry, as the admin API's reads do.

Only the profile page did; the profile list, a segment's and a persona's members, the
review queue and the segment builder's sample showed emails without a trace. The real
app over ASGI on a real workspace file.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from integration.own_loop import run_on_own_loop
from integration.resolution.look_alikes import send_two_likely_pairs
from persona360 import Workspace
from persona360.api.app import create_app
from persona360.segments.definitions import SegmentSpec


def _browse(ws: Workspace, steps: list[tuple[str, str, dict[str, Any] | None]]) -> list[int]:
    """Log in as an admin named ``auditor`` and send each (method, path, JSON body); the statuses."""
    token = ws.access.create_token(["admin"], "auditor")

    async def send() -> list[int]:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', (await http.get("/")).text)
            assert csrf, "not logged in"
            headers = {"x-csrf-token": csrf.group(1)}
            return [(await http.request(m, path, json=body, headers=headers)).status_code for m, path, body in steps]

    return run_on_own_loop(send())


def test_each_page_showing_identifiers_is_audited_with_its_viewer(workspace: Workspace) -> None:
    workspace.access.add_source("shop")
    send_two_likely_pairs(workspace, "shop")
    assert workspace.resolution.resolve().queued == 2
    workspace.segments.create(SegmentSpec("all", "event_count >= 1"))
    pages = [
        ("GET", "/profiles", None, "profiles.list", "profiles"),
        ("GET", "/segments/all", None, "segment.members", "segment:all"),
        ("GET", "/review", None, "resolution.pairs", "profiles"),
        ("POST", "/segments/preview", {"condition": "event_count >= 1"}, "segment.preview", "profiles"),
    ]
    assert _browse(workspace, [(m, path, body) for m, path, body, _, _ in pages]) == [200] * len(pages)
    for _, path, _, action, target in pages:
        (entry,) = workspace.privacy.audit_log(10, action=action)
        assert (entry["actor"], entry["target"]) == ("web:auditor", target), path
    assert workspace.privacy.audit_log(1, action="segment.members")[0]["detail"] == {"rows": 4}


def test_a_preview_that_matches_no_one_shows_no_one_and_is_not_audited(workspace: Workspace) -> None:
    workspace.access.add_source("shop")
    assert _browse(workspace, [("POST", "/segments/preview", {"condition": "event_count >= 1"})]) == [200]
    assert workspace.privacy.audit_log(10, action="segment.preview") == []
