"""A real ``persona360 serve`` process on loopback, for integration tests and the benchmark.

No mocks: the workspace is made with the CLI (``init``, ``sources add``, ``tokens create``)
and the server runs as a child process, so the tests exercise exactly what a user runs.
The server holds the DuckDB file lock while it runs; stop it before opening the file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx

CLI = str(Path(sys.executable).with_name("persona360"))
HOST = "127.0.0.1"
# Generous: the server imports every room (scikit-learn, Splink stay lazy); on a loaded
# 2-core machine that has taken close to a minute.
START_TIMEOUT = 150.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cli(db: Path, *args: str) -> dict[str, Any]:
    """Run ``persona360 --db DB ARGS --json`` and return its JSON answer."""
    done = subprocess.run(
        [CLI, "--db", str(db), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"persona360 {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@dataclass(frozen=True)
class Credentials:
    """A fresh workspace with one source and two admin tokens."""

    db: Path
    write_key: str
    admin_token: str
    read_token: str


def make_workspace(folder: Path, source: str = "shop-web") -> Credentials:
    """Create a workspace in ``folder`` the way a user would, with the CLI."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "ws.duckdb"
    cli(db, "init")
    write_key = cli(db, "sources", "add", source)["write_key"]
    admin = cli(db, "tokens", "create", "--scope", "admin", "--name", "it-admin")["token"]
    read = cli(db, "tokens", "create", "--scope", "profiles:read", "--name", "it-read")["token"]
    return Credentials(db, write_key, admin, read)


class LiveServer:
    """``persona360 serve`` as a child process on a free loopback port.

    Example:
        >>> server = LiveServer(creds.db).start()   # doctest: +SKIP
        >>> server.stop()                            # doctest: +SKIP
    """

    start_timeout = START_TIMEOUT

    def __init__(self, db: Path, port: int | None = None) -> None:
        self.db = db
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = db.with_name(f"serve-{self.port}.log")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        """Start the process and wait until ``GET /health`` answers."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [CLI, "--db", str(self.db), "serve", "--host", HOST, "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server did not answer /health in {self.start_timeout} s:\n{self.log()}")

    def stop(self) -> bool:
        """SIGTERM, then wait for a graceful exit (SIGKILL if it hangs).

        Returns:
            Whether the process ended cleanly: exit code 0, or killed by the SIGTERM that
            uvicorn re-raises after its graceful shutdown, with no traceback in the log.
        """
        if self.process is None:
            return False
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError(f"the server ignored SIGTERM for {STOP_TIMEOUT} s") from None
        clean_exit = self.process.returncode == 0
        return clean_exit and "Traceback" not in self.log()

    def kill(self) -> None:
        """SIGKILL: the crash a power cut or the OOM killer would cause."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stored_message_ids(db: Path, source: str = "shop-web") -> dict[str, int]:
    """``messageId -> times stored`` for one source, read from the file (server stopped)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT e.message_id, count(*) FROM events e JOIN sources s USING (source_id) "
            "WHERE s.name = ? GROUP BY e.message_id",
            [source],
        ).fetchall()
    finally:
        con.close()
    return {str(message_id): int(n) for message_id, n in rows}


@dataclass
class Live:
    """A running server, its workspace credentials and ready-made HTTP clients."""

    server: LiveServer
    creds: Credentials

    @property
    def url(self) -> str:
        return self.server.url

    def tracking(self, **kwargs: Any) -> httpx.Client:
        """A client that sends the write key as HTTP Basic user, as Segment's SDKs do."""
        return httpx.Client(base_url=self.url, auth=(self.creds.write_key, ""), timeout=30, **kwargs)

    def admin(self, token: str | None = None) -> httpx.Client:
        """A client for the admin API with a Bearer token (the admin one by default)."""
        headers = {"Authorization": f"Bearer {token or self.creds.admin_token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)
