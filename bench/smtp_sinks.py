"""The activation benchmark's SMTP servers: real SMTP servers on loopback, each in its own process(es).

Three kinds, all speaking the whole protocol over a socket (EHLO advertising PIPELINING
and 8BITMIME, MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT) and answering 250 to a
message's data only once they hold all of it; each counts the messages it accepted and
their bytes, and parses nothing into ``email`` objects and spools nothing (a relay would
write the bytes to its queue; that cost is not the sender's):

- ``aiosmtpd``: plain aiosmtpd (the SMTP server the tests use) with a counting handler.
- ``aiosmtpd-lean``: aiosmtpd with two changes a production server makes too: the
  addresses of MAIL and RCPT are checked by a regular expression for the common
  ``<local@domain>`` form (aiosmtpd runs the ``email`` package's RFC 5322 header parser
  on each, a third of its CPU; anything else still goes to that parser), and replies
  to pipelined commands are written together once no further complete command is
  waiting (RFC 2920 section 3.2: Postfix does this), instead of one socket write per
  reply. ``processes`` > 1 runs that many servers on one port (SO_REUSEPORT).
- ``node``: nodemailer's ``smtp-server`` (bench/smtp_sink.js), installed with npm into
  ``~/.cache/persona360/bench-node`` on first use.

``cpu()`` is the CPU seconds (user + system) the server's processes have used so far.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

SINKS = ("aiosmtpd", "aiosmtpd-lean", "node")
NODE_PACKAGE = "smtp-server@3.21.6"
NODE_HOME = Path.home() / ".cache" / "persona360" / "bench-node"
# <local@domain> with no quoting, comments or source route: what nearly every sender writes.
_ANGLE = re.compile(r"\s*<([^<>@\s\"(),:;\\\[\]]+@[^<>@\s\"(),:;\\\[\]]+)>(.*)\Z")


class _Count:
    """The handler: what any receiving server must do beyond aiosmtpd's protocol work, and nothing more.

    aiosmtpd reads the commands, checks the addresses' syntax and collects the data
    (dot-unstuffed bytes); this handler counts the message and its bytes and answers 250.
    """

    def __init__(self, received: Any, octets: Any, pipelining: bool) -> None:
        self.received = received
        self.octets = octets
        self.pipelining = pipelining

    async def handle_EHLO(  # noqa: N802 (aiosmtpd hook)
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """Advertise PIPELINING as Postfix and most relays do (aiosmtpd reads commands in order)."""
        session.host_name = hostname
        extra = ["250-PIPELINING"] if self.pipelining else []
        return [*responses[:-1], *extra, responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        # this process's own counters, written by its one event loop thread (the parent reads them at the end)
        self.received.value += 1
        self.octets.value += len(envelope.original_content)
        return "250 OK"


class _LeanSMTP(SMTP):
    """aiosmtpd with a cheap check of plain ``<local@domain>`` addresses and coalesced pipelined replies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[bytes] = []

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        match = _ANGLE.match(arg)
        if match is None or len(match.group(1).rpartition("@")[0]) > (self.local_part_limit or 1 << 30):
            return super()._getaddr(arg)  # quoted local parts, comments, limits: the full parser
        return match.group(1), match.group(2)

    async def push(self, status: Any) -> None:
        response = status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii") if isinstance(status, str) else status
        self._held.append(response + b"\r\n")
        waiting = self._reader._buffer  # noqa: SLF001 - the commands the client has already sent
        # Hold the reply while another whole command is waiting to be read (it will be
        # answered in the same write); never hold 354, after which the client waits.
        if b"\n" in waiting and not response.startswith(b"354"):
            return
        self._writer.write(b"".join(self._held))
        self._held.clear()
        await self._writer.drain()


class _Controller(Controller):
    def __init__(self, *args: Any, lean: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lean = lean

    def factory(self) -> SMTP:
        return (_LeanSMTP if self.lean else SMTP)(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        # SO_REUSEPORT: several server processes on one port, the kernel shares out connections
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context, reuse_port=True
        )


def _serve(port: int, received: Any, octets: Any, stop: Any, pipelining: bool, lean: bool) -> None:
    """One SMTP server process: count messages until told to stop."""
    controller = _Controller(_Count(received, octets, pipelining), hostname="127.0.0.1", port=port, lean=lean)
    controller.start()
    stop.wait()
    controller.stop()


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class AiosmtpdSink:
    """aiosmtpd in ``processes`` processes on ``port``; ``lean`` for the lean server (see the module)."""

    def __init__(self, port: int, pipelining: bool, lean: bool, processes: int = 1) -> None:
        self._counts = [
            (multiprocessing.Value("l", 0, lock=False), multiprocessing.Value("q", 0, lock=False))
            for _ in range(processes)
        ]
        self._stop = multiprocessing.Event()
        self._processes = [
            multiprocessing.Process(
                target=_serve, args=(port, received, octets, self._stop, pipelining, lean), daemon=True
            )
            for received, octets in self._counts
        ]
        for process in self._processes:
            process.start()
        time.sleep(1.0)  # the controllers bind the port

    def cpu(self) -> float:
        return sum(_cpu_of(p.pid) for p in self._processes if p.pid is not None)

    def stop(self) -> tuple[int, int]:
        self._stop.set()
        for process in self._processes:
            process.join(10)
        return sum(int(r.value) for r, _ in self._counts), sum(int(o.value) for _, o in self._counts)


class NodeSink:
    """nodemailer's smtp-server under node (advertises PIPELINING and 8BITMIME itself)."""

    def __init__(self, port: int) -> None:
        node = shutil.which("node")
        if node is None:
            raise SystemExit("--sink node needs node (and npm) on PATH")
        _install_node_package()
        script = Path(__file__).with_name("smtp_sink.js")
        env = {**os.environ, "NODE_PATH": str(NODE_HOME / "node_modules")}
        self._process = subprocess.Popen(  # noqa: S603 - our own script
            [node, str(script), str(port)], stdout=subprocess.PIPE, env=env, text=True
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            raise SystemExit("the node SMTP server did not start")

    def cpu(self) -> float:
        return _cpu_of(self._process.pid)

    def stop(self) -> tuple[int, int]:
        self._process.terminate()
        out, _ = self._process.communicate(timeout=10)
        received, octets = out.split()
        return int(received), int(octets)


def _install_node_package() -> None:
    """``npm install smtp-server`` into the bench's own folder once (no global install, no root)."""
    if (NODE_HOME / "node_modules" / "smtp-server").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("--sink node needs npm on PATH to install smtp-server")
    NODE_HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - a fixed package from the npm registry
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_HOME), NODE_PACKAGE], check=True
    )


def start_sink(kind: str, port: int, pipelining: bool, processes: int = 1) -> AiosmtpdSink | NodeSink:
    """Start the SMTP server of ``kind`` (one of ``SINKS``) on ``port``."""
    if kind == "node":
        if not pipelining or processes != 1:
            raise SystemExit("--sink node always advertises PIPELINING and runs one process")
        return NodeSink(port)
    return AiosmtpdSink(port, pipelining, lean=kind == "aiosmtpd-lean", processes=processes)
