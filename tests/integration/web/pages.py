"""Fetch web pages as a logged-in admin: the real app over ASGI on a real workspace, no browser; such a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app


def fetch(ws: Workspace, *paths: str) -> list[str]:
    """Log in with a fresh admin token and GET each path; the pages' HTML (each must answer 200)."""
    token = ws.access.create_token(["admin"], "pages-admin")

    async def send() -> list[str]:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            answers = [await http.get(path) for path in paths]
        for path, answer in zip(paths, answers, strict=True):
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return [answer.text for answer in answers]

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
