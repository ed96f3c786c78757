"""Activation benchmark: messages rendered and handed to a real SMTP server per second.

Builds a workspace of N seeded synthetic profiles that all consent to marketing email
(``consent_default_allow`` includes ``marketing`` here), a segment of all of them and
``--runs`` campaigns with no control arm (the frequency cap is lifted so each reaches
everyone), then times each ``ws.activation.send``: consent, address, cap, quiet hours,
render and insert, 5,000 messages a chunk, overlapped with delivery of the committed
chunks over ``--connections`` SMTP connections on loopback (``--sequential``: queue
everything, then deliver, timed apart). A message counts when the server answered 250
to its data. The SMTP server (``--sink``, see smtp_sinks.py) runs in its own process,
as a real one would, so it does not share this process's interpreter lock, and
advertises PIPELINING as Postfix does (``--no-pipelining`` to measure without) and
8BITMIME: ``aiosmtpd`` (plain, what the tests use), ``aiosmtpd-lean`` (cheap checks of
plain addresses, pipelined replies written together) or ``node`` (nodemailer's
smtp-server, installed by npm on first use). Each only counts the message and its bytes
and answers 250: no parsing into ``email`` objects, no spool.
Prints every run and the medians, with the CPU each message cost this process and the
SMTP server: on a loaded machine wall time mostly measures the wait for a core, and the
SMTP server's CPU is the ceiling of what can be handed to it. ``--build FILE`` makes
the workspace once and ``--from FILE`` starts from a copy of it, so two versions of
persona360 can be alternated from the same start.

Run with ``.venv/bin/python bench/activation.py [--profiles N] [--runs R] [--sink node]``.
Never part of the test run; needs no network, except that ``--sink node`` installs
smtp-server from the npm registry the first time.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smtp_sinks import SINKS, AiosmtpdSink, NodeSink, start_sink

from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

TEMPLATE = """Subject: {{ greeting() }}, ваш кошик чекає

{{ g("Дорогий", "Дорога", "Вітаємо,") }} {{ greeting() }}!
У кошику: {{ event.name }} за {{ money(event.price) }}.
Повернутися: {{ link("https://shop.example/cart") }}
"""
NAMES = ["Олена", "Тарас", "Ірина", "Микола", "Саша"]
NOW = datetime(2026, 11, 1, 10, tzinfo=UTC)
CONNECTIONS = 4  # activation_connections: SMTP connections of a delivery run, each on its own thread


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workspace(folder: Path, n: int, port: int, connections: int, built: Path | None = None) -> Workspace:
    """The bench workspace in ``folder``: a copy of ``built`` (made by ``--build``) if given, else built here."""
    if built is not None:
        shutil.copyfile(built, folder / "bench.duckdb")
    settings = load_settings(
        db=folder / "bench.duckdb",
        smtp_port=port,
        activation_rate_per_second=0,
        activation_frequency_cap=1000,
        activation_connections=connections,
        consent_default_allow=["transactional", "analytics", "marketing"],
    )
    ws = Workspace(settings, FixedClock(NOW), create=built is None)
    if built is not None:
        return ws
    ws.access.add_source("web")
    stamp = NOW.isoformat()
    calls: list[dict[str, Any]] = []
    for i in range(n):
        traits = {"email": f"user{i}@bench.example", "first_name": NAMES[i % len(NAMES)]}
        calls.append({"type": "identify", "userId": f"u{i}", "timestamp": stamp, "traits": traits})
        calls.append(
            {
                "type": "track",
                "userId": f"u{i}",
                "timestamp": stamp,
                "event": "Product Added",
                "properties": {"name": "Кросівки", "price": 1999},
            }
        )
    ws.ingest.send("web", calls)
    ws.segments.create(SegmentSpec("carts", 'count("Product Added") >= 1'))
    return ws


def _run(
    ws: Workspace, name: str, sink: AiosmtpdSink | NodeSink, sequential: bool
) -> tuple[float, float | None, int, float, float]:
    """One campaign: seconds in all (to queue, with ``sequential``), seconds to deliver (``sequential`` only),
    messages sent, CPU seconds of this process and the sink's.

    Without ``sequential`` it is ``ws.activation.send``, which delivers each committed
    chunk while the next renders. CPU time is printed too because on a shared, loaded
    machine wall time mostly measures the wait for a core.
    """
    ws.activation.create(CampaignSpec(name, "carts", TEMPLATE, control_share=0, event="Product Added"))
    cpu, sink_cpu, started = time.process_time(), sink.cpu(), time.perf_counter()
    if sequential:
        ws.activation.queue(name)
        queued = time.perf_counter()
        sent = ws.activation.deliver_due("email")["sent"]
        took: float | None = time.perf_counter() - queued
    else:
        sent = ws.activation.send(name)["sent"]
        queued, took = time.perf_counter(), None
    return queued - started, took, sent, time.process_time() - cpu, sink.cpu() - sink_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-pipelining", action="store_true", help="The SMTP server does not advertise PIPELINING (as aiosmtpd)."
    )
    parser.add_argument(
        "--sequential", action="store_true", help="Queue everything, then deliver (timed apart), as before 24 Nov."
    )
    parser.add_argument("--sink", choices=SINKS, default="aiosmtpd", help="The SMTP server (see smtp_sinks.py).")
    parser.add_argument("--sink-processes", type=int, default=1, help="aiosmtpd server processes on the one port.")
    parser.add_argument("--connections", type=int, default=CONNECTIONS, help="activation_connections.")
    parser.add_argument("--build", type=Path, help="Only build the workspace of --profiles into this file, then stop.")
    parser.add_argument(
        "--from", dest="built", type=Path, help="Copy this file made by --build instead of building (same start state)."
    )
    args = parser.parse_args()
    if args.build is not None:
        args.build.parent.mkdir(parents=True, exist_ok=True)
        _workspace(args.build.parent, args.profiles, _port(), args.connections).close()
        (args.build.parent / "bench.duckdb").rename(args.build)
        return
    port = _port()
    sink = start_sink(args.sink, port, not args.no_pipelining, args.sink_processes)
    rates: list[tuple[float, float, float, float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            ws = _workspace(Path(folder), args.profiles, port, args.connections, args.built)
            for run in range(args.runs):
                first_s, deliver_s, sent, cpu_s, sink_s = _run(ws, f"bench{run}", sink, args.sequential)
                total = first_s + (deliver_s or 0.0)
                parts = (sent / first_s, sent / deliver_s) if deliver_s else (math.nan, math.nan)
                rates.append((sent / total, *parts, 1000 * cpu_s / sent, 1000 * sink_s / sent))
                split = (
                    f"queue {first_s:.2f} s = {parts[0]:.0f}/s, deliver {deliver_s:.2f} s = {parts[1]:.0f}/s"
                    if deliver_s
                    else "queue and delivery overlapped"
                )
                print(
                    f"run {run}: sent {sent} in {total:.2f} s = {rates[-1][0]:.0f}/s ({split}), "
                    f"CPU {rates[-1][3]:.2f} ms a message, SMTP server CPU {rates[-1][4]:.2f} ms a message; "
                    f"load {os.getloadavg()[0]:.1f}"
                )
            ws.close()
    finally:
        received, octets = sink.stop()
    medians = [statistics.median(r[i] for r in rates) for i in range(5)]
    pipelining = "without" if args.no_pipelining else "with"
    print(
        f"profiles {args.profiles}, runs {args.runs}, {pipelining} PIPELINING, "
        f"{'sequential' if args.sequential else 'overlapped'}, "
        f"SMTP server {args.sink} x{args.sink_processes}, received {received} messages, {octets / 1e6:.1f} MB"
    )
    split = (
        f"queue (consent, cap, render, insert) {medians[1]:.0f}, delivery over {args.connections} SMTP connections "
        f"{medians[2]:.0f}; "
        if args.sequential
        else f"queue overlapped with delivery over {args.connections} SMTP connections; "
    )
    print(
        f"median messages/s: end to end {medians[0]:.0f}, {split}"
        f"CPU of this process {medians[3]:.2f} ms a message, of the SMTP server ({args.sink}) {medians[4]:.2f} ms"
    )


if __name__ == "__main__":
    main()
