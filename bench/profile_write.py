"""Profile the write path in-process (no HTTP): validation plus the writer.

    .venv/bin/python bench/profile_write.py [--events 20000] [--chunk 100] [--top 25]

Builds a throw-away workspace file, turns realistic Segment calls (the benchmark's
``Shoppers``) into records with ``to_record`` and commits them through the same
``EventWriter`` the server's batcher uses, ``--chunk`` records a transaction, under
cProfile. Prints the functions with the most own time and the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import Shoppers  # noqa: E402

from persona360 import Workspace  # noqa: E402
from persona360.ingest.validate import to_record  # noqa: E402
from persona360.store import database  # noqa: E402

SQL_TIME: dict[str, list[float]] = {}


def time_statements() -> None:
    """Wrap ``Transaction.execute`` to add up the time of each statement of the writer."""
    original = database.Transaction.execute

    def timed(self: database.Transaction, sql: str, params: object = None) -> None:
        started = time.perf_counter()
        original(self, sql, params)  # type: ignore[arg-type]
        SQL_TIME.setdefault(" ".join(sql.split())[:110], []).append(time.perf_counter() - started)

    database.Transaction.execute = timed  # type: ignore[method-assign]


def print_statements(transactions: int) -> None:
    print(f"\nWriter statements by total time (ms a transaction, {transactions} transactions):")
    ranked = sorted(SQL_TIME.items(), key=lambda item: -sum(item[1]))
    for sql, times in ranked[:15]:
        print(f"  {sum(times) / transactions * 1000:7.2f} ms  x{len(times) / transactions:4.1f}  {sql}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=100, help="records per transaction")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="also save the raw profile here")
    parser.add_argument("--sql", action="store_true", help="time each writer statement instead")
    options = parser.parse_args()
    if options.sql:
        time_statements()
    folder = Path(tempfile.mkdtemp(prefix="p360-prof-"))
    ws = Workspace.open(folder / "ws.duckdb")
    source, _ = ws.access.add_source("shop-web")
    shoppers = Shoppers(7, "prof")
    calls = [shoppers.event() for _ in range(options.events)]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for start in range(0, len(calls), options.chunk):
        limits = ws.limits()
        records = [
            to_record(call, source_id=source.source_id, limits=limits) for call in calls[start : start + options.chunk]
        ]
        ws.ingest.write(records)
    profiler.disable()
    elapsed = time.perf_counter() - started
    ws.close()
    print(
        f"{options.events:,} events in chunks of {options.chunk}: {elapsed:.1f} s "
        f"({options.events / elapsed:,.0f} events/s, "
        f"{elapsed / (options.events / options.chunk) * 1000:.1f} ms a transaction) under cProfile"
    )
    if options.sql:
        print_statements(len(calls) // options.chunk)
        return
    stats = pstats.Stats(profiler)
    if options.out:
        stats.dump_stats(options.out)
    stats.sort_stats("tottime").print_stats(options.top)
    stats.sort_stats("cumulative").print_stats(options.top)


if __name__ == "__main__":
    main()
