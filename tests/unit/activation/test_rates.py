"""Each channel's own rate: the limiter's schedule read on an injected clock, and bad rates refused."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.activation.channels.base import RateLimiter
from persona360.activation.rates import ChannelRates, check_rates
from persona360.errors import WorkspaceError
from persona360.settings import load_settings

CHANNELS = ("email", "sms", "viber", "webhook")


class VirtualTime:
    """A monotonic clock that moves only when someone sleeps; it records when each wait ended."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def limiters(clock: VirtualTime, rates: dict[str, float], default: float) -> ChannelRates:
    return ChannelRates(rates, default, lambda rate: RateLimiter(rate, clock.monotonic, clock.sleep))


def test_each_channel_keeps_its_own_rate_across_the_threads_of_a_run() -> None:
    clock = VirtualTime()
    rates = limiters(clock, {"sms": 5}, 50)
    sms, email = rates.limiter("sms"), rates.limiter("email")
    assert (rates.rate("sms"), rates.rate("email"), rates.rate("viber")) == (5, 50, 50)
    handed: list[float] = []

    def connection() -> None:  # four connections of one delivery run share the channel's limiter
        for _ in range(10):
            sms.wait()
            with clock.lock:
                handed.append(clock.now)

    threads = [threading.Thread(target=connection) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed.sort()
    # 40 messages at 5 a second: one every 0.2 s, whichever thread sends it
    assert handed[-1] - handed[0] == pytest.approx(39 * 0.2)
    assert all(b - a == pytest.approx(0.2) or b - a > 0.2 for a, b in zip(handed, handed[1:], strict=False))
    assert max(sum(1 for t in handed if start <= t < start + 1.0) for start in handed) == 5
    # email has its own schedule: its first message does not wait behind sms's backlog
    before = clock.now
    email.wait()
    assert clock.now == before


def test_a_second_run_continues_the_schedule_instead_of_starting_afresh() -> None:
    clock = VirtualTime()
    rates = limiters(clock, {"webhook": 2}, 0)
    for _ in range(3):
        rates.limiter("webhook").wait()
    start = clock.now
    rates.limiter("webhook").wait()  # the next run's first message: same limiter, still spaced
    assert rates.limiter("webhook") is rates.limiter("webhook")
    assert clock.now - start == pytest.approx(0.5)
    other = limiters(clock, {}, 0).limiter("email")  # 0: no limit, never sleeps
    before = clock.now
    for _ in range(100):
        other.wait()
    assert clock.now == before


@pytest.mark.parametrize(
    ("rates", "default", "named"),
    [
        ({"fax": 3}, 20, "'fax'"),
        ({"sms": -1}, 20, "ACTIVATION_CHANNEL_RATES['sms']=-1"),
        ({}, -5, "ACTIVATION_RATE_PER_SECOND=-5"),
    ],
)
def test_a_bad_rate_is_refused_naming_it(rates: dict[str, float], default: float, named: str) -> None:
    with pytest.raises(WorkspaceError, match=named.replace("[", r"\[").replace("]", r"\]")):
        check_rates(rates, default, CHANNELS)


def test_a_workspace_with_a_rate_for_an_unknown_channel_does_not_open(tmp_path: Path) -> None:
    settings = load_settings(db=tmp_path / "ws.duckdb", activation_channel_rates={"pigeon": 1})
    with pytest.raises(WorkspaceError, match="'pigeon', which is not one of email, sms, viber, webhook"):
        Workspace(settings, create=True)
