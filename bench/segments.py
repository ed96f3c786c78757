"""How long 50 mixed segments take from scratch on DuckDB and on Spark local.

Never part of the tests; prints figures. Two kinds of workspace, built once into
``--out`` and reused on later runs with the same size:

- a demo shop (``--customers``, ``--days``): generated, events sent through
  ``ws.ingest.send``, other exports imported: the real write path, slow beyond ~20k;
- a synthetic one (``--profiles``, ``--events``): tables filled directly by set-based
  SQL in the writer's shape, bypassing ingestion (see ``bench/synthetic.py``), for
  scale: ``--profiles 1000000 --events 50000000``; ``--profiles 20000 --events 500000``
  runs in about a minute.

DuckDB runs the full recompute's path (``evaluate.plan_shared``: event measures and the
named traits filled once, then one cheap query per segment); ``--each`` also times one
self-contained query per segment, as a baseline in the same run.

    .venv/bin/python bench/segments.py --customers 10000 --days 30
    .venv/bin/python bench/segments.py --profiles 1000000 --events 50000000 --rounds 1
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from synthetic import END, fill_workspace

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.pipeline import load_without_server
from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import compile_condition
from persona360.segments.definitions import SegmentSpec
from persona360.segments.evaluate import plan_shared
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
    'consent("marketing", "email") and orders_count >= {n}',
    'not consent("marketing") and last_seen within {m}d',
]
CONDITIONS = [text.format(n=1 + i % 3, m=2 + i % 5) for i in range(3) for text in BASE][:50]
assert len(CONDITIONS) == 50


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


def build_synthetic(profiles: int, events: int, out: Path, memory: str) -> Workspace:
    db = out / f"ws-synthetic-{profiles}-{events}.duckdb"
    fresh = not db.exists()
    ws = Workspace(load_settings(db=db), FixedClock(END), create=True)
    ws.db.query(f"SET memory_limit = '{memory}'")
    if fresh:
        started = time.monotonic()
        print(f"filling {profiles:,} profiles and {events:,} events by SQL (bypassing ingestion)")
        fill_workspace(ws, profiles, events)
        ws.segments.create(SegmentSpec("buyers", "orders_count >= 1"))
        print(f"filled in {time.monotonic() - started:.0f} s")
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
    parser.add_argument("--profiles", type=int, help="synthetic workspace of this many profiles")
    parser.add_argument("--events", type=int, default=0, help="... and this many events")
    parser.add_argument("--memory", default="8GB", help="DuckDB memory limit (the machine is shared)")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="time each segment on DuckDB")
    parser.add_argument("--each", action="store_true", help="also run one self-contained query per segment")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.profiles:
        ws, now = build_synthetic(args.profiles, args.events, args.out, args.memory), END
    else:
        spec = DemoSpec(customers=args.customers, days=args.days)
        ws, now = build_workspace(spec, args.out), spec.end
    ws.db.query(f"SET memory_limit = '{args.memory}'")
    catalogue = ws.segments.catalogue()
    nodes: list[Node] = [parse_condition(text) for text in CONDITIONS]
    profiles = ws.db.scalar("SELECT count(*) FROM seg_profiles")
    events = ws.db.scalar("SELECT count(*) FROM seg_events")
    print(f"{profiles} profiles, {events} events; {len(nodes)} segments; now = {now.isoformat()}")

    def run(sql: str, label: str) -> int:
        started = time.monotonic()
        rows = len(ws.db.query(sql))
        if args.verbose:
            print(f"    {time.monotonic() - started:6.2f} s  {label}", flush=True)
        return rows

    def duckdb_shared() -> int:
        plan = plan_shared(nodes, now, catalogue)
        try:
            for sql in plan.fill:
                run(sql, sql[:110])
            return sum(run(sql, text) for text, sql in zip(CONDITIONS, plan.queries, strict=True))
        finally:
            for sql in plan.drop:
                ws.db.query(sql)

    def duckdb_each() -> int:
        sqls = [compile_condition(node, catalogue, now).sql(dialect="duckdb") for node in nodes]
        return sum(run(sql, text) for text, sql in zip(CONDITIONS, sqls, strict=True))

    results = {"duckdb (shared measures)": timed_rounds("duckdb shared", args.rounds, duckdb_shared)}
    if args.each:
        results["duckdb (a query per segment)"] = timed_rounds("duckdb each", args.rounds, duckdb_each)
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
    engine.load(ws.db, args.out / f"parquet-{args.profiles or args.customers}")
    print(f"exported and registered the five relations in {time.monotonic() - started:.1f} s")
    try:
        return timed_rounds(
            "spark", args.rounds, lambda: sum(len(engine.members(node, catalogue, now)) for node in nodes)
        )
    finally:
        engine.session.stop()


if __name__ == "__main__":
    main()
