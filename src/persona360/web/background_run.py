"""A long action a page starts and then follows: it runs in a thread, the page shows its progress.

An enrichment run over a large shop takes minutes; inside the request the browser waited
with no sign of progress and a proxy could time out. As ``figure_cache`` does for the
overview's figures, the work goes to a background thread (one at a time): the request
waits up to ``wait`` seconds, enough for a small shop to see the result at once, and
otherwise answers with the page, which shows "done of total" and reloads itself.

A server that stops asks the run to end (:meth:`BackgroundRun.stop`): the job's next
progress call, made after each batch it wrote, raises :class:`RunStopped`, so the run
ends between two committed batches rather than being cut off by the workspace closing
under it, and the server waits for that a bounded time (``STOP_WAIT``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
STOP_WAIT = 30.0  # seconds a stopping server waits for a run to finish the batch it is writing


class RunStopped(Exception):  # noqa: N818 - it says what happened, as StopIteration does
    """Raised in a job's progress call once :meth:`BackgroundRun.stop` asked the run to end."""


@dataclass(frozen=True)
class RunState:
    """Where the latest run is: running or not, its progress, who started it, and its failure."""

    running: bool
    done: int
    total: int | None
    actor: str | None
    error: str | None


class BackgroundRun:
    """Runs one job at a time in a daemon thread and keeps its progress.

    Args:
        name: the thread's name, and the job named in the log when it fails.
        wait: seconds :meth:`start` waits for the job to end (None: until it ends).
    """

    def __init__(self, name: str, wait: float | None) -> None:
        self._name = name
        self._wait = wait
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state = RunState(False, 0, None, None, None)
        self._stopping = threading.Event()

    def start(self, job: Callable[[Progress], Any], actor: str) -> bool:
        """Start ``job(progress)`` unless one is running or the runner was stopped (then False).

        Waits up to ``wait`` seconds for the job to end.
        """
        with self._lock:
            if self._stopping.is_set() or (self._thread is not None and self._thread.is_alive()):
                return False
            self._state = RunState(True, 0, None, actor, None)
            self._thread = threading.Thread(target=self._run, args=(job,), name=self._name, daemon=True)
            self._thread.start()
            thread = self._thread
        thread.join(self._wait)
        return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running job, if any, to end (a server stopping, a test)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def stop(self, timeout: float = STOP_WAIT) -> bool:
        """Ask the running job to end after the batch it is writing; wait up to ``timeout`` seconds.

        No job starts after this. Returns whether no job is left running; one still
        running after ``timeout`` is logged, and left to the process's exit (its thread
        is a daemon), so a stuck job cannot hold a stopping server.
        """
        self._stopping.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the background run %s did not stop within %g s; leaving it", self._name, timeout)
            return False
        return True

    def state(self) -> RunState:
        """The latest run's state (not running, no progress, before any)."""
        with self._lock:
            return self._state

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._state = RunState(True, done, total, self._state.actor, None)
        if self._stopping.is_set():
            raise RunStopped(f"stopped after {done:,} of {total:,}: the server was stopping")

    def _run(self, job: Callable[[Progress], Any]) -> None:
        error = None
        try:
            job(self._progress)
        except RunStopped as stopped:
            log.info("the background run %s %s", self._name, stopped)
            error = str(stopped)
        except Exception as failure:  # a process boundary: the page shows the reason, the log the trace
            log.exception("the background run %s failed", self._name)
            error = f"{type(failure).__name__}: {failure}"
        with self._lock:
            self._state = RunState(False, self._state.done, self._state.total, self._state.actor, error)
