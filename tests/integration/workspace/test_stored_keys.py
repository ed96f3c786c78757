"""A messageId is stored once, whether its first copy came in this process or an earlier one.

The writer rules keys out with a filter of stored keys (``ingest/seen.py``) and asks
the store only about the rest; these run it against a real DuckDB file.
"""

from __future__ import annotations

from pathlib import Path

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.settings import load_settings


def track(message_id: str) -> dict[str, object]:
    return {"type": "track", "messageId": message_id, "anonymousId": f"a-{message_id}", "event": "Viewed"}


def test_a_copy_sent_after_reopening_is_a_duplicate(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(db=tmp_path / "ws.duckdb")
    first = Workspace(settings, clock, create=True)
    first.access.add_source("web")
    assert first.ingest.send("web", [track(f"m{n}") for n in range(50)]).stored == 50
    first.close()
    again = Workspace(settings, clock)
    result = again.ingest.send("web", [track("m7"), track("new"), track("m49")])
    assert (result.stored, result.duplicates) == (1, 2)
    assert again.db.scalar("SELECT count(*) FROM events WHERE message_id = 'm7'") == 1
    again.close()


def test_a_copy_in_the_same_process_and_batch_is_a_duplicate(workspace: Workspace) -> None:
    workspace.access.add_source("web")
    workspace.ingest.send("web", [track("m1")])
    result = workspace.ingest.send("web", [track("m1"), track("m2"), track("m2")])
    assert (result.stored, result.duplicates) == (1, 2)
