"""The overview's figure cache: first count waited for, stale counts redone off the request, failures shown."""

from __future__ import annotations

import threading
import time

from persona360.web.figure_cache import FigureCache


def wait_for(cache: FigureCache, value: object) -> None:
    deadline = time.monotonic() + 10
    while cache.read().value != value and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.read().value == value


def test_a_quick_first_count_is_waited_for_then_served_from_the_cache() -> None:
    calls: list[int] = []
    cache = FigureCache(lambda: calls.append(1) or len(calls), max_age=60, wait=5)
    first = cache.read()
    assert first.value == 1 and first.age_seconds is not None and first.error is None
    assert cache.read().value == 1 and len(calls) == 1, "a fresh value was counted again"


def test_a_slow_first_count_answers_at_once_without_figures() -> None:
    release = threading.Event()
    cache = FigureCache(lambda: release.wait(10) and "counted", max_age=60, wait=0.01)
    started = time.monotonic()
    pending = cache.read()
    assert pending.value is None and pending.age_seconds is None and pending.refreshing
    assert time.monotonic() - started < 1
    release.set()
    wait_for(cache, "counted")


def test_stale_figures_are_served_while_fresh_ones_are_counted() -> None:
    values = iter(["old", "new", "newer"])
    release = threading.Event()

    def count() -> str:
        value = next(values)
        if value == "new":
            release.wait(10)
        return value

    cache = FigureCache(count, max_age=0.3, wait=5)
    assert cache.read().value == "old"
    time.sleep(0.35)
    stale = cache.read()
    assert stale.value == "old" and stale.refreshing and stale.age_seconds >= 0.3  # type: ignore[operator]
    release.set()
    wait_for(cache, "new")


def test_a_failed_count_is_reported_with_its_reason() -> None:
    def count() -> None:
        raise RuntimeError("the events table is gone")

    cache = FigureCache(count, max_age=60, wait=5)
    failed = cache.read()
    assert failed.value is None and failed.error == "RuntimeError: the events table is gone"
