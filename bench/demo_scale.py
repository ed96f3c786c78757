"""The demo shop at benchmark sizes, with a log of stage progress, CPU, memory and disk (bench only).

    PYTHONPATH=src .venv/bin/python bench/demo_scale.py --customers 100000 --out /tmp/demo100k \\
        --log /tmp/demo100k.log > /tmp/demo100k.json

Runs ``run_demo`` (what ``persona360 demo --no-serve --json`` runs) and, every
``--interval`` seconds and at each stage change, appends one JSON line to ``--log``:
the stage, its done/total, the wall time, the CPU of this process and of every live
process under it (the generator's workers, the loading server), the largest RSS, the
bytes under ``--out`` and the disk's free bytes. ``tail -f`` the log to follow a long
run. While the events are sent, each line also carries the loading server's CPU per
event since the last line: whether the feed slows as the store grows.

The summary on stdout is the demo's ``--json`` summary plus ``scale``: peak RSS
(this process and the largest of its children), peak disk under ``--out``, and the
feed's server CPU per event in each tenth of the events. The run stops with exit 3
(``--min-free-gb``) before the disk fills up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
SEND_STAGES = ("send events to /v1/batch", "load events (direct)")


def process_tree(root: int) -> list[int]:
    """``root`` and every live process under it, from ``/proc`` (no psutil in the venv)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def process_usage(pid: int) -> tuple[float, int, str]:
    """CPU seconds (user + system), RSS bytes and command line of one live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return 0.0, 0, ""
    return (int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE, command


def tree_bytes(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:  # a spool bucket removed while walking
                continue
    return total


class Monitor:
    """Samples the process tree and the output folder; writes the log lines."""

    def __init__(self, out: Path, log: Path, interval: float, min_free: float) -> None:
        self.out, self.interval, self.min_free = out, interval, min_free
        self.log = log.open("a", buffering=1)
        self.started = time.monotonic()
        self.stage, self.done, self.total = "start", 0, 0
        self.peak_rss = self.peak_disk = 0
        self.server_cpu: dict[int, float] = {}  # pid -> last CPU seen (a server's CPU survives its sample)
        self.feed_points: list[tuple[int, float]] = []  # (events sent, loading server CPU)
        self.last_feed: tuple[int, float] | None = None
        self.stop = threading.Event()
        self.low_disk = False

    def progress(self, stage: str, done: int, total: int) -> None:
        changed = stage != self.stage
        self.stage, self.done, self.total = stage, done, total
        if changed:
            self.sample()

    def sample(self) -> None:
        own = os.getpid()
        cpu_self = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        children_cpu, largest_rss, server = 0.0, 0, 0.0
        for pid in process_tree(own):
            cpu, rss, command = process_usage(pid)
            largest_rss = max(largest_rss, rss)
            if pid != own:
                children_cpu += cpu
            if " serve " in command:
                self.server_cpu[pid] = cpu
                server = cpu
        disk = tree_bytes(self.out)
        free = os.statvfs(self.out).f_bavail * os.statvfs(self.out).f_frsize
        self.peak_rss, self.peak_disk = max(self.peak_rss, largest_rss), max(self.peak_disk, disk)
        line: dict[str, Any] = {
            "utc": datetime.now(UTC).strftime("%H:%M:%S"),
            "wall": round(time.monotonic() - self.started, 1),
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "cpu_self": round(cpu_self, 1),
            "cpu_children_live": round(children_cpu, 1),
            "largest_rss_mb": largest_rss >> 20,
            "out_gb": round(disk / 1e9, 2),
            "free_gb": round(free / 1e9, 1),
        }
        if self.stage in SEND_STAGES and server:
            line["server_cpu"] = round(server, 1)
            if self.last_feed and self.done > self.last_feed[0]:
                spent, sent = server - self.last_feed[1], self.done - self.last_feed[0]
                line["server_us_per_event"] = round(1e6 * spent / sent)
            self.last_feed = (self.done, server)
            self.feed_points.append(self.last_feed)
        self.log.write(json.dumps(line) + "\n")
        if free < self.min_free:
            self.low_disk = True
            self.log.write(json.dumps({"stopped": f"free disk {free / 1e9:.1f} GB < --min-free-gb"}) + "\n")
            os.kill(own, 2)  # KeyboardInterrupt in the main thread: the demo's cleanup runs

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()

    def feed_profile(self) -> list[dict[str, Any]]:
        """Server CPU per event in each tenth of the feed: flat if the store's size does not matter."""
        points = self.feed_points
        if len(points) < 3:
            return []
        total = points[-1][0]
        rows, start = [], points[0]
        for tenth in range(1, 11):
            end = next((p for p in points if p[0] >= total * tenth / 10), points[-1])
            if end[0] > start[0]:
                rows.append(
                    {
                        "events_to": end[0],
                        "server_us_per_event": round(1e6 * (end[1] - start[1]) / (end[0] - start[0])),
                    }
                )
            start = end
        return rows


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--feed", default="api", choices=("api", "direct", "none"))
    parser.add_argument("--log", type=Path, required=True, help="JSON lines of progress, appended")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between log lines")
    parser.add_argument("--min-free-gb", type=float, default=3.0, help="stop when the disk has less free")
    args = parser.parse_args()

    from persona360.demo import DemoSpec  # after argparse: --help stays instant
    from persona360.demo.pipeline import run_demo
    from persona360.settings import load_settings

    end = datetime.combine(datetime.now(UTC).date(), datetime.min.time(), tzinfo=UTC)
    spec = DemoSpec(customers=args.customers, days=args.days, seed=args.seed, end=end)
    args.out.mkdir(parents=True, exist_ok=True)
    monitor = Monitor(args.out, args.log, args.interval, args.min_free_gb * 1e9)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID`: the demo stops its server on the way out
    sampler = threading.Thread(target=monitor.run, name="demo-scale-monitor", daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        settings = load_settings(db=args.out / "persona360.duckdb")
        report = run_demo(spec, args.out, settings, monitor.progress, feed=args.feed)
    except BaseException as error:  # the log says how a long run ended, whatever ended it
        monitor.log.write(json.dumps({"stopped": f"{type(error).__name__}: {error}", "stage": monitor.stage}) + "\n")
        if monitor.low_disk:
            return 3
        raise
    finally:
        monitor.stop.set()
        monitor.sample()
    summary = report.as_dict()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary["scale"] = {
        "customers": args.customers,
        "wall_seconds": round(time.monotonic() - started, 1),
        "cpu_seconds_self": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
        "cpu_seconds_children": round(children.ru_utime + children.ru_stime, 1),
        "peak_rss_mb_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10,
        "peak_rss_mb_largest_child": children.ru_maxrss >> 10,
        "peak_out_gb": round(monitor.peak_disk / 1e9, 2),
        "final_out_gb": round(tree_bytes(args.out) / 1e9, 2),
        "feed_server_us_per_event_by_tenth": monitor.feed_profile(),
    }
    json.dump(summary, sys.stdout, indent=1, default=str)
    print()
    return 0


if __name__ == "__main__":  # the generator's workers are spawned: guard the entry point
    sys.exit(main())
