"""Automatic enrichment: the server enriches the profiles each committed write touched.

A writer ``after_commit`` listener queues the touched profile ids; a thread of its
own takes everything queued (coalescing many small batches into one run) and runs the
configured providers over them, consent checked as in any run. So ingestion never
waits for enrichment, and a run's own write, which touches the same profiles again,
is not queued a second time (the listener runs on the thread that wrote).

Only offline providers are used by default (``PERSONA360_ENRICH_AUTO_PROVIDERS``):
a remote one would put an outside service's latency and rate limits behind every
new profile.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from persona360.enrichment.provider import Provider
from persona360.enrichment.run import run_enrichment
from persona360.enrichment.selection import consented

if TYPE_CHECKING:
    from persona360.ingest.writer import WriteResult
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class AutoStats:
    """What automatic enrichment did since the server started."""

    runs: int = 0
    traits_written: int = 0
    failures: int = 0


class AutoEnricher:
    """Enriches touched profiles in the background; :meth:`start` and :meth:`stop` it.

    Args:
        ws: the workspace whose writer it listens to.
        providers: made on the first run, not at start (their data takes seconds to
            load, and most servers' first batches have no one who allows enrichment).
    """

    def __init__(self, ws: Workspace, providers: Sequence[str]) -> None:
        self._ws = ws
        self._names = list(providers)
        self._providers: list[Provider] | None = None
        self._queue: queue.Queue[set[int] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="persona360-enrich", daemon=True)
        self.stats = AutoStats()
        for name in self._names:  # fail at start, naming the bad provider, not in the thread
            ws.enrichment.check_provider(name)

    @property
    def names(self) -> list[str]:
        """The providers it runs."""
        return list(self._names)

    def queued(self) -> int:
        """Batches of touched profiles waiting for the thread."""
        return self._queue.qsize()

    def start(self) -> AutoEnricher:
        self._ws.writer.after_commit.append(self._on_commit)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, enrich what is still queued, and end the thread."""
        if self._on_commit in self._ws.writer.after_commit:
            self._ws.writer.after_commit.remove(self._on_commit)
        self._queue.put(None)
        self._thread.join()

    def _on_commit(self, result: WriteResult) -> None:
        if threading.current_thread() is not self._thread and result.touched_profiles:
            self._queue.put(set(result.touched_profiles))

    def _work(self) -> None:
        while True:
            ids = self._queue.get()
            stopping = ids is None
            ids = ids or set()
            while not self._queue.empty():
                more = self._queue.get()
                stopping = stopping or more is None
                ids |= more or set()
            self._safe_enrich(ids)
            if stopping:
                return

    def _safe_enrich(self, ids: set[int]) -> None:
        if not ids:
            return
        try:
            allowed, _ = consented(self._ws, _live(self._ws, ids))
            if not allowed:
                return
            if self._providers is None:
                self._providers = [self._ws.enrichment.provider(name) for name in self._names]
            report = run_enrichment(self._ws, self._providers, profile_ids=allowed)
        except Exception:  # noqa: BLE001 - a worker thread boundary: logged, the next batch goes on
            self.stats.failures += 1
            log.exception("automatic enrichment of %d profiles failed", len(ids))
            return
        self.stats.runs += 1
        self.stats.traits_written += report.traits_written


def _live(ws: Workspace, ids: set[int]) -> list[int]:
    """The live ids of ``ids``: merged-away ones followed, erased ones dropped."""
    return ws.profiles.resolve_many(sorted(ids))
