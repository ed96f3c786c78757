"""The answer key: which simulated person is behind every record the demo wrote.

Never imported into a workspace; tests and the identity benchmark join it on
``(source, record_id)`` to score resolution and persona assignment.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from persona360.demo.people import Person

SCHEMA = pa.schema([
    ("source", pa.string()),
    ("record_id", pa.string()),
    ("person_id", pa.string()),
    ("archetypes", pa.list_(pa.string())),
    ("primary_archetype", pa.string()),
    ("lapsed_at", pa.timestamp("ms", tz="UTC")),  # when the person stopped coming, if they did
])  # fmt: skip
_BATCH = 100_000


class TruthWriter:
    """Streams truth rows to Parquet a batch at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer = pq.ParquetWriter(path, SCHEMA, compression="zstd")
        self.columns: dict[str, list[object]] = {name: [] for name in SCHEMA.names}
        self.count = 0
        self._batches: list[pa.RecordBatch] = []
        self._pending = 0

    def add(self, source: str, record_id: str, person: Person) -> None:
        """The row of one record ``person`` left."""
        self.add_many(source, [record_id], person)

    def add_many(self, source: str, record_ids: list[str], person: Person) -> None:
        """Rows for many records of one person (their events), without a call per row."""
        c, n = self.columns, len(record_ids)
        c["source"] += [source] * n
        c["record_id"] += record_ids
        c["person_id"] += [person.person_id] * n
        c["archetypes"] += [list(person.archetypes)] * n
        c["primary_archetype"] += [person.archetypes[0]] * n
        c["lapsed_at"] += [_milliseconds(person.lapsed_at)] * n
        self.count += n
        if len(c["source"]) >= _BATCH:
            self.flush()

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Rows already in truth form (a shard's file), written in row groups of a fixed size.

        Fixed sizes make the file's bytes depend only on its rows, not on how the rows
        arrived, so a demo built by several shards equals one built by one.
        """
        self._batches.append(batch)
        self._pending += batch.num_rows
        self.count += batch.num_rows
        if self._pending >= _BATCH:
            self._write_batches(final=False)

    def _write_batches(self, final: bool) -> None:
        table = pa.Table.from_batches(self._batches, schema=SCHEMA)
        cut = table.num_rows if final else table.num_rows - table.num_rows % _BATCH
        for offset in range(0, cut, _BATCH):
            self.writer.write_table(table.slice(offset, min(_BATCH, cut - offset)))
        self._batches = table.slice(cut).to_batches()
        self._pending = table.num_rows - cut

    def flush(self) -> None:
        if self.columns["source"]:
            self.writer.write_table(pa.table(self.columns, schema=SCHEMA))
            for values in self.columns.values():
                values.clear()

    def close(self) -> int:
        self.flush()
        if self._pending:
            self._write_batches(final=True)
        self.writer.close()
        return self.count


def _milliseconds(t: float | None) -> int | None:
    """Epoch seconds as the column's milliseconds (Parquet keeps no seconds unit)."""
    return None if t is None else int(t * 1000)
