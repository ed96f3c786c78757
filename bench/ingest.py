"""Ingestion benchmark: the real server and the real CLI, on loopback, in a temp folder.

Measures, as the median of several runs:

  (a) events/s through ``/v1/batch`` (batches of 100 realistic calls, concurrent clients),
      until derived (profiles up to date: the figure held against the goal) and
      acknowledged, and the server's CPU per event;
  (b) requests/s and p50/p99 latency of single ``/v1/track`` calls, and server CPU per request,
      at several client concurrencies (8 keep-alive connections is a small closed loop in
      which a commit can hold at most 8 requests; a site's browsers are many more);
  (c) rows/s of ``persona360 import`` of an orders CSV and the CPU (user + sys) of its
      process, next to a plain DuckDB bulk load of the same file (``CREATE TABLE t AS
      SELECT * FROM read_csv(...)``). On a shared machine the CPU is the figure to compare.

Run with ``.venv/bin/python bench/ingest.py`` (about 15-25 minutes on a small machine)
or ``--quick`` for a smoke check. It is never part of the test run.

The client's CPU is reported next to the server's: both share the machine's cores. The
server's periodic jobs (``sweep_seconds``: the first one fits the predictions) are moved
out of the runs (``PERSONA360_SWEEP_SECONDS``, unless set): they cost the same whatever
the traffic, and landing inside one run they doubled that run's CPU per request.

The server derives profiles on a short bound (``batch_derive_within_ms``) only while
something follows events live, otherwise on ``batch_derive_relaxed_ms``; ``--live``
defines the demo shop's computed traits and segments before the feed, so that (a) and
(b) measure a deployment with live segments (whose evaluation the server's CPU then
includes). Each run prints which case it measured.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import integration.server  # noqa: E402
from integration.server import CLI, Credentials, LiveServer, make_workspace  # noqa: E402
from persona360 import Workspace  # noqa: E402
from persona360.demo.pipeline import DEMO_SEGMENTS, DEMO_TRAITS  # noqa: E402
from persona360.segments.definitions import SegmentSpec  # noqa: E402
from persona360.settings import load_settings  # noqa: E402

# a loaded machine can take longer than the tests' 30 s to start a server
integration.server.START_TIMEOUT = 300.0

GOALS = {"batch": 30_000.0, "single": 2_000.0, "import": 200_000.0}
MAPPING = [
    "order_id=order_id",
    "ordered_at=timestamp",
    "customer_id=id:shop",
    "email=email",
    "phone=phone",
    "sku=item:sku",
    "unit_price=item:price",
    "quantity=item:quantity",
    "order_total=prop:total",
]


@dataclass(frozen=True)
class Sizes:
    runs: int
    batches: int  # of 100 events, per run
    singles: int  # requests per run
    import_rows: int
    connections: int  # of the batch clients
    single_connections: tuple[int, ...] = (8, 32, 64)


FULL = Sizes(runs=5, batches=300, singles=4_000, import_rows=1_000_000, connections=8)
QUICK = Sizes(runs=1, batches=60, singles=1_000, import_rows=100_000, connections=8)
SWEEP_SECONDS = "3600"  # the server's periodic jobs, out of the runs (module docstring)


# -- realistic events ------------------------------------------------------------
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 Chrome/126.0 Mobile Safari",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
)
PRODUCTS = [(f"SKU-{n:05d}", f"Product {n}", round(99 + (n * 37) % 4900, 2)) for n in range(500)]


class Shoppers:
    """Visitors: most stay anonymous, some identify (email, sometimes phone), some buy.

    Each visitor browses under one or two anonymous ids before identifying, so the
    server has identities to stitch; ids are unique per run (``prefix``).
    """

    def __init__(self, seed: int, prefix: str, people: int = 5_000) -> None:
        self.rng = random.Random(seed)
        self.prefix, self.people = prefix, people
        self.now = datetime.now(UTC)

    def event(self) -> dict[str, Any]:
        rng = self.rng
        person = rng.randrange(self.people)
        known = person % 3 == 0  # a third of visitors have an account
        anon = f"{self.prefix}-a{person}-{rng.randrange(2)}"
        base: dict[str, Any] = {
            "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "anonymousId": anon,
            "timestamp": (self.now - timedelta(seconds=rng.randrange(86_400))).isoformat(),
            "context": self._context(person),
        }
        if known and rng.random() < 0.5:
            base["userId"] = f"{self.prefix}-u{person}"
        roll = rng.random()
        if roll < 0.08 and known:
            return {
                **base,
                "type": "identify",
                "userId": f"{self.prefix}-u{person}",
                "traits": self._traits(person),
            }
        if roll < 0.40:
            return {
                **base,
                "type": "page",
                "name": rng.choice(("Home", "Catalogue", "Product")),
                "properties": {"path": f"/p/{rng.randrange(500)}"},
            }
        if roll < 0.97 or not known:
            sku, name, price = rng.choice(PRODUCTS)
            return {
                **base,
                "type": "track",
                "event": rng.choice(("Product Viewed", "Product Added", "Checkout Started")),
                "properties": {
                    "product_id": sku,
                    "name": name,
                    "price": price,
                    "currency": "UAH",
                    "category": "Shoes",
                },
            }
        return {
            **base,
            "type": "track",
            "event": "Order Completed",
            "userId": f"{self.prefix}-u{person}",
            "properties": self._order(),
        }

    def _context(self, person: int) -> dict[str, Any]:
        return {
            "userAgent": AGENTS[person % len(AGENTS)],
            "ip": f"10.{person % 250}.{person // 250 % 250}.7",
            "locale": "uk-UA",
            "page": {
                "url": "https://shop.example/catalogue",
                "referrer": "https://google.com/",
                "title": "Shop",
            },
            "library": {"name": "analytics.js", "version": "5.2.0"},
        }

    def _traits(self, person: int) -> dict[str, Any]:
        traits: dict[str, Any] = {
            "email": f"{self.prefix}.p{person}@example.org",
            "firstName": f"Name{person}",
            "plan": "free",
        }
        if person % 2:
            traits["phone"] = f"+38067{person:07d}"
        return traits

    def _order(self) -> dict[str, Any]:
        items = [self.rng.choice(PRODUCTS) for _ in range(self.rng.randint(1, 4))]
        products = [{"product_id": sku, "name": name, "price": price, "quantity": 1} for sku, name, price in items]
        return {
            "order_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "revenue": round(sum(p["price"] for p in products), 2),
            "currency": "UAH",
            "products": products,
        }


def batch_bodies(count: int, seed: int) -> list[bytes]:
    """``count`` encoded ``/v1/batch`` bodies of 100 events each (built before timing)."""
    shoppers = Shoppers(seed, f"r{seed}")
    sent_at = datetime.now(UTC).isoformat()
    return [orjson.dumps({"sentAt": sent_at, "batch": [shoppers.event() for _ in range(100)]}) for _ in range(count)]


def track_bodies(count: int, seed: int) -> list[bytes]:
    shoppers = Shoppers(seed, f"s{seed}")
    bodies = []
    while len(bodies) < count:
        event = shoppers.event()
        if event["type"] == "track":
            event.pop("type")
            bodies.append(orjson.dumps(event))
    return bodies


# -- HTTP load -------------------------------------------------------------------
def post_all(url: str, key: str, path: str, bodies: list[bytes], connections: int) -> list[float]:
    """POST every body over ``connections`` keep-alive connections; return latencies (s).

    The client shares the machine's two cores with the server, so it is kept lean: the
    bodies are encoded before timing, the Basic header is built once, and each
    connection is a plain ``http.client`` one (httpx spent several times more CPU per
    request, which the server's figures then paid for).
    """
    chunks = [bodies[i::connections] for i in range(connections)]
    latencies: list[float] = []
    lock = threading.Lock()
    address = urlsplit(url)
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
    }

    def worker(chunk: list[bytes]) -> None:
        mine = []
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=120)
        try:
            for body in chunk:
                started = time.perf_counter()
                connection.request("POST", path, body=body, headers=headers)
                answer = connection.getresponse()
                text = answer.read()
                mine.append(time.perf_counter() - started)
                if answer.status != 200 or orjson.loads(text).get("rejected"):
                    raise RuntimeError(f"{path} answered {answer.status}: {text[:300]!r}")
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(worker, chunks))
    return latencies


def bench_batch(server: LiveServer, creds: Credentials, sizes: Sizes, run: int) -> tuple[float, float, float, float]:
    """Acknowledged events/s, events/s until derived too, server and client CPU µs per event.

    The server answers once events are appended and derives profiles behind; a
    ``GET /health`` waits for that derivation, which gives the second figure. The CPU
    time of the server process does not depend on how loaded the machine is; the
    client's is reported next to it, as both share the machine's cores.
    """
    bodies = batch_bodies(sizes.batches, seed=1000 + run)
    cpu, client = server_cpu(server), time.process_time()
    started = time.perf_counter()
    post_all(server.url, creds.write_key, "/v1/batch", bodies, sizes.connections)
    acknowledged = time.perf_counter() - started
    client = time.process_time() - client
    httpx.get(f"{server.url}/health", timeout=600)
    settled = time.perf_counter() - started
    events = sizes.batches * 100
    server_us = (server_cpu(server) - cpu) * 1e6 / events
    return events / acknowledged, events / settled, server_us, client * 1e6 / events


def bench_single(
    server: LiveServer, creds: Credentials, sizes: Sizes, run: int, connections: int
) -> tuple[float, float, float, float, float]:
    """Requests/s, p50 and p99 ms, server and client CPU µs per request."""
    bodies = track_bodies(sizes.singles, seed=2000 + 100 * run + connections)
    cpu, client = server_cpu(server), time.process_time()
    started = time.perf_counter()
    latencies = post_all(server.url, creds.write_key, "/v1/track", bodies, connections)
    elapsed = time.perf_counter() - started
    client = time.process_time() - client
    httpx.get(f"{server.url}/health", timeout=600)
    quantiles = statistics.quantiles(latencies, n=100)
    per_request = (server_cpu(server) - cpu) * 1e6 / len(bodies)
    return len(bodies) / elapsed, quantiles[49] * 1000, quantiles[98] * 1000, per_request, client * 1e6 / len(bodies)


def server_cpu(server: LiveServer) -> float:
    """CPU seconds the server process has used so far (Linux /proc; 0 elsewhere)."""
    assert server.process is not None
    try:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- import ----------------------------------------------------------------------
def orders_csv(path: Path, rows: int) -> None:
    """An orders export: one line per line item, about 3 per order, sorted by order."""
    orders = rows // 2 + 10  # about 3 lines each: enough orders for LIMIT to cut at rows
    customers = max(rows // 12, 1)
    con = duckdb.connect()
    con.execute(f"""
        COPY (
          WITH o AS (
            SELECT o, 1 + (hash(o) % 5)::INT AS n, hash(o * 7 + 1) % {customers} AS c,
                   TIMESTAMP '2024-01-01' + to_seconds((hash(o * 13 + 2) % 60480000)::BIGINT) AS ts
            FROM range({orders}) t(o)
          ), lines AS (SELECT o, c, ts, unnest(range(n)) AS l FROM o),
          priced AS (
            SELECT *, 'SKU-' || lpad((hash(o * 31 + l) % 5000)::VARCHAR, 5, '0') AS sku,
                   round(50 + (hash(o * 17 + l) % 500000) / 100.0, 2) AS unit_price,
                   1 + (hash(o * 19 + l) % 3)::INT AS quantity
            FROM lines
          )
          SELECT 'ORD-' || lpad(o::VARCHAR, 8, '0') AS order_id,
                 strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ordered_at, 'C' || c AS customer_id,
                 CASE WHEN c % 50 = 0 THEN NULL ELSE 'customer' || c || '@example.org' END AS email,
                 CASE WHEN c % 4 = 0 THEN NULL
                      ELSE '+38050' || lpad((c % 10000000)::VARCHAR, 7, '0')
                 END AS phone,
                 sku, unit_price, quantity,
                 round(sum(unit_price * quantity) OVER (PARTITION BY o), 2) AS order_total
          FROM priced ORDER BY o, l LIMIT {rows}
        ) TO '{path}' (HEADER, DELIMITER ',')
    """)
    con.close()


def run_import(creds: Credentials, csv: Path) -> tuple[float, float, dict[str, Any]]:
    """Wall and CPU seconds (user + sys) of ``persona360 import`` of ``csv`` into ``creds.db`` (CLI start included)."""
    args = [
        CLI,
        "--db",
        str(creds.db),
        "import",
        str(csv),
        "--source",
        "shop",
        "--kind",
        "orders",
        *[part for pair in MAPPING for part in ("--map", pair)],
        "--json",
    ]
    before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - before
    if done.returncode != 0:
        raise RuntimeError(f"import failed: {done.stderr[-2000:]}")
    report: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, cpu, report


def _children_cpu() -> float:
    """User + sys seconds of the finished child processes (the CLI run just waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bulk_baseline(csv: Path, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds for DuckDB alone to load the same file into a table of a fresh file."""
    db = folder / f"baseline-{uuid.uuid4().hex[:6]}.duckdb"
    con = duckdb.connect(str(db))
    started, cpu = time.perf_counter(), time.process_time()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    con.execute("CHECKPOINT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    db.unlink()
    return elapsed, cpu


def cli_start_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([CLI, "--help"], capture_output=True, check=True)
    return time.perf_counter() - started


# -- the run -----------------------------------------------------------------------
def medians(label: str, runs: int, once: Callable[[int], Any]) -> list[Any]:
    results = []
    for run in range(runs):
        result = once(run)
        results.append(result)
        print(f"  {label} run {run + 1}/{runs}: {_show(result)}", flush=True)
    return results


def _show(result: Any) -> str:
    if isinstance(result, tuple):
        return ", ".join(f"{value:,.1f}" for value in result)
    return f"{result:,.1f}"


def define_live(creds: Credentials) -> str:
    """Define the demo shop's computed traits and segments in the workspace; say what the case is."""
    with Workspace(load_settings(db=creds.db)) as ws:
        for name, definition in DEMO_TRAITS.items():
            ws.segments.define_trait(name, definition)
        for name, condition in DEMO_SEGMENTS.items():
            ws.segments.create(SegmentSpec(name, condition))
        bound = ws.settings.batch_derive_within_ms
    return f"{len(DEMO_SEGMENTS)} live segments and {len(DEMO_TRAITS)} computed traits: derived within {bound} ms"


def relaxed_case(creds: Credentials) -> str:
    settings = load_settings(db=creds.db)
    relaxed = getattr(settings, "batch_derive_relaxed_ms", None)  # a tree before the cadence policy has none
    if relaxed is None:
        return f"nothing follows events live, but this tree derives within {settings.batch_derive_within_ms} ms anyway"
    return f"nothing follows events live: derived within {relaxed} ms (the relaxed bound)"


def copy_of(template: Credentials, folder: Path) -> Credentials:
    db = folder / f"ws-{uuid.uuid4().hex[:6]}.duckdb"
    shutil.copyfile(template.db, db)
    return replace(template, db=db)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke check")
    parser.add_argument("--runs", type=int, help="runs per measurement (median is reported)")
    parser.add_argument("--rows", type=int, help="rows of the orders CSV")
    parser.add_argument("--connections", type=int, help="concurrent client connections of the batch section")
    parser.add_argument(
        "--single-connections",
        help="comma-separated concurrencies of the single section (default 8,32,64)",
    )
    parser.add_argument("--batches", type=int, help="/v1/batch requests (of 100 events) per run")
    parser.add_argument("--singles", type=int, help="single /v1/track requests per run")
    parser.add_argument("--only", choices=("batch", "single", "import"), action="append")
    parser.add_argument(
        "--live",
        action="store_true",
        help="define the demo shop's computed traits and segments first: the short derive bound applies",
    )
    options = parser.parse_args(argv)
    sizes = QUICK if options.quick else FULL
    sizes = replace(
        sizes,
        runs=options.runs or sizes.runs,
        import_rows=options.rows or sizes.import_rows,
        connections=options.connections or sizes.connections,
        batches=options.batches or sizes.batches,
        singles=options.singles or sizes.singles,
    )
    if options.single_connections:
        sizes = replace(sizes, single_connections=_concurrencies(options.single_connections))
    only = set(options.only or ("batch", "single", "import"))
    os.environ.setdefault("PERSONA360_SWEEP_SECONDS", SWEEP_SECONDS)
    folder = Path(tempfile.mkdtemp(prefix="p360-bench-"))
    print(f"persona360 ingest benchmark ({'quick' if options.quick else 'full'}): {sizes}")
    print(f"workspace folder: {folder}", flush=True)
    try:
        table = run_all(sizes, only, folder, live=options.live)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(table)


def run_all(sizes: Sizes, only: set[str], folder: Path, *, live: bool = False) -> list[tuple[str, str, str, str]]:
    template = make_workspace(folder / "template")
    rows: list[tuple[str, str, str, str]] = []
    if only & {"batch", "single"}:
        creds = copy_of(template, folder)
        case = define_live(creds) if live else relaxed_case(creds)
        print(f"case: {case}", flush=True)
        rows.append(("case", "live segments" if live else "no live listener", "", ""))
        with LiveServer(creds.db) as server:
            if "batch" in only:
                print("(a) /v1/batch, 100 events a request", flush=True)
                rates = medians(
                    "events/s acknowledged, events/s derived, server CPU us/event, client CPU us/event",
                    sizes.runs,
                    lambda r: bench_batch(server, creds, sizes, r),
                )
                # the verdict is on events derived too: the server acknowledges events once
                # committed and derives profiles behind, and a run shorter than the
                # derivation cadence would count none of that work in the acknowledged rate
                rows.append(
                    _row(
                        "(a) batch ingest, derived",
                        statistics.median(r[1] for r in rates),
                        "events/s",
                        GOALS["batch"],
                    )
                )
                rows.append(("    acknowledged", f"{statistics.median(r[0] for r in rates):,.0f} events/s", "", ""))
                rows.append(("    server CPU", f"{statistics.median(r[2] for r in rates):,.0f} us/event", "", ""))
                rows.append(("    client CPU", f"{statistics.median(r[3] for r in rates):,.0f} us/event", "", ""))
            if "single" in only:
                rows += single_rows(server, creds, sizes)
    if "import" in only:
        rows += bench_import(template, sizes, folder)
    return rows


def single_rows(server: LiveServer, creds: Credentials, sizes: Sizes) -> list[tuple[str, str, str, str]]:
    """The single section: each concurrency in turn within a run, medians over the runs."""
    print(f"(b) single /v1/track at {', '.join(map(str, sizes.single_connections))} connections", flush=True)
    results: dict[int, list[tuple[float, ...]]] = {n: [] for n in sizes.single_connections}
    for run in range(sizes.runs):
        for connections in sizes.single_connections:
            result = bench_single(server, creds, sizes, run, connections)
            results[connections].append(result)
            print(
                f"  {connections} connections, run {run + 1}/{sizes.runs}: req/s, p50 ms, p99 ms, "
                f"server CPU us/request, client CPU us/request: {_show(result)}",
                flush=True,
            )
    rows = []
    for connections, runs in results.items():
        rate, p50, p99, server_us, client_us = (statistics.median(r[i] for r in runs) for i in range(5))
        rows.append(_row(f"(b) single track, {connections} conn.", rate, "req/s", GOALS["single"]))
        rows.append(("    p50 / p99 latency", f"{p50:.1f} / {p99:.1f} ms", "", ""))
        rows.append(("    server / client CPU", f"{server_us:,.0f} / {client_us:,.0f} us/request", "", ""))
    return rows


def _concurrencies(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise SystemExit(f"--single-connections takes numbers separated by commas, not {text!r}") from None
    if not values or min(values) < 1:
        raise SystemExit(f"--single-connections takes numbers of at least 1, not {text!r}")
    return values


def bench_import(template: Credentials, sizes: Sizes, folder: Path) -> list[tuple[str, str, str, str]]:
    csv = folder / "orders.csv"
    started = time.perf_counter()
    orders_csv(csv, sizes.import_rows)
    print(
        f"(c) import: {sizes.import_rows:,} rows generated in "
        f"{time.perf_counter() - started:.1f} s "
        f"({csv.stat().st_size / 1e6:.0f} MB)",
        flush=True,
    )
    startup = cli_start_seconds()

    def once(run: int) -> tuple[float, float, float, float, float]:
        creds = copy_of(template, folder)
        seconds, cpu, report = run_import(creds, csv)
        creds.db.unlink()
        if report["rows"] != sizes.import_rows or report["rejected"]:
            raise RuntimeError(f"unexpected import report: {report}")
        baseline, baseline_cpu = bulk_baseline(csv, folder)
        return (
            sizes.import_rows / seconds,
            sizes.import_rows / (seconds - startup),
            sizes.import_rows / baseline,
            cpu,
            baseline_cpu,
        )

    results = medians(
        "rows/s import, import without CLI start, duckdb baseline; CPU s import, baseline", sizes.runs, once
    )
    rate = statistics.median(r[0] for r in results)
    net = statistics.median(r[1] for r in results)
    baseline = statistics.median(r[2] for r in results)
    cpu = statistics.median(r[3] for r in results)
    baseline_cpu = statistics.median(r[4] for r in results)
    return [
        _row("(c) persona360 import", rate, "rows/s", GOALS["import"]),
        (f"    same, minus CLI start ({startup:.1f} s)", f"{net:,.0f} rows/s", "", ""),
        ("    import CPU (user + sys)", f"{cpu:.2f} s ({sizes.import_rows / cpu:,.0f} rows/CPU-s)", "", ""),
        ("    DuckDB bulk load baseline", f"{baseline:,.0f} rows/s", "", ""),
        ("    baseline CPU", f"{baseline_cpu:.2f} s ({sizes.import_rows / baseline_cpu:,.0f} rows/CPU-s)", "", ""),
        (
            "    import / baseline",
            f"{rate / baseline:.3f} ({baseline / rate:,.0f}x slower)",
            "",
            "",
        ),
    ]


def _row(name: str, value: float, unit: str, goal: float) -> tuple[str, str, str, str]:
    verdict = "OK" if value >= goal else f"MISS ({value / goal:.0%} of goal)"
    return (name, f"{value:,.0f} {unit}", f">= {goal:,.0f} {unit}", verdict)


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in [("measure", "median", "goal", "verdict"), *rows]) for i in range(4)]
    line = "  ".join("-" * width for width in widths)
    print()
    for row in [("measure", "median", "goal", "verdict"), None, *rows]:
        print(line if row is None else "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
