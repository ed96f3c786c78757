"""The batcher derives on the short bound only while something follows events live (an
active segment, a computed trait, an event-triggered campaign); otherwise on the relaxed
bound, and a read still sees every acknowledged event, as it settles the backlog first."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.api.consistency import SettleBeforeReads
from persona360.clock import FixedClock
from persona360.ingest.batcher import Batcher
from persona360.ingest.validate import to_record
from persona360.ingest.writer import WriteResult
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

SHORT_MS, RELAXED_MS = 50, 600_000  # the relaxed bound never comes within a test


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    workspace = Workspace(
        load_settings(
            db=tmp_path / "ws.duckdb",
            activation_webhook_url="http://127.0.0.1:9/hook",
            activation_webhook_secret="s",
        ),
        clock,
        create=True,
    )
    yield workspace
    workspace.close()


@pytest.fixture
def batcher(ws: Workspace) -> Iterator[Batcher]:
    # idle never comes and 20,000 events never wait: only the bound can start a derivation
    started = Batcher(
        ws.writer, 100, 1, derive_idle_ms=RELAXED_MS, derive_within_ms=SHORT_MS, derive_relaxed_ms=RELAXED_MS
    )
    yield started
    started.close()


def _call(ws: Workspace, n: int) -> Any:
    call = {"type": "identify", "userId": f"u{n % 7}", "anonymousId": f"a{n}", "messageId": f"m{n}"}
    return to_record(call, source_id=ws.access.ensure_source("web").source_id, limits=ws.limits())


def test_with_nothing_live_the_relaxed_bound_applies(ws: Workspace, batcher: Batcher) -> None:
    assert not ws.writer.listening_live()
    assert batcher.within() == RELAXED_MS / 1000


def test_a_live_segment_keeps_the_short_bound_while_it_lasts(ws: Workspace, batcher: Batcher) -> None:
    batcher.within()  # the answer is kept: saving and deleting the segment must drop it
    ws.segments.create(SegmentSpec("buyers", "orders_count >= 1"))
    assert batcher.within() == SHORT_MS / 1000
    ws.segments.delete("buyers")
    assert batcher.within() == RELAXED_MS / 1000


def test_a_computed_trait_keeps_the_short_bound(ws: Workspace, batcher: Batcher) -> None:
    batcher.within()
    ws.segments.define_trait("views", 'count("Product Viewed")')
    assert batcher.within() == SHORT_MS / 1000


def test_a_trigger_campaign_keeps_the_short_bound_while_the_triggers_run(ws: Workspace, batcher: Batcher) -> None:
    spec = CampaignSpec("receipt", "", "Thanks!", channel="webhook", trigger_event="Order Completed")
    ws.activation.create(spec)
    assert batcher.within() == RELAXED_MS / 1000  # no trigger worker: nothing answers events live
    ws.activation.start_triggers()
    try:
        assert batcher.within() == SHORT_MS / 1000
    finally:
        ws.activation.stop_triggers()
    assert batcher.within() == RELAXED_MS / 1000


def test_a_live_segment_gets_a_busy_stream_derived(ws: Workspace, batcher: Batcher) -> None:
    ws.segments.create(SegmentSpec("known", "n_identify >= 1"))
    derived = threading.Event()

    def listen(result: WriteResult) -> None:
        if result.touched_profiles:
            derived.set()

    ws.writer.after_commit.append(listen)
    for n in range(2_000):
        batcher.submit([_call(ws, n)]).result(timeout=60)
        if derived.is_set():
            break
        time.sleep(0.005)
    assert derived.is_set(), "nothing was derived while requests kept coming"


def test_with_the_relaxed_bound_a_read_still_sees_every_acknowledged_event(ws: Workspace, batcher: Batcher) -> None:
    seen: list[int] = []

    async def read(scope: Any, receive: Any, send: Any) -> None:
        seen.append(ws.db.scalar("SELECT count(*) FROM identifiers"))

    for n in range(20):
        batcher.submit([_call(ws, n)]).result(timeout=60)  # acknowledged: committed
    waiting = ws.writer.pending
    run_on_own_loop(
        SettleBeforeReads(read, ws.writer, frozenset({"/v1/track"}))(
            {"type": "http", "path": "/v1/profiles"}, None, None
        )
    )  # type: ignore[arg-type]
    assert waiting == 20  # nothing was derived before the read
    assert seen == [7 + 20]  # u0..u6 and a0..a19
    assert ws.writer.pending == 0
