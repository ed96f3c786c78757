"""Fetch web pages as a logged-in admin: the real app over ASGI on a real workspace, no browser."""

from __future__ import annotations

import httpx

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
