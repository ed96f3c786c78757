"""Stopping the server while the enrichment page's run goes on ends the run between batches.

The run was a daemon thread nobody waited for: the server's shutdown closed the
workspace under it mid-batch. Now the app's lifespan asks it to stop, and waits (a
bounded time) for the batch it is writing. The real app and its lifespan over ASGI, a
real workspace file; the run's batches are real writes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app
from persona360.clock import FixedClock
from persona360.settings import load_settings
from persona360.web.background_run import Progress

BATCHES, PER_BATCH = 400, 5


def slow_enrichment(ws: Workspace, written: list[int]) -> Any:
    """A stand-in for ``ws.enrichment.run``: batches of identify events, each a transaction, then its progress."""

    def run(provider: object, progress: Progress) -> None:
        for batch in range(BATCHES):
            people = [f"b{batch}-{n}" for n in range(PER_BATCH)]
            ws.ingest.send("shop", [{"type": "identify", "userId": user} for user in people])
            written.append(batch)
            progress(len(written), BATCHES)
            time.sleep(0.02)

    return run


async def press_run_then_stop(ws: Workspace) -> tuple[Any, float]:
    """Log in, press the page's run button (its answer comes after 3 s of the run), stop the server.

    The app, and the seconds its stop took.
    """
    app = create_app(ws)
    token = ws.access.create_token(["admin"], "stopper")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', (await http.get("/")).text)
            assert csrf, "not logged in"
            answer = await http.post("/enrichment/run", data={"csrf": csrf.group(1)})
            assert answer.status_code == 303
        began = time.monotonic()
    return app, time.monotonic() - began


def test_stopping_the_server_ends_the_page_s_run_between_batches(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True) as ws:
        ws.access.add_source("shop")
        monkeypatch.setattr(ws.enrichment, "run", slow_enrichment(ws, written))
        app, stopping = run_on_own_loop(press_run_then_stop(ws))
        assert not app.state.web_enrichment.state().running
        assert 0 < len(written) < BATCHES  # it was going when the server stopped, and did not go on
        assert stopping < 10
        users = ws.db.scalar("SELECT count(*) FROM identifiers WHERE kind = 'user_id'")
        assert users == len(written) * PER_BATCH  # whole batches only
        (entry,) = ws.privacy.audit_log(5, action="enrichment.run")
        assert entry["actor"] == "web:stopper"
        assert entry["detail"] == {"stopped": f"stopped after {len(written):,} of {BATCHES:,}: the server was stopping"}
