"""The login page and README name the same token to open the UI; no test names in the pages; an icon.

The login page said ``--scope profiles:read`` where README said ``--scope admin``; the audit
filter's placeholder was a test's actor (``web:e2e-admin``); the browser's request for
``/favicon.ico`` logged a 404 on every page. The real app over ASGI on a real workspace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from integration.web.pages import fetch
from persona360 import Workspace
from persona360.api.app import create_app

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with Workspace.open(tmp_path_factory.mktemp("web-login") / "ws.duckdb") as opened:
        yield opened


def get(ws: Workspace, path: str) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ws)), base_url="http://test") as http:
            return await http.get(path)

    return run_on_own_loop(send())


def test_the_login_page_and_readme_create_the_same_token(ws: Workspace) -> None:
    login = get(ws, "/login").text
    commands = set(re.findall(r"persona360 tokens create --scope [a-z:]+", login))
    assert commands == {"persona360 tokens create --scope admin"}
    assert all(command in README.read_text(encoding="utf-8") for command in commands)
    assert "profiles:read" in login  # the least a narrower token needs, said as such


def test_the_audit_filter_suggests_no_test_actor(ws: Workspace) -> None:
    (audit,) = fetch(ws, "/audit")
    placeholder = re.search(r'id="audit-actor"[^>]*placeholder="([^"]+)"', audit)
    assert placeholder and placeholder.group(1) == "web:shop-owner"
    assert "e2e" not in audit


def test_every_page_names_an_icon_that_is_served(ws: Workspace) -> None:
    login = get(ws, "/login").text
    icon = re.search(r'<link rel="icon" href="([^"]+)"', login)
    assert icon
    served = get(ws, icon.group(1))
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/svg+xml")
    assert served.text.startswith("<svg")
