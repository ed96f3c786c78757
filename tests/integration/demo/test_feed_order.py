"""The demo's feed reaches the tracking API in the order of its lines, whatever the server's timing.

The identity graph's guardrails decide by what the graph already holds (a family
tablet stays with the first account that logs in on it), so a feed whose requests
could overtake each other stitched one seed differently from run to run.
"""

from __future__ import annotations

import threading
import time

import orjson

from integration.loopback import QuietHandler, serving
from persona360.demo.feed import feed_events


def receiver(committed: list[str]) -> type[QuietHandler]:
    """A /v1/batch stand-in that is slow on its first request and records the order it answers in."""
    lock = threading.Lock()

    class Batch(QuietHandler):
        def do_POST(self) -> None:
            body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
            first = body["batch"][0]["messageId"]
            if first == "m-000":
                time.sleep(0.3)  # a commit that takes longer (a checkpoint, a busy machine)
            with lock:
                committed.append(first)
            answer = orjson.dumps({"accepted": len(body["batch"]), "rejected": []})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Batch


def test_requests_are_answered_in_the_order_of_the_lines_even_when_one_is_slow() -> None:
    lines = [orjson.dumps({"type": "track", "event": "x", "messageId": f"m-{n:03d}"}) for n in range(40)]
    committed: list[str] = []
    with serving(receiver(committed)) as url:
        report = feed_events(lines, url, "key", batch_size=4)
    assert report.accepted == 40
    assert committed == [f"m-{n:03d}" for n in range(0, 40, 4)]
