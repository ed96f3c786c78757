"""Importing one export file: read in chunks, map rows, write, report the rejects.

Good rows are committed chunk by chunk through the same writer the API uses; bad
rows go to a reject file with their line number and the reason, so one bad row
never costs the good ones. Record ids are stable (a ``message_id`` column, the
order id, or a hash of the row), so importing the same file again stores nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from persona360.collector import collector_paused
from persona360.errors import InvalidEventError, MappingError
from persona360.ingest.importers.bulk import BulkOrders
from persona360.ingest.importers.bulk_plan import bulk_plan
from persona360.ingest.importers.columns import ColumnConverter, blocks_of_groups
from persona360.ingest.importers.rejects import RejectFile
from persona360.ingest.importers.rows import KINDS, RowContext, rows_to_record
from persona360.ingest.record import EventRecord
from persona360.ingest.writer import EventWriter
from persona360.store.files import LINE, ExportFile

Progress = Callable[[int, int], None]
BLOCK_ROWS = 200_000  # rows read into Python at once by the column path
# Records per transaction. Each transaction re-upserts the facts and re-projects every
# profile it touches, and an orders export touches the same customers in every part of
# the file: 600,000 order lines (200,000 orders) in one transaction cost half the facts
# and projection CPU of two. The records wait in memory until then: a 1M-line orders file
# (333,000 orders, one transaction) peaked at 2.0 GB instead of 1.5 GB.
WRITE_CHUNK = 400_000
PROGRESS_ROWS = 50_000  # rows between two progress reports


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    source: str
    kind: str
    rows: int = 0
    records: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    rejects_sample: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def import_file(
    writer: EventWriter,
    path: Path,
    ctx: RowContext,
    *,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    by_rows: bool = False,
    by_sql: bool = True,
) -> ImportReport:
    """Import ``path`` with the mapping and kind in ``ctx``; return the report.

    An orders CSV whose mapping the set-based path takes (``bulk_plan.py``) is shaped
    by SQL and written as columns (``bulk.py``); anything else takes the column path
    (``columns.py``). ``by_sql=False`` skips the set-based path, ``by_rows`` takes the
    row path for every row: all three store the same; the row path is the reference
    the tests hold the others to.
    """
    if ctx.kind not in KINDS:
        raise MappingError(f"kind {ctx.kind!r} is not one of {', '.join(KINDS)}")
    with collector_paused():  # records hold no cycles: see persona360.collector
        return _import(writer, path, ctx, rejects_path, progress, by_rows=by_rows, by_sql=by_sql)


def _import(
    writer: EventWriter,
    path: Path,
    ctx: RowContext,
    rejects_path: Path | None,
    progress: Progress | None,
    *,
    by_rows: bool,
    by_sql: bool,
) -> ImportReport:
    export = ExportFile(path, writer.settings.memory_limit)
    try:
        ctx.mapping.check_columns(export.columns)
        _check_kind_roles(ctx)
        report = ImportReport(str(path), ctx.source_name, ctx.kind)
        rejects = RejectFile(rejects_path or path.with_name(path.name + ".rejects.csv"))
        plan = None if by_rows or not by_sql else bulk_plan(ctx, export.columns, export.format)
        if plan is not None:
            orders = BulkOrders(export, ctx, plan)  # reads the file once, counting its rows too
            report.rows = export.rows
            _import_bulk(writer, orders, rejects, report, ctx, progress)
        else:
            if progress:  # the total a progress report gives: counting it is one more read of the file
                report.rows = export.rows
            report.rows = _import_records(writer, _records(export, ctx, rejects, by_rows=by_rows), report, progress)
        if progress:
            progress(report.rows, report.rows)
    finally:
        export.close()
    report.rejected = rejects.count
    report.rejects_sample = rejects.sample
    report.rejects_path = rejects.close()
    return report


def _import_records(
    writer: EventWriter,
    steps: Iterator[tuple[int, list[EventRecord]]],
    report: ImportReport,
    progress: Progress | None,
) -> int:
    """The column and row paths: records converted in Python, written in chunks; return the rows read."""
    pending: list[EventRecord] = []
    reported = done = 0
    for done, records in steps:
        pending.extend(records)
        if len(pending) >= WRITE_CHUNK:
            _flush(writer, pending, report)
        if progress and done - reported >= PROGRESS_ROWS:
            progress(done, report.rows)  # rows read and converted; the rest is the last commit
            reported = done
    _flush(writer, pending, report)
    return done


def _import_bulk(
    writer: EventWriter,
    orders: BulkOrders,
    rejects: RejectFile,
    report: ImportReport,
    ctx: RowContext,
    progress: Progress | None,
) -> None:
    """The set-based path (``bulk.py``): SQL shapes the orders, the writer stores them as columns."""
    for done, batch in orders.batches(WRITE_CHUNK, lambda rows: _to_record(rows, ctx, rejects)):
        if progress:
            progress(done, report.rows)  # rows read and shaped, as the column path reports; then the commit
        result = writer.write_columns(batch)
        report.records += batch.rows.num_rows + len(batch.records)
        report.stored += result.stored
        report.duplicates += result.duplicates


def _records(
    export: ExportFile, ctx: RowContext, rejects: RejectFile, *, by_rows: bool
) -> Iterator[tuple[int, list[EventRecord]]]:
    """Yield (rows read so far, the records of the groups just read)."""
    order_column = ctx.column_of["order_id"] if ctx.kind == "orders" else None
    done = 0
    if by_rows:
        for group in _groups(export.chunks(order_column), order_column):
            record = _to_record(group, ctx, rejects)
            done += len(group)
            yield done, [] if record is None else [record]
        return
    converter = ColumnConverter(ctx, [*export.columns, LINE])
    for block, starts in blocks_of_groups(export.column_blocks(order_column, BLOCK_ROWS), order_column):
        records = list(converter.records(block, starts, lambda rows: _to_record(rows, ctx, rejects)))
        done += starts[-1]
        yield done, records


def _check_kind_roles(ctx: RowContext) -> None:
    if ctx.kind == "orders" and ctx.mapping.column_for("order_id") is None:
        raise MappingError("an orders import needs a column mapped to 'order_id'")
    if ctx.kind == "orders" and ctx.mapping.column_for("timestamp") is None:
        raise MappingError("an orders import needs a column mapped to 'timestamp'")


def _to_record(rows: list[dict[str, Any]], ctx: RowContext, rejects: RejectFile) -> EventRecord | None:
    try:
        return rows_to_record(rows, ctx)
    except InvalidEventError as error:
        for row in rows:
            rejects.add(row, str(error))
        return None


def _flush(writer: EventWriter, pending: list[EventRecord], report: ImportReport) -> None:
    if not pending:
        return
    result = writer.write(pending)
    report.records += len(pending)
    report.stored += result.stored
    report.duplicates += result.duplicates
    pending.clear()


def _groups(chunks: Iterator[list[dict[str, Any]]], order_column: str | None) -> Iterator[list[dict[str, Any]]]:
    """Yield single rows, or for orders all consecutive rows of one order id."""
    if order_column is None:
        for chunk in chunks:
            for row in chunk:
                yield [row]
        return
    group: list[dict[str, Any]] = []
    for chunk in chunks:
        for row in chunk:
            if group and row.get(order_column) != group[0].get(order_column):
                yield group
                group = []
            group.append(row)
    if group:
        yield group
