"""A real HTTP JSON service on loopback for the remote providers' tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from integration.loopback import QuietHandler, serving

# Given the request, answer (status, JSON body or None for no body).
Answer = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, Any] | None]]


@contextmanager
def json_service(answer: Answer) -> Iterator[str]:
    """Serve GET requests with ``answer`` until the block ends; yields ``http://127.0.0.1:PORT``."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            status, body = answer(self)
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            if body is not None:
                self.wfile.write(json.dumps(body).encode())

    with serving(Handler) as url:
        yield url
