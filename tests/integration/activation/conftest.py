"""A real SMTP server (aiosmtpd) and a provider-style HTTP API on loopback that keep what they receive."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from integration import server as server_helper
from integration.loopback import QuietHandler, serving
from integration.segments.clocked import at
from integration.server import Live, LiveServer, make_workspace
from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    port: int
    messages: list[Message] = field(default_factory=list)
    pipelining: bool = False
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    eight_bit: bool = True  # advertise 8BITMIME (aiosmtpd does by default)
    mail_options: list[list[str]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return str(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))  # type: ignore[union-attr]
        return ""


class Keep:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_EHLO(  # noqa: N802 (aiosmtpd hook name)
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """Advertise PIPELINING when the test asks (aiosmtpd reads commands in order, so it copes)."""
        session.host_name = hostname
        extra = ["250-PIPELINING"] if self.inbox.pipelining else []
        if not self.inbox.eight_bit:
            responses = [line for line in responses if line != "250-8BITMIME"]
        return [*responses[:-1], *extra, responses[-1]]  # the last line ("250 HELP") ends the answer

    async def handle_RCPT(  # noqa: N802 (aiosmtpd hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        """Refuse addresses at ``refused.example``, as a server refuses an unknown mailbox."""
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook name)
        self.inbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.inbox.mail_options.append(list(envelope.mail_options))
        self.inbox.raw.append(envelope.original_content)
        self.inbox.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(pipelining: bool = False, eight_bit: bool = True, handler: type[Keep] = Keep) -> Iterator[Inbox]:
    """An aiosmtpd server on a free loopback port for the ``with`` block (advertising PIPELINING if asked)."""
    inbox = Inbox(port=free_port(), pipelining=pipelining, eight_bit=eight_bit)
    controller = Controller(handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@contextmanager
def activation_server(folder: Path, smtp_port: int, **env: str) -> Iterator[Live]:
    """A real ``persona360 serve`` on a fresh workspace, mailing to ``smtp_port``; ``env``: more settings.

    The ticker runs hourly, so only what a test triggers sends (its delivery would race
    a test's own for counts).
    """
    creds = make_workspace(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSONA360_SMTP_PORT", str(smtp_port))
        patch.setenv("PERSONA360_SWEEP_SECONDS", "3600")
        for name, value in env.items():
            patch.setenv(f"PERSONA360_{name.upper()}", value)
        patch.setattr(server_helper, "START_TIMEOUT", 180.0)  # a shared, loaded machine starts Python slowly
        server = LiveServer(creds.db).start()
    try:
        yield Live(server, creds)
    finally:
        server.stop()


@contextmanager
def mailing_workspace(folder: Path, clock: FixedClock, inbox: Inbox, **settings: Any) -> Iterator[Workspace]:
    """A workspace file on injected time, mailing to ``inbox``, with a ``web`` source; ``settings``: more."""
    workspace = Workspace(load_settings(db=folder / "ws.duckdb", smtp_port=inbox.port, **settings), clock, create=True)
    try:
        workspace.access.add_source("web")
        yield workspace
    finally:
        workspace.close()


REFUSED_PEOPLE = [  # user id, email, consents to marketing email
    ("ann", "ann@x.org", True),
    ("bob", "bob@x.org", True),
    ("cy", "cy@x.org", True),
    ("dan", "dan@x.org", False),
    ("eve", None, True),
]


@contextmanager
def refused_campaign(folder: Path, clock: FixedClock, control_share: float = 0.0) -> Iterator[Workspace]:
    """Campaign ``hello`` to segment ``everyone``, sent once to an SMTP port where no server listens.

    Of the five members three consent and have an address, one never consented and one
    has no address: three messages are queued and each first attempt is refused.
    """
    settings = load_settings(db=folder / "ws.duckdb", smtp_port=free_port(), activation_quiet_hours=(0, 0))
    ws = Workspace(settings, clock, create=True)
    try:
        ws.access.add_source("web")
        for user, email_address, _ in REFUSED_PEOPLE:
            traits = {"email": email_address} if email_address else {"first_name": user}
            ws.ingest.send("web", [at(clock, type="identify", userId=user, traits=traits)])
        for user, _, consents in REFUSED_PEOPLE:
            if consents:
                ws.privacy.grant(ws.profiles.find("user_id", user), "marketing", "email")
        ws.segments.create(SegmentSpec("everyone", "event_count >= 1"))
        spec = CampaignSpec("hello", "everyone", "Subject: Hi\n\nHi {{ greeting() }}", control_share=control_share)
        ws.activation.create(spec)
        ws.activation.send("hello")
        yield ws
    finally:
        ws.close()


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[Inbox]:
    """One SMTP server for a module whose tests share one persona360 server."""
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


def serve(app: Any) -> tuple[Any, threading.Thread, str]:
    """Run ``app`` with uvicorn on loopback in a thread; return (server, thread, base URL)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@dataclass
class Provider:
    """A provider-style HTTP API on loopback: records each request, answers as ``answer`` says.

    ``answer(path, headers, body)`` returns (status, JSON body); the default accepts
    everything with 201 and a Twilio-like ``sid``. Speaks HTTP/1.1 with keep-alive, and
    counts the TCP connections it was given (``peers``), so a test can see reuse.
    """

    url: str = ""
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each request, in order
    peers: set[tuple[str, int]] = field(default_factory=set)
    answer: Callable[[str, dict[str, str], bytes], tuple[int, Any]] = lambda path, headers, body: (
        201,
        {"sid": "SM1", "status": "queued"},
    )


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append((self.path, headers, body))
            state.arrived.append(time.monotonic())
            state.peers.add(self.client_address)
            status, answer = state.answer(self.path, headers, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    with serving(Handler) as state.url:
        yield state
