"""How the writer cuts a batch into transactions (merges together, each unmerge alone) and builds its columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from persona360.ingest.record import EventRecord
from persona360.ingest.writer import _runs, _shared_times

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


LATER = AT + timedelta(microseconds=1)


@pytest.mark.parametrize(
    "values",
    [
        [AT] * 8 + [LATER] * 8,  # two requests' received_at: converted once per run
        [AT, None, None, None, None, LATER, LATER, LATER],  # calls without sentAt among a batch's
        [AT + timedelta(seconds=n) for n in range(10)],  # every row its own: converted as it is
        [AT, LATER, AT, LATER, AT, LATER, AT, LATER],  # the same objects, not in runs
        [AT],
        [],
    ],
)
def test_shared_times_are_the_column_arrow_makes_of_the_values(values: list[datetime | None]) -> None:
    expected = pa.array(values, pa.timestamp("us", "UTC"))
    assert _shared_times(values).equals(expected)
