"""How the writer cuts a batch into transactions: merges together, each unmerge alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persona360.ingest.record import EventRecord
from persona360.ingest.writer import _runs

AT = datetime(2026, 1, 1, tzinfo=UTC)


def record(kind: str, n: int) -> EventRecord:
    return EventRecord(f"{kind}-{n}", 1, kind, AT, AT, [("user_id", str(n))], "record")


@pytest.mark.parametrize(
    ("types", "runs"),
    [
        ("track track merge merge merge track", [["track", "track"], ["merge", "merge", "merge"], ["track"]]),
        ("merge unmerge unmerge merge", [["merge"], ["unmerge"], ["unmerge"], ["merge"]]),
        ("identify", [["identify"]]),
        ("", []),
    ],
)
def test_merges_share_a_run_and_an_unmerge_stands_alone(types: str, runs: list[list[str]]) -> None:
    records = [record(kind, n) for n, kind in enumerate(types.split())]
    assert [[r.type for r in run] for run in _runs(records)] == runs
