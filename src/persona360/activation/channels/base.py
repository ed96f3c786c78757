"""The interface every channel implements, and a rate limiter they share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    """One rendered message for one address."""

    message_id: int
    address: str
    subject: str
    text: str
    html: str | None = None
    profile_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    """What a channel did with a message; ``permanent`` failures are not retried.

    ``provider_id`` is the provider's own id of an accepted message, when it gives one.
    """

    ok: bool
    error: str | None = None
    permanent: bool = False
    provider_id: str | None = None


class Channel(Protocol):
    """A way to reach people: email, SMS, a webhook..."""

    name: str

    def send(self, message: Message) -> SendResult:
        """Hand ``message`` over; never raise for a delivery failure, return it."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class CanSendMany(Protocol):
    """A channel that sends a run of messages faster together than one at a time (SMTP pipelining)."""

    def send_many(self, messages: Sequence[Message], pace: Callable[[], None]) -> list[SendResult]:
        """Hand over ``messages`` in order, calling ``pace`` before each; one result per message, never raise."""
        ...


class RateLimiter:
    """At most ``per_second`` calls to :meth:`wait` per second (a token bucket of one second)."""

    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()  # shared by the connections of one delivery run

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._monotonic()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval
