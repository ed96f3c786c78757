"""A background run asked to stop ends after the batch it is writing, and a stuck one cannot hold the stop."""

from __future__ import annotations

import threading
import time

from persona360.web.background_run import BackgroundRun, Progress

BATCHES = 10_000


def test_a_stopped_run_ends_between_batches_and_no_run_starts_after() -> None:
    written: list[int] = []
    started = threading.Event()

    def batches(progress: Progress) -> None:
        for batch in range(BATCHES):
            time.sleep(0.002)  # the batch's write
            written.append(batch)
            started.set()
            progress(len(written), BATCHES)

    runner = BackgroundRun("test-stop", wait=0)
    assert runner.start(batches, "web:someone")
    assert started.wait(10)
    began = time.monotonic()
    assert runner.stop(10)
    assert time.monotonic() - began < 5
    state = runner.state()
    assert not state.running and state.done == len(written) < BATCHES  # the last batch begun was finished
    assert state.error == f"stopped after {len(written):,} of {BATCHES:,}: the server was stopping"
    assert not runner.start(batches, "web:someone")


def test_a_run_that_never_reports_progress_is_left_after_the_timeout() -> None:
    release = threading.Event()
    runner = BackgroundRun("test-stuck", wait=0)
    assert runner.start(lambda progress: release.wait(30), "web:someone")
    began = time.monotonic()
    assert not runner.stop(0.2)
    assert time.monotonic() - began < 5
    release.set()
    runner.join(10)


def test_stopping_a_runner_that_never_ran_is_immediate() -> None:
    assert BackgroundRun("test-idle", wait=0).stop(0)
