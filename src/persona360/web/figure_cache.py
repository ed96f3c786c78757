"""Figures computed off the request path and served with their age.

The overview's aggregates scan every event and order; on a million profiles that took
about 12 s, far from a page that answers in 300 ms. So the page shows the last
figures computed, says how old they are ("as of 12 s ago"), and when they are older
than ``max_age`` a background thread computes fresh ones (one at a time). A request
that finds no figures at all waits up to ``wait`` seconds for the first computation,
which is enough for a small shop; a large one gets a page saying the figures are being
counted, which reloads itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cached:
    """What the cache holds now: the value (None before the first), its age, and the last failure."""

    value: Any
    age_seconds: float | None
    refreshing: bool
    error: str | None


class FigureCache:
    """Keeps the latest result of ``compute``; recomputes it in a thread once it is stale.

    Args:
        compute: the slow function; called with no arguments in a background thread.
        max_age: seconds after which a result is recomputed on the next read.
        wait: seconds a read without any result waits for the first computation.
    """

    def __init__(self, compute: Callable[[], Any], max_age: float, wait: float) -> None:
        self._compute = compute
        self._max_age = max_age
        self._wait = wait
        self._value: Any = None
        self._at: float | None = None
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def read(self) -> Cached:
        """The current figures, starting a refresh when they are missing or stale."""
        thread = self._refresh_if_stale()
        if self._at is None and thread is not None:
            thread.join(self._wait)
        with self._lock:
            age = None if self._at is None else time.monotonic() - self._at
            busy = self._thread is not None and self._thread.is_alive()
            return Cached(self._value, age, busy, self._error)

    def _refresh_if_stale(self) -> threading.Thread | None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self._thread
            if self._at is not None and time.monotonic() - self._at < self._max_age:
                return None
            self._thread = threading.Thread(target=self._run, name="p360-web-figures", daemon=True)
            self._thread.start()
            return self._thread

    def _run(self) -> None:
        started = time.monotonic()
        try:
            value = self._compute()
        except Exception as error:  # a process boundary: the page shows the reason, the log the trace
            log.exception("computing the overview's figures failed")
            with self._lock:
                self._error = f"{type(error).__name__}: {error}"
            return
        with self._lock:
            self._value, self._at, self._error = value, started, None
