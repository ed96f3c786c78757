"""Micro-batching in front of the writer, for the server.

Many small requests become one transaction: the batcher's thread takes what has
queued up (up to ``batch_max_events``, waiting at most ``batch_max_wait_ms`` for more)
and appends it at once. The wait is 0 by default: a group commit needs none, as the
requests that arrive while one commit runs queue up and share the next, and a fixed
wait put its whole length on every single call's latency (8 connections waiting 10 ms
a commit could not pass 800 requests/s). Each request's future resolves only after the append has
committed, so the API answers 200 only for durable events. If a combined append
fails, each request is retried alone, so one bad request cannot take the others down
with it.

A commit also waits, at most ``gather_ms``, for requests an API has begun to read or
validate (:meth:`Batcher.arriving`): a 100-event batch takes the API a few
milliseconds to decode and check, and committing without it costs a whole commit's
statements for the one or two requests that happened to be queued (an append of 800
events costs half as much CPU an event as one of 100). Under a steady load it also
waits, within ``gather_ms``, for as many requests as the last commit held, if that
commit ended less than ``gather_ms`` before: clients on keep-alive connections send
their next request once answered, and the first of them to land used to start a
commit alone (8 connections of single ``/v1/track`` calls shared a commit 4.5 at a
time; now about 7.5, and a small commit costs 4-6 DuckDB statements of about 1 ms
each). It never waits when no request is on its way and the server has been quiet
for ``gather_ms``, so an idle server's single call is not delayed.

The same thread then derives facts and profiles of the appended events
(``EventWriter.derive``), in larger transactions: when no request has arrived for
``derive_idle_ms``, once ``derive_after`` events wait, or at the latest
``derive_within_ms`` after the oldest waiting event was committed. The last bound is
what keeps segments live under a steady load: with requests arriving more often than
the idle time, the backlog once grew until 20,000 events waited (40 s at 500 events/s),
and only its derivation tells the segments which profiles changed. Readers that must
see every acknowledged event call ``EventWriter.settle`` (the admin API does).

That short bound is paid only while something follows events live
(``EventWriter.listening_live``: an active segment, a computed trait, an
event-triggered campaign). Otherwise ``derive_relaxed_ms`` applies: a derivation has a
large fixed cost (tens of statements, ~75 ms of CPU), so deriving five times a second
cost ~10% of a busy batch API's CPU and ~30% of single calls', for no reader that
could not settle on its own. For the same reason ``derive_after`` is the most one
derivation takes (``DERIVE_MAX_EVENTS``, 50,000), not less: a busy batch API (20,000-30,000
events/s) reached the old 20,000 about once a second, never the relaxed bound, and
derivations of 45,000 events cost 2-3 us of the writer thread's CPU an event less than
of 20,000 (derivations take the writer: no request is acknowledged meanwhile). The price:
up to 50,000 records wait in memory (~50 MB more), and a read that settles under such a
load waits for up to ~1 s of derivation instead of ~0.5 s.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager

from persona360.errors import StoreUnavailableError
from persona360.ingest.record import EventRecord
from persona360.ingest.writer import DERIVE_MAX_EVENTS, EventWriter, WriteResult

log = logging.getLogger(__name__)
# who waits for a commit: a thread (submit) or a coroutine on its event loop (write)
_Waiter = Future[WriteResult] | tuple[asyncio.AbstractEventLoop, asyncio.Future[WriteResult]]
_Item = tuple[Sequence[EventRecord], _Waiter]
_STOP = object()


class Batcher:
    """A background thread that commits queued records in micro-batches.

    Args:
        writer: the workspace's writer.
        max_events: most records in one transaction.
        max_wait_ms: how long to wait for more records once one has arrived.
        after_commit: called with each committed result (e.g. segment re-evaluation).
        derive_after: derive once this many appended events wait, even under load.
        derive_idle_ms: derive when no request has come for this long.
        derive_within_ms: derive at the latest this long after the oldest waiting
            event was committed, however busy the API is, while the writer is
            listening live.
        derive_relaxed_ms: the same bound while it is not (None: always
            ``derive_within_ms``).
        gather_ms: longest wait for requests counted by :meth:`arriving`.
    """

    def __init__(
        self,
        writer: EventWriter,
        max_events: int,
        max_wait_ms: int,
        after_commit: Callable[[WriteResult], None] | None = None,
        derive_after: int = DERIVE_MAX_EVENTS,
        derive_idle_ms: int = 250,
        derive_within_ms: int = 200,
        derive_relaxed_ms: int | None = None,
        gather_ms: int = 0,
    ) -> None:
        self.writer = writer
        self.max_events = max_events
        self.max_wait = max_wait_ms / 1000
        self.after_commit = after_commit
        self.derive_after = derive_after
        self.derive_idle = derive_idle_ms / 1000
        self.derive_within = derive_within_ms / 1000
        self.derive_relaxed = None if derive_relaxed_ms is None else derive_relaxed_ms / 1000
        self.gather = gather_ms / 1000
        self._arriving = 0  # requests being read or validated (see arriving)
        self._company = 0  # requests the last commit held
        self._last_commit = float("-inf")  # monotonic time the last commit ended
        self._waiting_since: float | None = None  # monotonic time the backlog began
        # SimpleQueue: its put is C, where a Queue notifies a Condition in Python on every request
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="persona360-writer", daemon=True)
        self._thread.start()

    def submit(self, records: Sequence[EventRecord]) -> Future[WriteResult]:
        """Queue ``records``; the future resolves once they are committed."""
        future: Future[WriteResult] = Future()
        if not records:
            future.set_result(WriteResult())
        else:
            self._queue.put((records, future))
        return future

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Count a request as on its way to :meth:`submit` while the API reads and checks it."""
        self._arriving += 1
        try:
            yield
        finally:
            self._arriving -= 1

    async def write(self, records: Sequence[EventRecord]) -> WriteResult:
        """Queue ``records`` and wait, without blocking the event loop, for the commit.

        The commit resolves the futures of all its requests on one loop with one
        wake-up of that loop (:func:`_resolve`), not one thread-safe callback each.
        """
        if not records:
            return WriteResult()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[WriteResult] = loop.create_future()
        self._queue.put((records, (loop, future)))
        return await future

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._wait())
            except queue.Empty:
                self._derive()
                continue
            if first is _STOP:
                self._derive(everything=True)
                return
            items, stop = self._gather(first)  # type: ignore[arg-type]
            self._commit(items)
            self._company, self._last_commit = len(items), time.monotonic()
            if stop or self._derive_due():
                self._derive(everything=stop)
            if stop:
                return

    def _wait(self) -> float | None:
        """How long to wait for a request before deriving (None: nothing waits)."""
        if not self.writer.pending:
            self._waiting_since = None  # a read's settle derived it meanwhile
            return None
        if self._waiting_since is None:
            self._waiting_since = time.monotonic()
        overdue = self._waiting_since + self.within() - time.monotonic()
        return max(0.0, min(self.derive_idle, overdue))

    def _derive_due(self) -> bool:
        """Whether the backlog must be derived now, although requests keep coming."""
        if not self.writer.pending:
            return False
        if self._waiting_since is None:
            self._waiting_since = time.monotonic()
        overdue = time.monotonic() - self._waiting_since >= self.within()
        return overdue or self.writer.pending >= self.derive_after

    def within(self) -> float:
        """The bound in seconds that applies now: short while the writer listens live (module docstring)."""
        if self.derive_relaxed is None or self.writer.listening_live():
            return self.derive_within
        return self.derive_relaxed

    def _derive(self, *, everything: bool = False) -> None:
        self._waiting_since = None  # what is left (over DERIVE_MAX_EVENTS) starts its wait now
        try:
            if everything:
                self.writer.settle()
            else:
                self.writer.derive()
        except Exception:  # noqa: BLE001 - a thread boundary: the events are stored; retried next time
            log.exception("deriving %d appended events failed", self.writer.pending)

    def _gather(self, first: _Item) -> tuple[list[_Item], bool]:
        items, count = [first], len(first[0])
        started = time.monotonic()
        deadline, gather_by = started + self.max_wait, started + self.gather
        # under a steady load, expect the company the last commit had (module docstring)
        expected = self._company if started - self._last_commit < self.gather else 0
        while count < self.max_events:
            now = time.monotonic()
            remaining = deadline - now
            short = len(items) < expected
            if remaining <= 0 and (self._arriving or short) and now < gather_by:
                # poll while one is being checked (it lands any moment); else the queue wakes us
                remaining = min(gather_by - now, 0.002) if self._arriving else gather_by - now
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                if (self._arriving or short) and time.monotonic() < gather_by:
                    continue
                # a request queues itself before it drops its arriving mark: one that did
                # both since the wait above timed out is in the queue now
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if item is _STOP:
                return items, True
            items.append(item)  # type: ignore[arg-type]
            count += len(item[0])  # type: ignore[index]
        return items, False

    def _commit(self, items: list[_Item]) -> None:
        records = [record for batch, _ in items for record in batch]
        try:
            result = self.writer.append(records)
        except Exception:  # noqa: BLE001 - a process boundary: retried alone, then answered
            if len(items) > 1:
                for item in items:
                    self._commit([item])
                return
            log.exception("a write of %d records failed", len(records))
            _resolve(items, StoreUnavailableError("the events could not be stored"))
            return
        _resolve(items, result)
        if self.after_commit is not None:
            self.after_commit(result)


def _resolve(items: list[_Item], outcome: WriteResult | BaseException) -> None:
    """Hand ``outcome`` to every waiter of ``items``: one call into each event loop."""
    on_loops: dict[asyncio.AbstractEventLoop, list[asyncio.Future[WriteResult]]] = {}
    for _, waiter in items:
        if isinstance(waiter, tuple):
            on_loops.setdefault(waiter[0], []).append(waiter[1])
        else:
            _hand(waiter, outcome)
    for loop, futures in on_loops.items():
        try:
            loop.call_soon_threadsafe(_settle, futures, outcome)
        except RuntimeError:  # the loop is closed: nobody waits any more
            log.warning("a commit of %d requests ended after their event loop closed", len(futures))


def _settle(futures: list[asyncio.Future[WriteResult]], outcome: WriteResult | BaseException) -> None:
    for future in futures:
        if not future.done():  # done: the request was cancelled (its client went away)
            _hand(future, outcome)


def _hand(future: Future[WriteResult] | asyncio.Future[WriteResult], outcome: WriteResult | BaseException) -> None:
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
