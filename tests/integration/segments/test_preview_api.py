"""``POST /v1/segments/preview`` sizes a condition without a name: a preview saves nothing.

It took the body of ``POST /v1/segments`` and answered ``400 name: Field required`` to
``{"condition": ...}``, so every caller had to make a name up.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app


def preview(ws: Workspace, body: dict[str, Any]) -> httpx.Response:
    """The preview through the real app over ASGI, with a segments token."""
    headers = {"authorization": f"Bearer {ws.access.create_token(['segments'], name='segments')}"}

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as http:
            return await http.post("/v1/segments/preview", json=body)

    return run_on_own_loop(send())


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.access.add_source("shop")
    workspace.ingest.send("shop", [{"type": "identify", "userId": u, "traits": {"name": u}} for u in ("a", "b")])
    return workspace


def test_a_condition_alone_is_previewed(ws: Workspace) -> None:
    answer = preview(ws, {"condition": "event_count >= 1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["size"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "", "condition": "event_count >= 1"}, "segment name ''"),
        ({"condition": "event_count >="}, "ends too early"),
        ({}, "a segment needs a condition"),
    ],
    ids=["a given name is still checked", "a bad condition", "nothing to preview"],
)
def test_bad_previews_name_what_is_wrong(ws: Workspace, body: dict[str, Any], message: str) -> None:
    answer = preview(ws, body)
    assert answer.status_code == 400
    assert message in answer.json()["message"]
