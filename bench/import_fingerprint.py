"""Fingerprints of every table an orders import writes, to prove a faster import changed nothing (bench only).

    PYTHONPATH=/work/wt/base/src .venv/bin/python bench/import_fingerprint.py /tmp/fp > base.json
    PYTHONPATH=src .venv/bin/python bench/import_fingerprint.py /tmp/fp > branch.json
    diff base.json branch.json

Into one fresh workspace, with a fixed clock: the bench's orders file of ``--rows``
lines, then half as many lines from further down a file ten times larger (other
orders, some of the same customers: known identifiers) mapped without the order
total (the revenue is then the sum of the items), then the first file again (all
duplicates). Each table is an MD5 over its rows as text, sorted, with a row count;
the reports come first. ``profiles.revenue`` is a sum of floats that DuckDB adds in
another order on every run (the same code differs from itself in the last digits),
so it is compared in cents.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ingest import MAPPING, orders_csv  # also puts tests/ on the path

from integration.ingest.test_import_paths import TABLES  # the tables the import tests compare
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import parse_mapping
from persona360.settings import load_settings

SOURCE = {table: table for table in TABLES} | {
    "profiles": "(SELECT * REPLACE (round(revenue, 2) AS revenue, "
    "CASE WHEN orders_count > 0 THEN round(revenue, 2) / orders_count END AS avg_order_value) FROM profiles)"
}


def files(folder: Path, rows: int) -> tuple[Path, Path]:
    """The bench's orders file of ``rows`` lines, and ``rows // 2`` lines from the middle of one ten times larger."""
    first, large, slice_ = folder / "orders.csv", folder / "large.csv", folder / "slice.csv"
    orders_csv(first, rows)
    orders_csv(large, rows * 10)
    lines = large.read_text().splitlines(keepends=True)
    slice_.write_text("".join([lines[0], *lines[rows * 5 : rows * 5 + rows // 2]]))
    large.unlink()
    return first, slice_


def fingerprint(folder: Path, rows: int) -> dict[str, object]:
    first, slice_ = files(folder, rows)
    mapping = parse_mapping(MAPPING)
    no_total = parse_mapping([flag for flag in MAPPING if not flag.startswith("order_total=")])
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    out: dict[str, object] = {}
    with Workspace(load_settings(db=folder / "ws.duckdb"), clock, create=True) as ws:
        reports = []
        for path, used in ((first, mapping), (slice_, no_total), (first, mapping)):
            clock.advance(minutes=1)
            report = ws.ingest.import_file(path, source="shop", kind="orders", mapping=used)
            reports.append([report.rows, report.records, report.stored, report.duplicates, report.rejected])
        out["reports"] = reports
        for table in TABLES:
            out[table] = list(
                ws.db.query(
                    "SELECT count(*), md5(coalesce(string_agg(CAST(x AS VARCHAR), chr(10) "
                    f"ORDER BY CAST(x AS VARCHAR)), '')) FROM {SOURCE[table]} x"
                )[0]
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("folder", type=Path, help="an empty folder for the files and the workspace")
    parser.add_argument("--rows", type=int, default=100_000, help="lines of the first orders file")
    options = parser.parse_args()
    options.folder.mkdir(parents=True, exist_ok=True)
    json.dump(fingerprint(options.folder, options.rows), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
