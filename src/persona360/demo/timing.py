"""Wall and CPU time per demo stage, for the summary.

CPU counts this process and the children that ended during the stage: the
generator's workers in ``generate``, and the tracking server's whole run in
``track api: server stop``, when it exits. Wall time alone misleads on a shared
machine; CPU time says what a stage cost.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def cpu_seconds() -> float:
    """User and system CPU of this process and its ended children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def stage_clock(report: Any, stage: str) -> Iterator[None]:
    """Record the block's wall time in ``report.seconds`` and CPU in ``report.cpu_seconds``."""
    started, cpu = time.monotonic(), cpu_seconds()
    try:
        yield
    finally:
        report.seconds[stage] = round(time.monotonic() - started, 2)
        report.cpu_seconds[stage] = round(cpu_seconds() - cpu, 2)


def timed(report: Any, stage: str, work: Callable[[], Any]) -> Any:
    """Run one stage under :func:`stage_clock` and return what it returns."""
    with stage_clock(report, stage):
        return work()
