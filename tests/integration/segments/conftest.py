"""Segment test helpers, and a webhook receiver on loopback that records what it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from integration.loopback import QuietHandler, serving
from persona360 import Workspace


@pytest.fixture
def shop(workspace: Workspace) -> Workspace:
    """A workspace with a ``web`` source to send events from."""
    workspace.access.add_source("web")
    return workspace


@dataclass
class Receiver:
    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_with: int | None = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((dict(self.headers), body))
            self.send_response(state.fail_with or 204)
            self.end_headers()

    with serving(Handler) as url:
        state.url = f"{url}/hook"
        yield state
