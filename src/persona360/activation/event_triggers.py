"""Always-on trigger campaigns in the server: new events are answered as soon as they are committed.

A writer ``after_commit`` listener only wakes a thread of its own, which runs
``ws.activation.run_triggers()`` (each trigger campaign takes the events after its
watermark, queues, and sends what is due). Ingestion never waits for a send, many
commits in a burst coalesce into one run, and the thread runs once at start, so events
written while no server ran (a CLI import) are answered too. The watermark is
committed with the messages, so a crash resends nothing and skips nothing.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from persona360.ingest.writer import WriteResult
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)


class TriggerWorker:
    """Runs the trigger campaigns after each committed write; :meth:`start` and :meth:`stop` it."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="persona360-triggers", daemon=True)
        self.runs = 0
        self.failures = 0
        self.last_error: str | None = None

    def start(self) -> TriggerWorker:
        self._ws.writer.after_commit.append(self._on_commit)
        self._ws.writer.live_probes.append(self._listens_live)
        self._ws.writer.live_changed()
        self._wake.set()  # answer what arrived while no server ran
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._on_commit in self._ws.writer.after_commit:
            self._ws.writer.after_commit.remove(self._on_commit)
        if self._listens_live in self._ws.writer.live_probes:
            self._ws.writer.live_probes.remove(self._listens_live)
            self._ws.writer.live_changed()
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def status(self) -> dict[str, object]:
        """Runs of this worker so far, runs that failed, and the last failure (shown in the report)."""
        return {"runs": self.runs, "failures": self.failures, "last_error": self.last_error}

    def _listens_live(self) -> bool:
        """Whether a campaign answers events: then the writer derives new ones within moments."""
        return bool(self._ws.db.scalar("SELECT EXISTS (SELECT 1 FROM campaigns WHERE trigger_event IS NOT NULL)"))

    def _on_commit(self, result: WriteResult) -> None:
        if result.stored:
            self._wake.set()

    def _work(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self._ws.activation.run_triggers()
                self.runs += 1
            except Exception as error:  # noqa: BLE001 - a worker thread boundary: logged, the next commit retries
                self.failures += 1
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("trigger campaigns failed")
