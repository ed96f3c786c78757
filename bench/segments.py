"""How long 50 mixed segments take from scratch on DuckDB and on Spark local.

Never part of the tests; prints figures. The workspace is a demo shop built once into
``--out`` (generated, events sent through ``ws.ingest.send``, other exports imported)
and reused on later runs with the same size.

    .venv/bin/python bench/segments.py --customers 10000 --days 30
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.pipeline import load_without_server
from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import compile_condition
from persona360.segments.definitions import SegmentSpec
from persona360.segments.nodes import Node
from persona360.segments.parse import parse_condition
from persona360.settings import load_settings

BASE = [
    "orders_count >= {n} and revenue > {m}00",
    'channels contains "web" and not devices contains "mobile"',
    'address.city = "Kyiv" or emailOpens >= {n}',
    'email contains "gmail" and loyaltyMember = true',
    'firstName starts with "M" or phone is not set',
    "createdAt before {m}0d ago",
    "last_seen within {n}d and first_seen before {m}d ago",
    'count("Product Viewed", within = {n}d) >= {m}',
    'count("Product Added", category = "shoes") >= {n}',
    'sum("Order Completed", revenue, within = 30d) >= {m}000',
    'avg("Order Completed", revenue) < {m}00',
    'last("Order Completed") within {m}d',
    'then("Product Added", "Order Completed", within = {n}h)',
    'then_not("Product Added", "Order Completed", within = {n}0m)',
    'in_segment("buyers") and not did("Coupon Applied")',
    'not (orders_count >= 1 or (did("Product Added") and email contains "yahoo"))',
    'then("Cart Viewed", "Checkout Started") and count("page", within = 7d) >= {n}',
]
CONDITIONS = [text.format(n=1 + i % 3, m=2 + i % 5) for i in range(3) for text in BASE][:50]


def build_workspace(spec: DemoSpec, out: Path) -> Workspace:
    db = out / f"ws-{spec.customers}-{spec.days}.duckdb"
    fresh = not db.exists()
    ws = Workspace(load_settings(db=db), FixedClock(spec.end), create=True)
    if not fresh:
        return ws
    started = time.monotonic()
    manifest = generate_shop(spec, out / f"shop-{spec.customers}-{spec.days}")
    print(f"generated {spec.customers} customers x {spec.days} days in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    load_without_server(ws, manifest)
    ws.segments.create(SegmentSpec("buyers", "orders_count >= 1"))
    print(f"loaded into the workspace in {time.monotonic() - started:.0f} s")
    return ws


def timed_rounds(label: str, rounds: int, run: Callable[[], int]) -> list[float]:
    seconds = []
    for number in range(rounds):
        started = time.monotonic()
        members = run()
        seconds.append(time.monotonic() - started)
        print(f"  {label} round {number + 1}: {seconds[-1]:.2f} s ({members} memberships)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/persona360-bench-segments"))
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    spec = DemoSpec(customers=args.customers, days=args.days)
    ws = build_workspace(spec, args.out)
    now: datetime = spec.end
    catalogue = ws.segments.catalogue()
    nodes: list[Node] = [parse_condition(text) for text in CONDITIONS]
    profiles = ws.db.scalar("SELECT count(*) FROM seg_profiles")
    events = ws.db.scalar("SELECT count(*) FROM seg_events")
    print(f"{profiles} profiles, {events} events; {len(nodes)} segments; now = {now.isoformat()}")

    def duckdb_all() -> int:
        sqls = [compile_condition(node, catalogue, now).sql(dialect="duckdb") for node in nodes]
        return sum(len(ws.db.query(sql)) for sql in sqls)

    results = {"duckdb": timed_rounds("duckdb", args.rounds, duckdb_all)}
    if not args.no_spark:
        results["spark"] = bench_spark(ws, catalogue, nodes, now, args)
    for name, seconds in results.items():
        print(
            f"{name}: median {statistics.median(seconds):.2f} s for {len(nodes)} segments "
            f"({statistics.median(seconds) / len(nodes) * 1000:.0f} ms a segment)"
        )
    ws.close()


def bench_spark(
    ws: Workspace, catalogue: Catalogue, nodes: list[Node], now: datetime, args: argparse.Namespace
) -> list[float]:
    from persona360.store.spark import SparkEngine, local_session  # noqa: PLC0415

    started = time.monotonic()
    engine = SparkEngine(local_session(cores=args.cores, app_name="persona360-bench"))
    print(f"spark session started in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    engine.load(ws.db, args.out / "parquet")
    print(f"exported and registered the four relations in {time.monotonic() - started:.1f} s")
    try:
        return timed_rounds(
            "spark", args.rounds, lambda: sum(len(engine.members(node, catalogue, now)) for node in nodes)
        )
    finally:
        engine.session.stop()


if __name__ == "__main__":
    main()
