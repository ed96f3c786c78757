"""A browser session survives a server restart, and so does a logout.

The cookie key and the list of logged-out sessions are both kept in the workspace.
"""

from __future__ import annotations

import re
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


def log_out(url: str, cookie: str) -> None:
    page = httpx.get(f"{url}/profiles", cookies={"p360_session": cookie}, timeout=30)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf, page.text[:300]
    answer = httpx.post(f"{url}/logout", data={"csrf": csrf.group(1)}, cookies={"p360_session": cookie}, timeout=30)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def restart(server: LiveServer) -> LiveServer:
    assert server.stop(), server.log()
    fresh = LiveServer(server.db)
    fresh.start_timeout = 120.0  # a busy shared machine imports slowly
    return fresh.start()


@pytest.mark.timeout(900)  # three server starts; on a busy shared machine each took a minute
def test_a_session_survives_a_restart_a_logout_too_and_a_revoked_token_ends_it(tmp_path: Path) -> None:
    creds = make_workspace(tmp_path)
    server = LiveServer(creds.db)
    server.start_timeout = 120.0
    server.start()
    try:
        cookie = log_in(server.url, creds.admin_token)
        ended = log_in(server.url, creds.admin_token)
        assert status(server.url, cookie) == 200
        log_out(server.url, ended)
        assert status(server.url, ended) == 303
        server = restart(server)
        assert status(server.url, cookie) == 200, "the restart logged the browser out"
        assert status(server.url, ended) == 303, "a copied cookie of a logged-out session works after a restart"
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
