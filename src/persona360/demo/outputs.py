"""The files a demo run writes, held open while people are simulated one by one.

Time-ordered files (events, orders, tickets, survey answers) go through a :class:`Spool`
so they come out sorted with bounded memory; the others are written as they come.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from persona360.demo import exports, manifest
from persona360.demo.manifest import Manifest, ManifestFile
from persona360.demo.segment import iso
from persona360.demo.spec import DemoSpec
from persona360.demo.spool import KEY_END, Progress, Spool
from persona360.demo.truth import TruthWriter

# Each spooled slice of events should stay well under a gigabyte when sorted in memory.
_EVENTS_PER_SLICE = 250_000
_EVENTS_PER_PERSON_DAY = 1.2


class Outputs:
    """Open sinks for every file, and the truth rows that go with them."""

    def __init__(self, spec: DemoSpec, out_dir: Path) -> None:
        self.spec, self.out_dir = spec, out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = out_dir / ".demo-spool"
        shutil.rmtree(self.tmp, ignore_errors=True)
        start, end = spec.start.timestamp(), spec.end.timestamp()
        expected = spec.customers * spec.days * _EVENTS_PER_PERSON_DAY
        slices = max(spec.days, math.ceil(expected / _EVENTS_PER_SLICE))
        self.events = Spool(self.tmp / "events", start, end, slices)
        self.spools = {name: Spool(self.tmp / name, start, end, spec.days) for name in ("orders", "tickets", "survey")}
        self.direct = {name: _open_csv(out_dir / f"{name}.csv", columns) for name, columns in
                       (("email_contacts", exports.CONTACT_COLUMNS),
                        ("social_handles", exports.SOCIAL_COLUMNS))}  # fmt: skip
        self.rows = {"email_contacts": 0, "social_handles": 0}
        self.records = {"orders": 0}
        self.truth = TruthWriter(out_dir / "truth.parquet")
        self._message_ids: list[str] = []
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="")

    def event(self, message: dict[str, Any], t: float) -> None:
        """Spool one Segment message; its truth row comes with :meth:`end_person`."""
        self.events.add(t, orjson.dumps(message))
        self._message_ids.append(message["messageId"])

    def end_person(self, person_id: str, archetypes: tuple[str, ...]) -> None:
        self.truth.add_many("shop-web", self._message_ids, person_id, archetypes)
        self._message_ids = []

    def sorted_rows(self, name: str, t: float, rows: Sequence[Sequence[str]]) -> None:
        """Rows of a time-ordered file (``orders``, ``tickets``, ``survey``) at time ``t``."""
        key = (iso(t) + rows[0][0]).encode() + KEY_END
        for row in rows:
            self.spools[name].add(t, key + self._line(row))

    def row(self, name: str, row: Sequence[str]) -> None:
        self.direct[name][1].writerow(row)
        self.rows[name] += 1

    def finish(self, progress: Progress | None) -> Manifest:
        """Sort and write the spooled files, close everything and describe what was written."""
        for handle, _ in self.direct.values():
            handle.close()
        events = self._merge_events(progress)
        counts = {
            name: self._merge_csv(name, file, columns, progress) for name, file, columns in (
                ("orders", "orders.csv", exports.ORDER_COLUMNS),
                ("tickets", "support_tickets.csv", exports.TICKET_COLUMNS),
                ("survey", "survey_answers.csv", exports.SURVEY_COLUMNS))
        }  # fmt: skip
        truth = self.truth.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return Manifest(self.spec, self.out_dir, self._files(events, counts, truth))

    def _files(self, events: int, counts: dict[str, int], truth: int) -> tuple[ManifestFile, ...]:
        contacts, social = self.rows["email_contacts"], self.rows["social_handles"]
        return (
            ManifestFile("events.jsonl", "shop-web", "events", "segment-jsonl", events, events),
            ManifestFile("orders.csv", "shop", "orders", "csv", counts["orders"],
                         self.records["orders"], manifest.ORDERS_MAPPING),
            ManifestFile("email_contacts.csv", "email", "customers", "csv", contacts, contacts,
                         manifest.CONTACTS_MAPPING),
            ManifestFile("support_tickets.csv", "support", "events", "csv", counts["tickets"],
                         counts["tickets"], manifest.TICKETS_MAPPING),
            ManifestFile("social_handles.csv", "social", "customers", "csv", social, social,
                         manifest.SOCIAL_MAPPING),
            ManifestFile("survey_answers.csv", "survey", "events", "csv", counts["survey"],
                         counts["survey"], manifest.SURVEY_MAPPING),
            ManifestFile("truth.parquet", None, "truth", "parquet", truth, truth),
        )  # fmt: skip

    def _merge_events(self, progress: Progress | None) -> int:
        with open(self.out_dir / "events.jsonl", "wb") as out:
            return self.events.merge(out, "sort events", progress, keyed=False)

    def _merge_csv(self, name: str, file: str, columns: Sequence[str], progress: Progress | None) -> int:
        with open(self.out_dir / file, "wb") as out:
            out.write(self._line(columns) + b"\n")
            return self.spools[name].merge(out, f"sort {name}", progress, keyed=True)

    def _line(self, row: Sequence[str]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._csv.writerow(row)
        return self._buffer.getvalue().encode()


def _open_csv(path: Path, columns: Sequence[str]) -> tuple[Any, Any]:
    handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in finish()
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    return handle, writer
