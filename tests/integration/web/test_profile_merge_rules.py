"""The profile page names the rule that joined an identity, not only "probabilistic".

The resolver's rules (home network, device handover) and its model all write edges
with reason ``probabilistic``; the merge event keeps which it was and its evidence,
and the page now shows it. The real app over ASGI on a workspace the real rules resolved.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from tests.integration.resolution.test_devices import LAPTOP, _views
from tests.integration.resolution.test_devices import _customer as _device_customer
from tests.integration.resolution.test_home_networks import HOME, _customer, _laptop

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app
from persona360.clock import FixedClock
from persona360.profiles.links import merge_reason
from persona360.settings import load_settings


def page_at(ws: Workspace, path: str) -> str:
    """The HTML of one page, read by a newly logged-in admin."""
    token = ws.access.create_token(["admin"], "rules-admin")

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            return await http.get(path)

    response = run_on_own_loop(send())
    assert response.status_code == 200
    return response.text


def page_of(ws: Workspace, profile_id: int) -> str:
    return page_at(ws, f"/profiles/{profile_id}")


def edge_lines(html: str) -> list[str]:
    """Each identity edge of the page as its text, spaces squeezed."""
    items = re.findall(r'<li class="edge[^"]*">(.*?)</li>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_a_home_network_merge_shows_its_rule_and_network(workspace: Workspace) -> None:
    workspace.access.add_source("web")
    workspace.ingest.send("web", _customer("u1", 0) + _laptop(50))
    assert workspace.resolution.resolve().homes == 1
    lines = edge_lines(page_of(workspace, workspace.profiles.find("user_id", "u1")))
    homes = [line for line in lines if "home network rule" in line]
    assert len(homes) == 2  # the edge, seen from each of its two identifiers
    assert all(f"network {HOME}::/64, 100% of its events there" in line for line in homes)
    assert not any(line.startswith("probabilistic") for line in lines)


def test_a_device_handover_shows_its_rule_and_gap(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(db=tmp_path / "ws.duckdb", resolution_home_network=False)
    with Workspace(settings, clock, create=True) as ws:
        ws.access.add_source("web")
        ws.ingest.send("web", _device_customer("a-old", "u1", 0) + _views("a-new", 30, ["p2", "p9"], LAPTOP))
        assert ws.resolution.resolve().handovers == 1
        lines = edge_lines(page_of(ws, ws.profiles.find("user_id", "u1")))
    handovers = [line for line in lines if "device handover rule" in line]
    assert len(handovers) == 2
    assert all(f"same device on {LAPTOP['ip']}, " in line and " h apart" in line for line in handovers)


def test_the_model_s_merge_shows_its_probability() -> None:
    assert merge_reason({"probability": 0.973, "weights": {}}) == {"why": "match probability 0.97"}
    assert merge_reason({"rule": "new_rule"}) == {"reason": "new_rule rule"}
    assert merge_reason(None) == {}
