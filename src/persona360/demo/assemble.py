"""Join the shards of a demo run into the files a shop would export, and describe them.

Shards are contiguous ranges of people, joined in order: the files written as people
come (contacts, social handles, truth) are concatenated, and the time-ordered ones are
sorted from every shard's spool buckets at once. Lines sort by their bytes and truth row
groups are cut at fixed sizes, so the result is byte-identical however many shards
wrote it.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pyarrow.parquet as pq

from persona360.demo import exports, manifest
from persona360.demo.frames import SUFFIX, open_writer
from persona360.demo.manifest import Manifest, ManifestFile
from persona360.demo.outputs import ShardCounts, csv_line, event_slices
from persona360.demo.spec import DemoSpec
from persona360.demo.spool import Progress, merge_spools
from persona360.demo.truth import TruthWriter

EVENTS_FILE = "events.jsonl"
_SORTED = (
    ("orders", "orders.csv", exports.ORDER_COLUMNS),
    ("tickets", "support_tickets.csv", exports.TICKET_COLUMNS),
    ("survey", "survey_answers.csv", exports.SURVEY_COLUMNS),
)
_DIRECT = (
    ("email_contacts", "email_contacts.csv", exports.CONTACT_COLUMNS),
    ("social_handles", "social_handles.csv", exports.SOCIAL_COLUMNS),
)


def assemble(
    spec: DemoSpec,
    out_dir: Path,
    shards: list[Path],
    counts: ShardCounts,
    progress: Progress | None,
    compress_events: bool = False,
    events_tap: EventsTap | None = None,
) -> Manifest:
    """Write the final files from the shards' work folders (which are consumed).

    With ``compress_events`` the events go to ``events.jsonl.zst`` (the same lines,
    zstd-compressed) instead of ``events.jsonl``. ``events_tap`` gets the event lines
    as they are written, and is closed once they all are, before the other files.
    """
    events = EVENTS_FILE + SUFFIX if compress_events else EVENTS_FILE
    (out_dir / (EVENTS_FILE if compress_events else EVENTS_FILE + SUFFIX)).unlink(missing_ok=True)
    with open_writer(out_dir / events) if compress_events else open(out_dir / events, "wb") as out:
        target: Any = _Tee(out, events_tap) if events_tap else out
        merge_spools([s / "events" for s in shards], event_slices(spec), target, "sort events", progress, keyed=False)
    if events_tap:
        events_tap.close()
    for name, file, columns in _SORTED:
        with open(out_dir / file, "wb") as out:
            out.write(_header(columns))
            merge_spools([s / name for s in shards], spec.days, out, f"sort {name}", progress, keyed=True)
    for name, file, columns in _DIRECT:
        with open(out_dir / file, "wb") as out:
            out.write(_header(columns))
            for shard in shards:
                with open(shard / f"{name}.csv", "rb") as body:
                    shutil.copyfileobj(body, out)
    truth = TruthWriter(out_dir / "truth.parquet")
    for shard in shards:
        for batch in pq.ParquetFile(shard / "truth.parquet").iter_batches():
            truth.add_batch(batch)
    truth.close()
    return Manifest(spec, out_dir, _files(counts, events))


class EventsTap(Protocol):
    """Where a caller takes the sorted event lines while they are written (e.g. to send them on)."""

    def write(self, data: bytes) -> object:
        """Whole lines, each ending in a line feed, in file order."""

    def close(self) -> None:
        """Every line was written."""


class _Tee:
    def __init__(self, out: BinaryIO, tap: EventsTap) -> None:
        self.out, self.tap = out, tap

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.tap.write(data)


def _header(columns: tuple[str, ...] | list[str]) -> bytes:
    buffer = io.StringIO()
    return csv_line(buffer, csv.writer(buffer, lineterminator=""), columns) + b"\n"


def _files(c: ShardCounts, events: str) -> tuple[ManifestFile, ...]:
    lines = c.lines
    contacts, social = lines["email_contacts"], lines["social_handles"]
    return (
        ManifestFile(events, "shop-web", "events", "segment-jsonl", c.events, c.events),
        ManifestFile("orders.csv", "shop", "orders", "csv", lines["orders"], c.orders, manifest.ORDERS_MAPPING),
        ManifestFile("email_contacts.csv", "email", "customers", "csv", contacts, contacts,
                     manifest.CONTACTS_MAPPING),
        ManifestFile("support_tickets.csv", "support", "events", "csv", lines["tickets"], lines["tickets"],
                     manifest.TICKETS_MAPPING),
        ManifestFile("social_handles.csv", "social", "customers", "csv", social, social, manifest.SOCIAL_MAPPING),
        ManifestFile("survey_answers.csv", "survey", "survey", "csv", lines["survey"], lines["survey"],
                     manifest.SURVEY_MAPPING),
        ManifestFile("truth.parquet", None, "truth", "parquet", c.truth, c.truth),
    )  # fmt: skip
