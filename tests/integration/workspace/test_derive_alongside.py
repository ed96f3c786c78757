"""A derivation runs alongside appends: requests are answered while it works, and what
both commit is what a direct write stores, after a failed derivation and after a crash too.

A slow fact hook holds the derivation inside its transaction (after it took the backlog,
before it commits); the appends meanwhile are the ones a busy API would make.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from integration.workspace.test_append_then_derive import FIRST, SECOND, _open, _records, _written_directly
from integration.workspace.test_rebuild_and_unmerge import snapshot
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.batcher import Batcher

EDGE = "SELECT value FROM meta WHERE key = 'derive_from'"


@contextmanager
def held_derivation(ws: Workspace, *, fail: bool = False) -> Iterator[Callable[[], None]]:
    """A derivation (on its own thread) held inside its transaction until ``release()``.

    With ``fail`` its fact hook raises once released, so the derivation rolls back.
    """
    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hook(*_: Any) -> None:
        started.set()
        release.wait(30)
        if fail:
            raise RuntimeError("a fact hook failed")

    def derive() -> None:
        try:
            ws.writer.derive()
        except RuntimeError as error:
            errors.append(error)

    ws.writer.fact_hooks.append(hook)
    deriving = threading.Thread(target=derive)
    deriving.start()
    assert started.wait(30), "the derivation did not start"
    try:
        yield release.set
    finally:
        release.set()
        deriving.join(30)
        ws.writer.fact_hooks.remove(hook)
    assert not deriving.is_alive()
    assert bool(errors) == fail


def _append_aside(ws: Workspace, calls: list[dict[str, Any]], batch: str) -> None:
    """Append on another thread and wait for it: a writer serialising appends behind the derivation would hang."""
    records = _records(ws, calls, batch)
    appending = threading.Thread(target=ws.writer.append, args=(records,))
    appending.start()
    appending.join(30)
    assert not appending.is_alive(), "the append waited for the derivation"


def test_an_append_commits_while_a_derivation_runs(tmp_path: Path, clock: FixedClock) -> None:
    expected = _written_directly(tmp_path, clock)
    ws = _open(tmp_path / "alongside.duckdb", clock)
    ws.writer.append(_records(ws, FIRST, "b1"))
    with held_derivation(ws):
        _append_aside(ws, SECOND, "b2")
        assert ws.db.scalar("SELECT count(*) FROM events") == len(FIRST) + len(SECOND)
        assert ws.writer.pending == len(FIRST) + len(SECOND)  # one part in flight, one waiting
    assert ws.writer.pending == len(SECOND)
    ws.writer.settle()
    assert snapshot(ws) == expected
    ws.close()


def test_the_derivation_moves_the_edge_to_an_append_it_did_not_take(tmp_path: Path, clock: FixedClock) -> None:
    """The append leaves the edge to the derivation in flight (both writing it would clash);
    that derivation commits it at the append's first event, which a crash then derives."""
    expected = _written_directly(tmp_path, clock)
    path = tmp_path / "crashed.duckdb"
    ws = _open(path, clock)
    ws.writer.append(_records(ws, FIRST, "b1"))
    first = ws.db.scalar("SELECT min(seq) FROM events")
    with held_derivation(ws):
        _append_aside(ws, SECOND, "b2")
        assert ws.db.scalar(EDGE) == str(first)
    assert ws.db.scalar(EDGE) == str(first + len(FIRST))
    ws.db.close()  # the process dies: no settle, no checkpoint

    reopened = _open(path, clock)
    assert reopened.db.scalar(EDGE) is None
    assert snapshot(reopened) == expected
    reopened.close()


def test_a_failed_derivation_keeps_its_part_ahead_of_later_appends(tmp_path: Path, clock: FixedClock) -> None:
    """The failed part goes back to the front of the backlog, its graph changes ahead of those
    appended meanwhile, and the edge still covers both."""
    expected = _written_directly(tmp_path, clock)
    path = tmp_path / "failed.duckdb"
    ws = _open(path, clock)
    ws.writer.append(_records(ws, FIRST, "b1"))
    first = ws.db.scalar("SELECT min(seq) FROM events")
    with held_derivation(ws, fail=True):
        _append_aside(ws, SECOND, "b2")
    assert ws.writer.pending == len(FIRST) + len(SECOND)
    assert ws.db.scalar(EDGE) == str(first)
    assert ws.db.scalar("SELECT count(*) FROM identifiers") == 0  # rolled back with the rest
    ws.writer.settle()
    assert snapshot(ws) == expected
    ws.close()


def test_the_batcher_answers_requests_while_it_derives(tmp_path: Path, clock: FixedClock) -> None:
    expected = _written_directly(tmp_path, clock)
    ws = _open(tmp_path / "batcher.duckdb", clock)
    started, release = threading.Event(), threading.Event()

    def slow_hook(*_: Any) -> None:
        started.set()
        release.wait(30)

    ws.writer.fact_hooks.append(slow_hook)
    batcher = Batcher(ws.writer, 1_000, 0, derive_idle_ms=1)  # derives as soon as the first commit is done
    try:
        batcher.submit(_records(ws, FIRST, "b1")).result(timeout=30)
        assert started.wait(30), "the batcher did not derive"
        assert batcher.submit(_records(ws, SECOND, "b2")).result(timeout=30).stored == len(SECOND)
    finally:
        release.set()
        batcher.close()
    ws.writer.fact_hooks.remove(slow_hook)
    assert ws.writer.pending == 0  # closing derived everything
    assert snapshot(ws) == expected
    ws.close()
