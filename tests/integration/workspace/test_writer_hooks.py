"""The writer's hooks for other rooms: screens before a write, fact hooks inside it."""

from __future__ import annotations

from typing import Any

from persona360 import Workspace
from persona360.ingest.record import EventRecord
from persona360.store.database import Transaction


def _calls(n: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {"type": "track", "userId": f"{prefix}{i}", "event": "Viewed", "messageId": f"{prefix}-{i}"} for i in range(n)
    ]


def test_a_screen_drops_records_before_they_are_stored(workspace: Workspace) -> None:
    workspace.access.add_source("web")
    workspace.writer.screens.append(lambda records: [r for r in records if r.user_id != "blocked0"])
    result = workspace.ingest.send("web", _calls(2, "blocked") + _calls(2, "ok"))
    assert result.stored == 3
    assert workspace.db.scalar("SELECT count(*) FROM events WHERE user_id = 'blocked0'") == 0


def test_fact_hooks_run_in_the_write_and_again_on_rebuild(workspace: Workspace) -> None:
    seen: list[tuple[str, int]] = []

    def hook(tx: Transaction, records: list[EventRecord], anchors: list[int], seqs: list[int]) -> None:
        assert len(records) == len(anchors) == len(seqs)
        # inside the transaction: the events of this batch are already visible to it
        stored = tx.fetchall("SELECT count(*) FROM events WHERE seq IN (SELECT unnest($s))", {"s": seqs})[0][0]
        seen.extend((record.user_id or "", int(stored)) for record in records)

    workspace.writer.fact_hooks.append(hook)
    workspace.access.add_source("web")
    workspace.ingest.send("web", _calls(3, "u"))
    assert seen == [("u0", 3), ("u1", 3), ("u2", 3)]
    seen.clear()
    workspace.profiles.rebuild()
    assert sorted(user for user, _ in seen) == ["u0", "u1", "u2"]
