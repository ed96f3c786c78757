"""The files one shard of a demo run writes, held open while its people are simulated.

Time-ordered files (events, orders, tickets, survey answers) go through a :class:`Spool`
so they come out sorted with bounded memory; the others are written as they come. A
shard writes into its own work folder; :mod:`persona360.demo.assemble` joins the shards
into the files a shop would export.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from persona360.demo.people import Person
from persona360.demo.segment import iso
from persona360.demo.spec import DemoSpec
from persona360.demo.spool import KEY_END, Spool
from persona360.demo.truth import TruthWriter

# Each spooled slice of events should stay well under a gigabyte when sorted in memory.
_EVENTS_PER_SLICE = 250_000
# Events a person leaves: a part that does not depend on the window (the sessions around
# their orders) plus a part per day. Measured at seed 42: 30 a person at 7 days, 34 at
# 14, 42 at 30, 87-90 at 90. The estimate errs high, so that slices err small. (It was
# 1.2 a day: a short window then made few, huge slices; 100,000 people over 7 days cut
# into 7 slices of 430,000 events held the demo's process at 3.2 GB.)
_EVENTS_PER_PERSON = 30.0
_EVENTS_PER_PERSON_DAY = 0.7
SPOOLED = ("orders", "tickets", "survey")
DIRECT = ("email_contacts", "social_handles")


def event_slices(spec: DemoSpec) -> int:
    """How many time slices the event spool has: the same for every shard of a spec."""
    expected = spec.customers * (_EVENTS_PER_PERSON + spec.days * _EVENTS_PER_PERSON_DAY)
    return max(spec.days, math.ceil(expected / _EVENTS_PER_SLICE))


@dataclass
class ShardCounts:
    """What a shard wrote (lines per file, records behind them); shards add up."""

    events: int = 0
    lines: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPOOLED + DIRECT, 0))
    orders: int = 0
    truth: int = 0

    def add(self, other: ShardCounts) -> None:
        self.events += other.events
        for name, count in other.lines.items():
            self.lines[name] += count
        self.orders += other.orders
        self.truth += other.truth


class Outputs:
    """Open sinks for every file of one shard, and the truth rows that go with them."""

    def __init__(self, spec: DemoSpec, work_dir: Path) -> None:
        self.spec, self.work_dir = spec, work_dir
        shutil.rmtree(work_dir, ignore_errors=True)
        work_dir.mkdir(parents=True)
        start, end = spec.start.timestamp(), spec.end.timestamp()
        self.events = Spool(work_dir / "events", start, end, event_slices(spec))
        self.spools = {name: Spool(work_dir / name, start, end, spec.days) for name in SPOOLED}
        self.direct = {name: _open_body(work_dir / f"{name}.csv") for name in DIRECT}
        self.rows = dict.fromkeys(DIRECT, 0)
        self.records = {"orders": 0}
        self.truth = TruthWriter(work_dir / "truth.parquet")
        self._message_ids: list[str] = []
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="")

    def event(self, message: dict[str, Any], t: float) -> None:
        """Spool one Segment message; its truth row comes with :meth:`end_person`."""
        self.events.add(t, orjson.dumps(message))
        self._message_ids.append(message["messageId"])

    def end_person(self, person: Person) -> None:
        self.truth.add_many("shop-web", self._message_ids, person)
        self._message_ids = []

    def sorted_rows(self, name: str, t: float, rows: Sequence[Sequence[str]]) -> None:
        """Rows of a time-ordered file (``orders``, ``tickets``, ``survey``) at time ``t``."""
        key = (iso(t) + rows[0][0]).encode() + KEY_END
        for row in rows:
            self.spools[name].add(t, key + csv_line(self._buffer, self._csv, row))

    def row(self, name: str, row: Sequence[str]) -> None:
        self.direct[name][1].writerow(row)
        self.rows[name] += 1

    def close(self) -> ShardCounts:
        """Flush and close everything; the shard's files stay in its work folder."""
        for handle, _ in self.direct.values():
            handle.close()
        self.events.flush()
        for spool in self.spools.values():
            spool.flush()
        lines = {name: spool.count for name, spool in self.spools.items()} | self.rows
        return ShardCounts(self.events.count, lines, self.records["orders"], self.truth.close())


def csv_line(buffer: io.StringIO, writer: Any, row: Sequence[str]) -> bytes:
    """One CSV row as bytes, without its line end."""
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(row)
    return buffer.getvalue().encode()


def _open_body(path: Path) -> tuple[Any, Any]:
    """A CSV file without its header: the assembler writes the header once."""
    handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in close()
    return handle, csv.writer(handle, lineterminator="\n")
