"""Read-your-writes for the admin API and the web UI.

The tracking endpoints answer once events are durable; their facts and profiles are
derived a moment later, in larger batches (``ingest/batcher.py``). A request to any
other path first lets the writer derive whatever is still waiting, so a profile read
right after a 200 from ``/v1/track`` shows that event (``EventWriter.pending`` counts
the events of a derivation in flight too, or a read arriving then would slip by). A plain ASGI middleware, not
FastAPI's ``BaseHTTPMiddleware``, so tracking requests pay one set look-up and no more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from persona360.ingest.writer import EventWriter

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class SettleBeforeReads:
    """Derive the writer's backlog before any request outside ``skip`` is handled."""

    def __init__(self, app: ASGIApp, writer: EventWriter, skip: frozenset[str]) -> None:
        self.app, self.writer, self.skip = app, writer, skip

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.writer.pending and scope["path"] not in self.skip:
            await asyncio.to_thread(self.writer.settle)
        await self.app(scope, receive, send)
