"""A commit waits for requests the API is still checking, or for the company of the last commit.

``Batcher.arriving`` marks a request as on its way (the tracking intake holds it while
it reads and validates a body); a commit that starts meanwhile waits up to
``gather_ms`` for it, so the two share one transaction. With nothing on its way a
commit starts at once.

The requests of one commit then get its result, or the error that kept their events
out: ``Batcher.write`` (the API's coroutines) waits on a future of its own event loop,
and a commit resolves all of them on one loop with one call into it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.errors import StoreUnavailableError
from persona360.ingest.batcher import Batcher
from persona360.ingest.record import EventRecord
from persona360.ingest.validate import to_record
from persona360.settings import load_settings


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    workspace = Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True)
    workspace.access.ensure_source("web")
    yield workspace
    workspace.close()


def record(ws: Workspace, n: int) -> list[EventRecord]:
    call = {"type": "track", "anonymousId": f"a{n}", "event": "Product Viewed", "messageId": f"m{n}"}
    return [to_record(call, source_id=ws.access.source("web").source_id, limits=ws.limits())]


def test_a_request_being_checked_shares_the_commit(ws: Workspace) -> None:
    batcher = Batcher(ws.writer, 1_000, 0, gather_ms=5_000)
    try:
        started = time.monotonic()
        with batcher.arriving():
            first = batcher.submit(record(ws, 1))
            time.sleep(0.3)  # the writer has taken the first and waits for this one
            second = batcher.submit(record(ws, 2))
        assert first.result(timeout=30) is second.result(timeout=30)  # one commit's result
        assert first.result().stored == 2
        assert time.monotonic() - started < 5.0  # it stopped waiting once none was on its way
    finally:
        batcher.close()


def test_nothing_on_its_way_means_no_wait(ws: Workspace) -> None:
    batcher = Batcher(ws.writer, 1_000, 0, gather_ms=5_000)
    try:
        first = batcher.submit(record(ws, 1))
        first.result(timeout=30)
        second = batcher.submit(record(ws, 2))
        assert first.result() is not second.result(timeout=30)
        assert (first.result().stored, second.result().stored) == (1, 1)
    finally:
        batcher.close()


def test_a_steady_load_keeps_its_company(ws: Workspace) -> None:
    """After a commit of three requests, the next one waits (within gather_ms) for three."""
    with running(Batcher(ws.writer, 1_000, 0, gather_ms=5_000)) as batcher:
        commit_three_together(batcher, ws)
        started = time.monotonic()
        first = batcher.submit(record(ws, 4))
        time.sleep(0.3)  # nothing is marked as arriving: only the last commit's company makes it wait
        rest = [batcher.submit(record(ws, n)) for n in (5, 6)]
        assert all(future.result(timeout=30) is first.result(timeout=30) for future in rest)
        assert first.result().stored == 3
        assert time.monotonic() - started < 5.0  # it stopped waiting once the company was there


def test_a_lone_request_after_a_quiet_spell_does_not_wait(ws: Workspace) -> None:
    with running(Batcher(ws.writer, 1_000, 0, gather_ms=1_000)) as batcher:
        commit_three_together(batcher, ws)
        time.sleep(1.2)  # longer than gather_ms: the load is gone
        started = time.monotonic()
        batcher.submit(record(ws, 4)).result(timeout=30)
        assert time.monotonic() - started < 1.0  # waiting for company would have taken gather_ms


def commit_three_together(batcher: Batcher, ws: Workspace) -> None:
    with batcher.arriving():
        together = [batcher.submit(record(ws, n)) for n in (1, 2, 3)]
    assert len({id(future.result(timeout=30)) for future in together}) == 1


@contextmanager
def running(batcher: Batcher) -> Iterator[Batcher]:
    try:
        yield batcher
    finally:
        batcher.close()


@pytest.fixture
def batcher(ws: Workspace) -> Iterator[Batcher]:
    batcher = Batcher(ws.writer, 1_000, 0, gather_ms=5_000)
    yield batcher
    batcher.close()


async def _one_commit(batcher: Batcher, ws: Workspace, cancel_first: bool = False) -> list[object]:
    """Three coroutines and a thread's request, held together by ``arriving`` until all are queued."""
    with batcher.arriving():  # the commit waits for this one (test_batcher_gather.py)
        tasks = [asyncio.ensure_future(batcher.write(record(ws, n))) for n in range(3)]
        threaded = batcher.submit(record(ws, 3))
        await asyncio.sleep(0.2)  # all four are queued; the writer waits for the arriving one
        if cancel_first:
            tasks[0].cancel()
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
    return [*outcomes, await asyncio.wait_for(asyncio.wrap_future(threaded), 30)]


def test_the_requests_of_one_commit_share_its_result(ws: Workspace, batcher: Batcher) -> None:
    outcomes = run_on_own_loop(_one_commit(batcher, ws))
    assert all(outcome is outcomes[0] for outcome in outcomes)
    assert outcomes[0].stored == 4  # type: ignore[attr-defined]
    assert ws.writer.pending == 4


def test_a_cancelled_request_leaves_the_others_their_answer(ws: Workspace, batcher: Batcher) -> None:
    outcomes = run_on_own_loop(_one_commit(batcher, ws, cancel_first=True))
    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert outcomes[1] is outcomes[2] is outcomes[3]
    assert outcomes[1].stored == 4  # type: ignore[attr-defined]  # the cancelled one's event is stored too


def test_a_commit_that_fails_answers_each_request_with_the_error(ws: Workspace, batcher: Batcher) -> None:
    def broken(records: list[EventRecord]) -> list[EventRecord]:
        raise RuntimeError("the store is gone")

    ws.writer.screens.append(broken)

    async def write() -> None:
        await asyncio.wait_for(batcher.write(record(ws, 1)), 30)

    with pytest.raises(StoreUnavailableError, match="could not be stored"):
        run_on_own_loop(write())
    with pytest.raises(StoreUnavailableError):
        batcher.submit(record(ws, 2)).result(timeout=30)
    assert ws.writer.pending == 0
