"""What an erasure costs: the deletes, and the file rewrite that makes them final.

    .venv/bin/python bench/erasure.py [--profiles 20000] [--events 5] [--erase 3]

Builds a workspace of ``--profiles`` people with ``--events`` events each (identify,
pages, an order) through the writer, checkpoints it, then erases ``--erase`` people one
at a time without the rewrite (the deletes alone), and once more with it. Prints the
file size, the median delete time and the rewrite time. Figures only, never a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from persona360 import Workspace


def build(path: Path, profiles: int, events: int) -> Workspace:
    ws = Workspace.open(path)
    ws.access.add_source("web")
    batch = []
    for n in range(profiles):
        user = f"u{n}"
        batch.append({"type": "identify", "userId": user, "traits": {"email": f"p{n}@example.org", "name": f"P {n}"}})
        batch += [{"type": "page", "userId": user, "name": f"page {k}"} for k in range(events - 2)]
        batch.append({"type": "track", "userId": user, "event": "Order Completed", "properties": {"order_id": f"o{n}"}})
        if len(batch) >= 5000:
            ws.ingest.send("web", batch)
            batch = []
    if batch:
        ws.ingest.send("web", batch)
    ws.db.checkpoint()
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--erase", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        started = time.perf_counter()
        ws = build(path, args.profiles, args.events)
        print(f"built {args.profiles} profiles x {args.events} events in {time.perf_counter() - started:.1f} s")
        print(f"file: {path.stat().st_size / 1e6:.1f} MB")
        deletes = []
        for n in range(args.erase):
            started = time.perf_counter()
            ws.privacy.erase(ws.profiles.find("user_id", f"u{n}"), rewrite=False)
            deletes.append(time.perf_counter() - started)
        print(f"erase without rewrite: median {statistics.median(deletes) * 1000:.0f} ms over {len(deletes)}")
        started = time.perf_counter()
        ws.privacy.erase(ws.profiles.find("user_id", f"u{args.erase}"))
        print(f"erase with rewrite: {time.perf_counter() - started:.2f} s; file {path.stat().st_size / 1e6:.1f} MB")
        ws.close()


if __name__ == "__main__":
    main()
