"""Fetch web pages as a logged-in user: the real app over ASGI on a real workspace, no browser; such a workspace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app


def fetch(ws: Workspace, *paths: str, scopes: tuple[str, ...] = ("admin",)) -> list[str]:
    """Log in with a fresh token (admin unless ``scopes`` say) and GET each path; the HTML (each must answer 200)."""
    answers = browse(ws, [("GET", path, None) for path in paths], scopes)
    for path, (status, text) in zip(paths, answers, strict=True):
        assert status == 200, (path, status, text[:300])
    return [text for _, text in answers]


def browse(
    ws: Workspace,
    steps: list[tuple[str, str, dict[str, str] | None]],
    scopes: tuple[str, ...] = ("admin",),
    app: Any = None,
) -> list[tuple[int, str]]:
    """Log in and send each (method, path, form): a POST's form gets the session's CSRF token. Status and HTML each.

    ``app`` is the app to send them to (``create_app(ws)`` when None), for a test that sets its state first.
    """
    token = ws.access.create_token(list(scopes), "pages-admin")

    async def send() -> list[tuple[int, str]]:
        transport = httpx.ASGITransport(app=app or create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', (await http.get("/")).text)
            assert csrf, "not logged in"
            answers = []
            for method, path, form in steps:
                data = None if form is None else {"csrf": csrf.group(1), **form}
                answer = await http.request(method, path, data=data)
                answers.append((answer.status_code, answer.text))
            return answers

    return run_on_own_loop(send())


@contextmanager
def shop_workspace(
    tmp_path_factory: pytest.TempPathFactory, name: str, records: list[dict[str, Any]]
) -> Iterator[Workspace]:
    """A workspace file in a fresh folder, whose source ``shop`` has sent ``records``."""
    with Workspace.open(tmp_path_factory.mktemp(name) / "ws.duckdb") as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", records)
        yield ws
