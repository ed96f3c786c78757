"""Generation and the tracking-API feed, overlapped where time order allows.

The server starts while people are simulated (its imports take seconds). Once every
person is simulated, the generator merges the event spool slice by slice, in time
order; each sorted slice goes to ``/v1/batch`` while the next one is sorted and,
after the events, while the other exports and the truth file are assembled (see
:mod:`persona360.demo.stream` for why nothing can be sent earlier).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from persona360.demo.feed import BATCH_BYTES, FeedReport, ServerProcess, feed_events
from persona360.demo.generator import generate_shop
from persona360.demo.manifest import Manifest
from persona360.demo.spec import DemoSpec
from persona360.demo.stream import EventStream
from persona360.demo.timing import cpu_seconds, timed

Stage = Callable[[str, int, int], None]
SEND_STAGE = "send events to /v1/batch"


@dataclass
class _Feeder:
    """The feed's thread: waits for the server, then sends what the stream hands over."""

    server: ServerProcess
    stream: EventStream
    write_key: str
    batch_bytes: int
    say: Stage
    total: list[int] = field(default_factory=lambda: [0])
    result: FeedReport | None = None
    error: BaseException | None = None
    ended_at: float = 0.0

    def run(self) -> None:
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            self.say(SEND_STAGE, done, max(done, self.total[0]))

        try:
            self.server.wait_ready()
            self.result = feed_events(
                self.stream.lines(), self.server.url, self.write_key, batch_bytes=self.batch_bytes, progress=step
            )
        except BaseException as error:  # noqa: BLE001 - a thread boundary: re-raised by the caller
            self.error = error
            self.stream.abandon()
        finally:
            self.ended_at = time.monotonic()


def generate_and_send(
    spec: DemoSpec,
    out_dir: Path,
    server: ServerProcess,
    write_key: str,
    say: Stage,
    report: Any,
    compress_events: bool | None,
    max_body: int,
) -> tuple[Manifest, FeedReport]:
    """Generate the shop and send its events to ``server`` (started, maybe not ready yet).

    Records ``generate`` (until every file is written, the overlapped sending
    included) and ``track api: send`` (from the first event sent to the last answer;
    its CPU is what this process used after generation) in ``report``.

    Raises:
        FeedError: the server did not start or refused the events (generation stops).
    """
    stream = EventStream(chunks=2)  # slices of up to ~250,000 events: a few hundred MB each
    feeder = _Feeder(server, stream, write_key, min(BATCH_BYTES, max_body * 3 // 4), say)
    thread = threading.Thread(target=feeder.run, name="persona360-demo-feed", daemon=True)
    thread.start()
    try:
        manifest: Manifest = timed(
            report, "generate", lambda: generate_shop(spec, out_dir, say, None, compress_events, stream)
        )
    except BaseException:
        stream.abandon()
        thread.join()
        if feeder.error is not None:  # the feed's failure stopped the generator: it is the cause
            raise feeder.error from None
        raise
    feeder.total[0] = manifest.events.rows
    cpu = cpu_seconds()
    thread.join()
    if feeder.error is not None:
        raise feeder.error
    assert feeder.result is not None
    report.seconds["track api: send"] = round(feeder.ended_at - (stream.first_at or feeder.ended_at), 2)
    report.cpu_seconds["track api: send"] = round(cpu_seconds() - cpu, 2)
    return manifest, feeder.result
