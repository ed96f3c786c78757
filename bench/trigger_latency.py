"""Event-to-trigger latency while the tracking API takes a steady load.

The real ``persona360 serve`` runs on loopback (a workspace made with the CLI, as in
``bench/ingest.py``), with a handful of ordinary live segments and one segment,
``did("Bench Marked")``, whose entry calls a webhook. A receiver on loopback records
when each webhook arrives. Load threads post ``/v1/batch`` at a steady rate; meanwhile
marked users send one ``Bench Marked`` track each. The latency of a mark is from just
before its POST (so it includes the request itself) to its webhook's arrival; profiles
are matched to marks through ``/v1/profiles/lookup`` afterwards. Prints p50/p95/p99.

    .venv/bin/python bench/trigger_latency.py                # about a minute
    .venv/bin/python bench/trigger_latency.py --rate 1000 --marks 300

Never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from persona360 import Workspace
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import integration.server  # noqa: E402
from integration.server import Credentials, LiveServer, make_workspace  # noqa: E402

integration.server.START_TIMEOUT = 300.0  # a shared, loaded machine starts the server slowly

MARKED = 'did("Bench Marked")'
BACKGROUND = [
    'count("Product Viewed", within = 7d) >= 3',
    "orders_count >= 1",
    'then_not("Product Added", "Order Completed", within = 30m)',
    "last_seen within 1d and n_track >= 5",
    'sum("Order Completed", revenue, within = 30d) >= 1000',
    'consent("marketing", "email") and did("Product Added")',
    'channels contains "web" and not did("Order Completed")',
    'then("Product Viewed", "Product Added", within = 1h)',
]
EVENTS = ["Product Viewed", "Product Viewed", "Product Added", "Order Completed", "Cart Viewed"]


class Receiver:
    """A webhook receiver on loopback: the wall-clock arrival of each entry, by profile."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = time.time()
                payload = json.loads(body)
                if payload.get("change") == "enter":
                    receiver.arrived.setdefault(int(payload["profile_id"]), now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def prepare(folder: Path, hook: str) -> Credentials:
    """A workspace made with the CLI; segments and the trigger added in-process (quicker)."""
    creds = make_workspace(folder)
    with Workspace(load_settings(db=creds.db)) as ws:
        for n, condition in enumerate(BACKGROUND):
            ws.segments.create(SegmentSpec(f"background {n}", condition))
        ws.segments.create(SegmentSpec("marked", MARKED))
        ws.segments.add_trigger("marked", hook)
    return creds


def steady_load(url: str, key: str, rate: float, stop: threading.Event, sent: list[int], seed: int) -> None:
    """Post batches of 50 events at ``rate`` events/s until ``stop``."""
    rng = random.Random(seed)
    batch, interval = 50, 50 / rate
    with httpx.Client(base_url=url, auth=(key, ""), timeout=30) as client:
        next_at = time.monotonic()
        while not stop.is_set():
            calls = [_call(rng) for _ in range(batch)]
            client.post("/v1/batch", json={"batch": calls}).raise_for_status()
            sent.append(batch)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))


def _call(rng: random.Random) -> dict[str, Any]:
    user = f"load-{rng.randrange(20_000)}"
    event = rng.choice(EVENTS)
    props: dict[str, Any] = {"category": rng.choice(["shoes", "bags"]), "price": rng.randrange(50, 3000)}
    if event == "Order Completed":
        props = {"order_id": f"o-{rng.getrandbits(48)}", "revenue": rng.randrange(100, 3000)}
    return {"type": "track", "userId": user, "event": event, "properties": props}


def send_marks(url: str, key: str, marks: int, per_second: float) -> dict[str, float]:
    """One ``Bench Marked`` track per new user; the wall-clock time just before each POST."""
    sent: dict[str, float] = {}
    with httpx.Client(base_url=url, auth=(key, ""), timeout=30) as client:
        for n in range(marks):
            user = f"mark-{n}"
            sent[user] = time.time()
            client.post("/v1/track", json={"userId": user, "event": "Bench Marked"}).raise_for_status()
            time.sleep(1 / per_second)
    return sent


def latencies(url: str, token: str, sent: dict[str, float], arrived: dict[int, float]) -> list[float]:
    seconds = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for user, at in sent.items():
            profile = client.get("/v1/profiles/lookup", params={"user_id": user}).json()["profile_id"]
            if profile in arrived:
                seconds.append(arrived[profile] - at)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="steady load, events/s")
    parser.add_argument("--marks", type=int, default=150, help="marked events (one per new profile)")
    parser.add_argument("--marks-per-second", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2, help="load threads (the rate is split)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="p360-latency-"))
    receiver = Receiver()
    creds = prepare(folder, receiver.url)
    stop, load_sent = threading.Event(), []  # type: ignore[var-annotated]
    with LiveServer(creds.db) as server:
        loaders = [
            threading.Thread(
                target=steady_load, args=(server.url, creds.write_key, args.rate / args.threads, stop, load_sent, n)
            )
            for n in range(args.threads)
        ]
        started = time.monotonic()
        for loader in loaders:
            loader.start()
        time.sleep(5)  # warm up: the load is steady before the first mark
        print(f"server up; sending {args.marks} marks under load", flush=True)
        sent = send_marks(server.url, creds.write_key, args.marks, args.marks_per_second)
        print(f"marks sent in {time.monotonic() - started - 5:.0f} s", flush=True)
        time.sleep(5)  # the last webhooks
        stop.set()
        for loader in loaders:
            loader.join()
        elapsed = time.monotonic() - started
        seconds = latencies(server.url, creds.admin_token, sent, receiver.arrived)
    receiver.close()
    report(args, seconds, sum(load_sent) / elapsed)


def report(args: argparse.Namespace, seconds: list[float], load: float) -> None:
    print(f"steady load: {load:.0f} events/s asked {args.rate:.0f}; {len(seconds)}/{args.marks} webhooks arrived")
    if len(seconds) >= 2:
        cuts = statistics.quantiles(seconds, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
        print(f"event -> webhook: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
        print(f"(goal p95 < 1000 ms; max {max(seconds) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
