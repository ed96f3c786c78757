"""A background thread that runs periodic jobs (the segment sweep, webhook delivery)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)


class Ticker:
    """Runs each job every ``seconds`` until stopped; a failing job is logged, not fatal."""

    def __init__(self, seconds: float, jobs: Sequence[Callable[[], Any]]) -> None:
        self.seconds = seconds
        self.jobs = list(jobs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="persona360-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the job under way (a persona rebuild or a refit can take a while on a large shop)."""
        self._stop.set()
        self._thread.join(timeout=5)
        if self._thread.is_alive():
            log.info("stopping: waiting for a periodic job to finish")
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            for job in self.jobs:
                if self._stop.is_set():  # a stop waits for the job under way, not for the jobs after it
                    return
                try:
                    job()
                except Exception:  # noqa: BLE001 - a thread boundary: logged, the next tick retries
                    log.exception("periodic job %s failed", getattr(job, "__name__", job))
