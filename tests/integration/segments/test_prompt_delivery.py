"""In the server, a trigger is sent as soon as a profile enters, not on the next tick.

The periodic delivery is set an hour apart here, so only the wake-up that evaluation
gives the delivery thread can explain a webhook arriving during the test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.segments.clocked import at
from integration.segments.conftest import Receiver
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings


@pytest.fixture
def hourly(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb", sweep_seconds=3600), clock, create=True)
    ws.access.add_source("web")
    yield ws
    ws.close()


def test_the_worker_sends_a_webhook_as_soon_as_a_profile_enters(
    hourly: Workspace, receiver: Receiver, clock: FixedClock
) -> None:
    hourly.segments.create(SegmentSpec("carts", 'did("Product Added")'))
    hourly.segments.add_trigger("carts", receiver.url)
    hourly.segments.start_worker()
    try:
        hourly.ingest.send("web", [at(clock, type="track", userId="u1", event="Product Added")])
        deadline = time.monotonic() + 60  # a wait, not a speed goal: the machine may be busy
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        hourly.segments.stop_worker()
    assert len(receiver.requests) == 1
    assert hourly.segments.deliveries()[0]["status"] == "delivered"
