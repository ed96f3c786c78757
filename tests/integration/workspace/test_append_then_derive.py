"""Acknowledged before derived: appends are durable on their own, and a workspace opened
after a crash derives what the dead process left, to the same result as a direct write."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

from integration.workspace.test_rebuild_and_unmerge import snapshot
from persona360 import Workspace
from persona360.api.consistency import SettleBeforeReads
from persona360.clock import FixedClock
from persona360.ingest.record import EventRecord
from persona360.ingest.validate import to_record
from persona360.settings import load_settings

FIRST = [
    {"type": "page", "anonymousId": "a1", "name": "Home", "context": {"userAgent": "Mozilla/5.0 (iPhone) Mobile"}},
    {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"email": "jane@example.org"}},
    {"type": "identify", "userId": "u2", "anonymousId": "a2", "traits": {"city": "Lviv"}},
    {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"order_id": "o1", "revenue": 10}},
]
# joins u2's profile into u1's: the profile merged away must lose its rows
SECOND = [
    {"type": "identify", "userId": "u2", "traits": {"email": "jane@example.org", "city": "Kyiv"}},
    {"type": "track", "anonymousId": "a2", "event": "Product Viewed", "properties": {"sku": "S1"}},
]


def _records(ws: Workspace, calls: list[dict[str, Any]], batch: str) -> list[EventRecord]:
    source_id = ws.access.ensure_source("web").source_id
    return [
        to_record({**call, "messageId": f"{batch}-{n}"}, source_id=source_id, limits=ws.limits())
        for n, call in enumerate(calls)
    ]


def _open(path: Path, clock: FixedClock) -> Workspace:
    return Workspace(load_settings(db=path), clock, create=True)


def _written_directly(tmp_path: Path, clock: FixedClock) -> dict[str, Any]:
    """The tables after both batches went through ``write`` (one transaction each)."""
    direct = _open(tmp_path / "direct.duckdb", clock)
    for batch, calls in (("b1", FIRST), ("b2", SECOND)):
        direct.writer.write(_records(direct, calls, batch))
    expected = snapshot(direct)
    direct.close()
    return expected


def test_appends_wait_for_derivation_then_match_a_direct_write(tmp_path: Path, clock: FixedClock) -> None:
    expected = _written_directly(tmp_path, clock)

    appended = _open(tmp_path / "appended.duckdb", clock)
    for batch, calls in (("b1", FIRST), ("b2", SECOND)):
        assert appended.writer.append(_records(appended, calls, batch)).stored == len(calls)
    assert appended.db.scalar("SELECT count(*) FROM events") == len(FIRST) + len(SECOND)
    assert appended.db.scalar("SELECT count(*) FROM profiles") == 0  # not derived yet
    assert appended.writer.pending == len(FIRST) + len(SECOND)
    appended.writer.settle()
    assert appended.writer.pending == 0
    assert snapshot(appended) == expected
    appended.close()


def test_a_workspace_opened_after_a_crash_derives_the_backlog(tmp_path: Path, clock: FixedClock) -> None:
    expected = _written_directly(tmp_path, clock)

    path = tmp_path / "crashed.duckdb"
    crashed = _open(path, clock)
    crashed.writer.write(_records(crashed, FIRST, "b1"))  # derived
    crashed.writer.append(_records(crashed, SECOND, "b2"))  # acknowledged, not derived
    crashed.db.close()  # the process dies: no settle, no checkpoint

    reopened = _open(path, clock)
    assert reopened.writer.pending == 0
    assert reopened.db.scalar("SELECT value FROM meta WHERE key = 'derive_from'") is None
    assert snapshot(reopened) == expected
    assert reopened.db.scalar("SELECT sum(event_count) FROM profiles") == len(FIRST) + len(SECOND)
    reopened.close()


def test_a_direct_write_derives_the_backlog_first(workspace: Workspace) -> None:
    workspace.writer.append(_records(workspace, FIRST, "b1"))
    workspace.writer.write(_records(workspace, SECOND, "b2"))
    assert workspace.writer.pending == 0
    assert workspace.db.scalar("SELECT sum(event_count) FROM profiles") == len(FIRST) + len(SECOND)
    assert workspace.db.scalar("SELECT value FROM meta WHERE key = 'derive_from'") is None


def test_a_direct_write_derives_a_long_backlog_whole(workspace: Workspace) -> None:
    workspace.writer.derive_max_events = 2  # the backlog takes several derivations
    workspace.writer.append(_records(workspace, FIRST[:2], "b1"))
    workspace.writer.append(_records(workspace, FIRST[2:], "b1x"))
    workspace.writer.write(_records(workspace, SECOND, "b2"))
    assert workspace.writer.pending == 0
    assert workspace.db.scalar("SELECT value FROM meta WHERE key = 'derive_from'") is None
    assert workspace.db.scalar("SELECT sum(event_count) FROM profiles") == len(FIRST) + len(SECOND)


def test_derivation_in_parts_moves_the_edge(workspace: Workspace) -> None:
    workspace.writer.derive_max_events = 2
    for batch in ("b1", "b2"):
        workspace.writer.append(_records(workspace, FIRST[:2], batch))
    first = workspace.db.scalar("SELECT min(seq) FROM events")
    assert workspace.db.scalar("SELECT value FROM meta WHERE key = 'derive_from'") == str(first)
    workspace.writer.derive()
    assert workspace.db.scalar("SELECT value FROM meta WHERE key = 'derive_from'") == str(first + 2)
    workspace.writer.derive()
    assert workspace.db.scalar("SELECT value FROM meta WHERE key = 'derive_from'") is None


def test_an_append_leaves_the_identity_graph_to_its_derivation(workspace: Workspace) -> None:
    """An append commits the events alone; the graph changes commit with the derivation."""
    workspace.writer.append(_records(workspace, FIRST, "b1"))
    assert workspace.db.scalar("SELECT count(*) FROM events") == len(FIRST)
    assert workspace.db.scalar("SELECT count(*) FROM identifiers") == 0
    workspace.writer.settle()
    assert workspace.db.scalar("SELECT count(*) FROM identifiers") == 5  # a1, u1, the email, u2, a2
    assert workspace.db.scalar("SELECT count(*) FROM edges") == 3  # a1-u1, u1-email, u2-a2
    unknown = "SELECT count(*) FROM events WHERE anchor_id NOT IN (SELECT identifier_id FROM identifiers)"
    assert workspace.db.scalar(unknown) == 0


def test_settle_waits_for_a_derivation_in_flight(workspace: Workspace) -> None:
    """The batcher's derivation has taken the events off the backlog but not committed
    them (nor their identifiers): a read that settles must wait for it, not slip by."""
    started, release = threading.Event(), threading.Event()

    def slow_hook(*_: Any) -> None:
        started.set()
        release.wait(10)

    workspace.writer.append(_records(workspace, FIRST, "b1"))
    workspace.writer.fact_hooks.append(slow_hook)
    batcher = threading.Thread(target=workspace.writer.derive)
    batcher.start()
    assert started.wait(10)
    reader = threading.Thread(target=workspace.writer.settle)
    reader.start()
    reader.join(0.5)
    settled_early = not reader.is_alive()
    release.set()
    batcher.join(10)
    reader.join(10)
    assert not settled_early, "settle returned while a derivation was in flight"
    assert workspace.db.scalar("SELECT count(*) FROM identifiers") == 5


def test_a_read_waits_for_a_derivation_in_flight(workspace: Workspace) -> None:
    """The API settles before a read only when the writer says something is pending (a
    check without the lock): a derivation in flight must still count, or a lookup right
    after a tracking call's 200 misses its identifiers (a flaky admin lookup)."""
    started, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def slow_hook(*_: Any) -> None:
        started.set()
        release.wait(10)

    async def read(scope: Any, receive: Any, send: Any) -> None:
        seen.append(workspace.db.scalar("SELECT count(*) FROM identifiers"))

    workspace.writer.append(_records(workspace, FIRST, "b1"))
    workspace.writer.fact_hooks.append(slow_hook)
    batcher = threading.Thread(target=workspace.writer.derive)
    batcher.start()
    assert started.wait(10)
    pending_in_flight = workspace.writer.pending
    gate = SettleBeforeReads(read, workspace.writer, frozenset({"/v1/track"}))
    reader = threading.Thread(target=asyncio.run, args=(gate({"type": "http", "path": "/v1/profiles"}, None, None),))
    reader.start()
    reader.join(0.5)
    release.set()
    batcher.join(10)
    reader.join(10)
    assert seen == [5]  # a1, u1, jane@example.org, u2, a2: the read came after the derivation
    assert pending_in_flight == len(FIRST)
    assert workspace.writer.pending == 0


def test_a_failed_append_keeps_the_waiting_appends_graph_changes(tmp_path: Path, clock: FixedClock) -> None:
    """A failed append reads the graph again from the store, which lacks the waiting appends'
    changes: they are observed again, so later appends and the derivation match a direct write."""
    expected = _written_directly(tmp_path, clock)

    ws = _open(tmp_path / "failed.duckdb", clock)
    ws.writer.append(_records(ws, FIRST, "b1"))  # acknowledged; its graph changes are in memory
    second = _records(ws, SECOND, "b2")
    # one of the next messages got stored behind the writer's back (its Bloom filter has
    # not seen the key, so only the insert finds it): the append fails
    with ws.db.transaction() as tx:
        tx.execute(
            "INSERT INTO events SELECT * REPLACE (seq + 100 AS seq, $key::UBIGINT AS message_key) "
            "FROM events ORDER BY seq LIMIT 1",
            {"key": second[1].message_key},
        )
    with pytest.raises(duckdb.ConstraintException):
        ws.writer.append(second)
    with ws.db.transaction() as tx:
        tx.execute("DELETE FROM events WHERE seq > 100")
    ws.writer.reload()  # the seq of the next event follows the store again
    assert ws.writer.append(_records(ws, SECOND, "b2")).stored == len(SECOND)
    ws.writer.settle()
    assert snapshot(ws) == expected
    ws.close()


# each append is one list; the comments say what the trait re-projection must see
STREAM = [
    [{"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"email": "j@example.org", "plan": "free"}}],
    # a new anonymous id joins u1: no trait changes (skipped)
    [{"type": "track", "userId": "u1", "anonymousId": "a2", "event": "Product Viewed"}],
    # a new profile with traits of its own
    [{"type": "identify", "anonymousId": "a3", "traits": {"city": "Lviv", "plan": "pro"}}],
    # a3's profile (known, with traits) joins u1's: u1's shown traits change
    [{"type": "track", "userId": "u1", "anonymousId": "a3", "event": "Product Added"}],
    # two new ids join each other, then a known one: a new profile swallowed
    [
        {"type": "page", "userId": "u9", "anonymousId": "a9", "name": "Home"},
        {"type": "identify", "userId": "u9", "traits": {"city": "Odesa"}},
        {"type": "track", "userId": "u9", "anonymousId": "a2", "event": "Checkout Started"},
    ],
    [{"type": "alias", "userId": "u1", "previousId": "a10"}],
]


def test_shown_traits_equal_a_full_reprojection_after_skipped_ones(workspace: Workspace) -> None:
    """The writer re-projects traits only where they may have changed; recomputing every
    profile's traits afterwards must change nothing."""
    for n, calls in enumerate(STREAM):
        workspace.writer.append(_records(workspace, calls, f"s{n}"))
        if n % 2:
            workspace.writer.settle()
    workspace.writer.settle()
    shown = workspace.db.query("SELECT * FROM profile_traits ORDER BY ALL")
    assert {row[1] for row in shown} >= {"email", "plan", "city"}
    writer = workspace.writer
    profiles = {int(row[0]) for row in workspace.db.query("SELECT profile_id FROM profiles")}
    with workspace.db.transaction() as tx:
        writer._project(tx, profiles, profiles)
    assert workspace.db.query("SELECT * FROM profile_traits ORDER BY ALL") == shown
