"""A loopback SMTP sink for ``persona360 demo --smtp-sink``: campaign email that goes nowhere.

The demo's people have made-up addresses at real mail domains, so the demo never hands
them to a real SMTP server. With ``--smtp-sink`` it starts this sink (aiosmtpd, a dev
dependency, imported only here) on a free loopback port, points the workspace's SMTP
settings at it, and counts what arrives: delivery is then real SMTP, end to end, and
the count in the summary is what the sink received, not what the sender believes.
"""

from __future__ import annotations

import threading
from typing import Any

from persona360.demo.feed import free_port
from persona360.errors import Persona360Error


class SinkError(Persona360Error):
    """The SMTP sink cannot start."""


class SmtpSink:
    """An SMTP server on 127.0.0.1 that accepts and counts every message, for a ``with`` block."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._count = 0
        self._lock = threading.Lock()
        self._controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def received(self) -> int:
        """Messages accepted so far."""
        with self._lock:
            return self._count

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        with self._lock:
            self._count += 1
        return "250 OK"

    def __enter__(self) -> SmtpSink:
        try:
            from aiosmtpd.controller import Controller  # noqa: PLC0415 - a dev dependency, only for this flag
        except ImportError:
            raise SinkError("--smtp-sink needs aiosmtpd: pip install aiosmtpd (make install has it)") from None
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        try:
            self._controller.start()
        except (OSError, RuntimeError) as error:
            raise SinkError(f"the SMTP sink cannot listen on 127.0.0.1:{self.port}: {error}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
