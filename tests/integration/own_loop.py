"""Run a coroutine to its end on an event loop of its own thread.

Another test in the same xdist worker may own a running loop in the main thread (the
e2e tests' Playwright session keeps one for the worker's whole session), and there
``asyncio.run`` refuses to start: so tests that drive ASGI or the batcher run here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a thread of its own; its result, or its exception."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
