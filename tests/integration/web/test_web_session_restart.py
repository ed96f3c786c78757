"""A browser session survives a server restart: the cookie key comes from the workspace."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from integration.server import CLI, LiveServer, cli, make_workspace

pytestmark = [pytest.mark.serial, pytest.mark.slow]


def log_in(url: str, token: str) -> str:
    answer = httpx.post(f"{url}/login", data={"token": token, "next": "/profiles"}, timeout=30)
    assert answer.status_code == 303 and answer.headers["location"] == "/profiles"
    return str(answer.cookies["p360_session"])


def status(url: str, cookie: str) -> int:
    return httpx.get(f"{url}/profiles", cookies={"p360_session": cookie}, timeout=30).status_code


def restart(server: LiveServer) -> LiveServer:
    assert server.stop(), server.log()
    fresh = LiveServer(server.db)
    fresh.start_timeout = 120.0  # a busy shared machine imports slowly
    return fresh.start()


@pytest.mark.timeout(900)  # three server starts; on a busy shared machine each took a minute
def test_a_session_survives_a_restart_and_a_revoked_token_does_not(tmp_path: Path) -> None:
    creds = make_workspace(tmp_path)
    server = LiveServer(creds.db)
    server.start_timeout = 120.0
    server.start()
    try:
        cookie = log_in(server.url, creds.admin_token)
        assert status(server.url, cookie) == 200
        server = restart(server)
        assert status(server.url, cookie) == 200, "the restart logged the browser out"
        assert status(server.url, cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) == 303
    finally:
        assert server.stop(), server.log()
    tokens: list[dict[str, object]] = cli(creds.db, "tokens", "list")  # type: ignore[assignment]
    token_id = next(t["token_id"] for t in tokens if t["name"] == "it-admin")
    subprocess.run([CLI, "--db", str(creds.db), "tokens", "revoke", str(token_id)], check=True, capture_output=True)
    server = LiveServer(creds.db)
    server.start_timeout = 120.0
    server.start()
    try:
        assert status(server.url, cookie) == 303, "a revoked token must end its sessions"
    finally:
        assert server.stop(), server.log()
