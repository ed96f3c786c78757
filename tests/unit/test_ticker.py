"""The server's periodic jobs: a stop waits for the job under way, not for the ones after it."""

from __future__ import annotations

import threading

from persona360.api.ticker import Ticker


def test_a_stop_during_a_job_runs_none_of_the_jobs_after_it() -> None:
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:  # a persona rebuild on a large shop, say
        ran.append("slow")
        started.set()
        release.wait(10)

    ticker = Ticker(0.01, [slow, lambda: ran.append("after")])
    assert started.wait(10)
    stopping = threading.Thread(target=ticker.stop)
    stopping.start()
    while not ticker._stop.is_set():  # the stop has been asked for while the slow job runs
        pass
    release.set()
    stopping.join(10)
    assert not stopping.is_alive() and ran == ["slow"]


def test_a_failing_job_does_not_stop_the_others() -> None:
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("boom")

    ticker = Ticker(0.01, [broken, ran.set])
    try:
        assert ran.wait(10)
    finally:
        ticker.stop()
