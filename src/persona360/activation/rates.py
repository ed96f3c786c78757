"""Per-channel send rates: each channel's own limit, and one limiter per channel per workspace.

Providers limit what they accept per second, and they differ: an SMS gateway may take
a few messages a second, an SMTP relay hundreds. ``activation_channel_rates`` names a
rate per channel; a channel it does not name uses ``activation_rate_per_second``.

The limiter of a channel lives as long as the workspace, not one delivery run: the
connections of a run share it (one schedule across threads), and two runs in a row
(the ticker's, then a campaign's send) continue the same schedule instead of each
starting with a fresh allowance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from persona360.activation.channels.base import RateLimiter
from persona360.errors import WorkspaceError


def check_rates(rates: dict[str, float], default: float, channels: Iterable[str]) -> None:
    """Refuse a rate for an unknown channel or a negative rate, naming it.

    Raises:
        WorkspaceError: a channel in ``rates`` is not one of ``channels``, or a rate is below 0.
    """
    known = list(channels)
    for name, rate in rates.items():
        if name not in known:
            raise WorkspaceError(
                f"PERSONA360_ACTIVATION_CHANNEL_RATES names channel {name!r}, which is not one of {', '.join(known)}"
            )
        if rate < 0:
            raise WorkspaceError(
                f"PERSONA360_ACTIVATION_CHANNEL_RATES[{name!r}]={rate}: use messages per second >= 0 (0: no limit)"
            )
    if default < 0:
        raise WorkspaceError(f"PERSONA360_ACTIVATION_RATE_PER_SECOND={default}: use messages per second >= 0")


@dataclass
class ChannelRates:
    """The limiter of each channel, made on first use and kept.

    ``monotonic`` and ``sleep`` are injectable so a test can read the schedule.
    """

    rates: dict[str, float]
    default: float
    make: Callable[[float], RateLimiter] = RateLimiter
    _limiters: dict[str, RateLimiter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rate(self, channel: str) -> float:
        """Messages per second allowed on ``channel`` (0: no limit)."""
        return float(self.rates.get(channel, self.default))

    def limiter(self, channel: str) -> RateLimiter:
        """The one limiter of ``channel``."""
        with self._lock:
            if channel not in self._limiters:
                self._limiters[channel] = self.make(self.rate(channel))
            return self._limiters[channel]
