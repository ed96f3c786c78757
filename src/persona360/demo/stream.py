"""The sorted event lines, handed from the generator to the feed while they are written.

Why only then: the feed sends events in time order (an SDK sends them as they
happen, and identity stitching depends on which identify call came first), and the
last person simulated may have the earliest event, so nothing can be sent before
every person is simulated. What can overlap is the rest of generation: the events'
merge (sent as each time slice is sorted) and the other files' sort and the truth,
while the server ingests. The queue is bounded, so a slow server holds the
generator back instead of filling memory.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

from persona360.errors import Persona360Error

_END = b""
_WAIT = 0.5


class StreamAbandonedError(Persona360Error):
    """The other side of an :class:`EventStream` stopped (it failed); its error says why."""


class EventStream:
    """A bounded hand-over of whole-line chunks from one thread to another.

    The writer calls :meth:`write` and then :meth:`close`; the reader iterates
    :meth:`lines`. Either side calls :meth:`abandon` when it fails, and the other
    side's next call raises :class:`StreamAbandonedError` instead of waiting forever.
    """

    def __init__(self, chunks: int = 4) -> None:
        self._queue: queue.Queue[bytes] = queue.Queue(chunks)
        self._abandoned = False
        self.first_at: float | None = None  # monotonic time the first lines came

    def write(self, data: bytes) -> None:
        if data:
            self._put(data)

    def close(self) -> None:
        self._put(_END)

    def abandon(self) -> None:
        self._abandoned = True

    def lines(self) -> Iterator[bytes]:
        """Every line written, in order, until :meth:`close`."""
        while True:
            chunk = self._get()
            if chunk == _END:
                return
            if self.first_at is None:
                self.first_at = time.monotonic()
            yield from chunk.splitlines()

    def _put(self, data: bytes) -> None:
        while True:
            self._check()
            try:
                self._queue.put(data, timeout=_WAIT)
                return
            except queue.Full:
                continue

    def _get(self) -> bytes:
        while True:
            self._check()
            try:
                return self._queue.get(timeout=_WAIT)
            except queue.Empty:
                continue

    def _check(self) -> None:
        if self._abandoned:
            raise StreamAbandonedError("the other side of the event stream stopped")
