"""Feeding the demo's web and app events through the real tracking API.

The events go to a ``persona360 serve`` child process over loopback, as a server-side
SDK or a replay would send them: ``/v1/batch`` requests of up to ``BATCH_BYTES`` (RudderStack's
SDKs send up to 4 MB) over one connection, in order. A separate process keeps the client's
work off the server's interpreter, as in real life.

The loading server runs with the bulk-load write settings of ``docs/settings.md``
(``BULK_LOAD``) unless the caller's environment sets them: micro-batches may wait
10 ms to fill, and derivation runs on larger backlogs. Only this child gets them; the
server the demo serves afterwards uses the caller's settings.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from persona360.demo.frames import iter_lines
from persona360.errors import Persona360Error

LOADING_SWEEP_SECONDS = 86_400
# Bulk-load write settings: +25-40% /v1/batch throughput measured, at the cost of the
# latency an interactive caller would see, which nobody sees while the demo loads.
BULK_LOAD = {"PERSONA360_BATCH_MAX_WAIT_MS": "10", "PERSONA360_BATCH_DERIVE_WITHIN_MS": "5000"}
# Under the server's default 4 MB body limit, with room for the envelope.
BATCH_BYTES = 3 * 1024 * 1024
BATCH_EVENTS = 5_000
# One connection, so requests reach the server's writer in the order of the lines: the
# identity graph's guardrails decide by what it already holds (a family tablet stays
# with the first account that logs in on it), and requests that overtook each other on
# three connections stitched one seed differently from run to run (1,500 customers:
# 287 or 289 blocked merges, and different resolved profiles).
CONNECTIONS = 1


class FeedError(Persona360Error):
    """The tracking server refused the demo's events or did not start."""


@dataclass
class FeedReport:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    seconds: float = 0.0


class ServerProcess:
    """``persona360 serve`` on a free loopback port, for the length of a ``with`` block."""

    def __init__(self, db: Path, bulk_load: bool = True) -> None:
        self.db = db
        self.settings = loading_settings(bulk_load)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        # a file, not a pipe: a pipe nobody reads fills up and stalls a chatty server
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__, outlives __init__

    def __enter__(self) -> ServerProcess:
        self.start()
        return self.wait_ready()

    def start(self) -> None:
        """Start the server without waiting: its imports can overlap the caller's work."""
        command = [
            sys.executable,
            "-m",
            "persona360",
            "--db",
            str(self.db),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        # A loading server: its clock sweep (segments, RFM, a prediction fit on half the
        # data) and automatic enrichment would only redo what the demo runs once
        # everything is in, on the same two cores, and a sweep caught mid-fit delays
        # the shutdown.
        env = {
            **os.environ,
            **self.settings,
            "PERSONA360_SWEEP_SECONDS": str(LOADING_SWEEP_SECONDS),
            "PERSONA360_ENRICH_AUTO": "false",
        }
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log, env=env)  # noqa: S603

    def wait_ready(self, seconds: float = 120) -> ServerProcess:
        """Wait until ``/health`` answers; raise with the server's last words if it died."""
        assert self._process is not None, "start() first"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._log.seek(0)
                error = self._log.read().decode(errors="replace")
                self._log.close()
                raise FeedError(f"the tracking server did not start: {error.strip()[-500:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise FeedError(f"the tracking server did not answer /health within {seconds:.0f} s")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server (SIGTERM: it drains its batcher and checkpoints the file) and wait."""
        if self._process is None:
            return
        process, self._process = self._process, None
        process.send_signal(signal.SIGTERM)
        try:
            # draining a big feed's derivation backlog takes a while on a loaded machine
            process.wait(timeout=600)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            self._log.close()


def feed_events(
    source: Path | Iterable[bytes],
    url: str,
    write_key: str,
    *,
    batch_size: int = BATCH_EVENTS,
    batch_bytes: int = BATCH_BYTES,
    connections: int = CONNECTIONS,
    progress: Callable[[int], None] | None = None,
) -> FeedReport:
    """POST every line of ``source`` (a file, or the lines themselves; one Segment call each) to ``url``/v1/batch.

    A request carries at most ``batch_size`` calls and about ``batch_bytes`` of them
    (a single call larger than that goes alone). A few requests wait in line per
    connection, built while the server commits; with one connection (the default) the
    server receives them in the order of the lines, so one seed stitches the same way
    every run.
    """
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    report, started = FeedReport(), time.monotonic()
    limits = httpx.Limits(max_connections=connections)
    with (
        httpx.Client(base_url=url, headers={"Authorization": auth}, limits=limits, timeout=120) as client,
        ThreadPoolExecutor(connections) as pool,
    ):
        pending: list[Future[dict[str, object]]] = []
        lines_in = iter_lines(source) if isinstance(source, Path) else source
        for lines in batch_lines(lines_in, batch_size, batch_bytes):
            body = b'{"batch":[' + b",".join(lines) + b"]}"
            pending.append(pool.submit(_post, client, body))
            report.sent += len(lines)
            if len(pending) >= connections * 4:
                _collect(pending.pop(0), report, progress)
        for future in pending:
            _collect(future, report, progress)
    report.seconds = time.monotonic() - started
    return report


def _post(client: httpx.Client, body: bytes) -> dict[str, object]:
    response = client.post("/v1/batch", content=body, headers={"Content-Type": "application/json"})
    if response.status_code != 200:
        raise FeedError(f"/v1/batch answered {response.status_code}: {response.text[:300]}")
    answer: dict[str, object] = orjson.loads(response.content)
    return answer


def _collect(future: Future[dict[str, object]], report: FeedReport, progress: Callable[[int], None] | None) -> None:
    answer = future.result()
    accepted = int(answer.get("accepted", 0))  # type: ignore[call-overload]
    rejected = len(answer.get("rejected", []))  # type: ignore[arg-type]
    report.accepted += accepted
    report.rejected += rejected
    if progress:
        progress(accepted + rejected)


def read_batches(path: Path, size: int, max_bytes: int | None = None) -> Iterator[list[bytes]]:
    """The non-blank lines of ``path`` in order, ``size`` (or ``max_bytes``) at a time.

    ``path`` may be zstd-compressed (``.zst``). A batch ends before the line that would
    take it past ``max_bytes``; the last batch may be smaller.
    """
    return batch_lines(iter_lines(path), size, max_bytes)


def batch_lines(source: Iterable[bytes], size: int, max_bytes: int | None = None) -> Iterator[list[bytes]]:
    """The non-blank lines of ``source`` in order, as :func:`read_batches` cuts them."""
    lines: list[bytes] = []
    held = 0
    for line in source:
        line = line.strip()
        if not line:
            continue
        if lines and max_bytes is not None and held + len(line) > max_bytes:
            yield lines
            lines, held = [], 0
        lines.append(line)
        held += len(line) + 1
        if len(lines) == size:
            yield lines
            lines, held = [], 0
    if lines:
        yield lines


def loading_settings(bulk_load: bool = True) -> dict[str, str]:
    """The write settings the loading server gets: ``BULK_LOAD``, unless the caller's environment sets them."""
    return {name: os.environ.get(name, value) for name, value in BULK_LOAD.items()} if bulk_load else {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
