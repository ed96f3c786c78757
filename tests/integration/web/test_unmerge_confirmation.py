"""Unmerging from a profile's card takes a confirmation that names what moves, and is audited.

The card's button used to detach the identifier at once and leave no audit entry. Now
its form answers with what would leave (the identifiers, the events under them) and a
second form unmerges; the unmerge lands in the audit trail with the viewer as actor,
as it does from the admin API and the CLI (``ws.identity.unmerge`` writes it). The real
app over ASGI on a real workspace file.
"""

from __future__ import annotations

import re

import httpx

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app


def _shop_with_a_device(ws: Workspace) -> int:
    """Ann's account and a laptop cookie joined by a login; three page views were made on the laptop before it."""
    ws.access.add_source("shop")
    ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "ann@example.org"}}])
    ws.ingest.send("shop", [{"type": "page", "anonymousId": "laptop", "name": f"p{i}"} for i in range(3)])
    ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "anonymousId": "laptop"}])
    return ws.profiles.find("user_id", "u1")


def web_request(ws: Workspace, url: str, form: dict[str, str] | None = None) -> httpx.Response:
    """Log in as an admin named ``card-admin``; POST ``form`` (with the session's CSRF token), or GET without one."""
    token = ws.access.create_token(["admin"], "card-admin")

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', (await http.get("/profiles")).text)
            assert csrf, "not logged in"
            if form is None:
                return await http.get(url)
            return await http.post(url, data={"csrf": csrf.group(1), **form})

    return run_on_own_loop(send())


def test_the_cards_unmerge_button_asks_first_and_names_what_moves(workspace: Workspace) -> None:
    ann = _shop_with_a_device(workspace)
    laptop = {"kind": "anonymous_id", "value": "laptop"}
    plan = workspace.identity.unmerge_plan(("anonymous_id", "laptop"))
    assert plan["leaving"] == [laptop] and plan["events"] >= 3
    answer = web_request(workspace, f"/profiles/{ann}/unmerge", laptop)
    assert answer.status_code == 200, answer.text[-500:]
    assert f"Unmerge anonymous_id laptop from profile {ann}?" in answer.text
    assert f"{plan['events']} events</strong>" in answer.text and 'name="confirm" value="yes"' in answer.text
    assert workspace.profiles.find("anonymous_id", "laptop") == ann, "unmerged without confirmation"
    assert workspace.privacy.audit_log(10, action="identity") == []


def test_a_confirmed_unmerge_detaches_and_is_audited_with_the_viewer(workspace: Workspace) -> None:
    ann = _shop_with_a_device(workspace)
    events = workspace.identity.unmerge_plan(("anonymous_id", "laptop"))["events"]
    confirmed = {"kind": "anonymous_id", "value": "laptop", "confirm": "yes"}
    answer = web_request(workspace, f"/profiles/{ann}/unmerge", confirmed)
    assert answer.status_code == 303
    laptop = workspace.profiles.find("anonymous_id", "laptop")
    assert laptop != ann and answer.headers["location"] == f"/profiles/{ann}?done=unmerged&other={laptop}"
    (entry,) = workspace.privacy.audit_log(10, action="identity.unmerge")
    assert (entry["actor"], entry["target"]) == ("web:card-admin", f"profile:{ann}")
    assert entry["detail"] == {"kind": "anonymous_id", "new_profile": laptop, "identifiers": 1, "events": events}
    assert "laptop" not in str(entry), "the audit trail holds ids and counts, never an identifier's value"
