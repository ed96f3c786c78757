"""A steady stream of requests no longer holds derivation off: the batcher derives at
the latest ``derive_within_ms`` after an append, so live segments see new events while
the tracking API stays busy (it once waited for 20,000 events or an idle pause)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.batcher import Batcher
from persona360.ingest.validate import to_record
from persona360.ingest.writer import WriteResult
from persona360.settings import load_settings


def test_a_busy_stream_is_derived_before_it_pauses(tmp_path: Path, clock: FixedClock) -> None:
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True)
    source_id = ws.access.ensure_source("web").source_id
    derived = threading.Event()

    def listen(result: WriteResult) -> None:
        if result.touched_profiles:
            derived.set()

    ws.writer.after_commit.append(listen)
    # idle never comes (a request every 5 ms against 60 s) and 20,000 events never wait
    batcher = Batcher(ws.writer, 100, 1, derive_idle_ms=60_000, derive_within_ms=50)
    try:
        for n in range(2_000):
            call = {"type": "track", "userId": f"u{n % 7}", "event": "Product Viewed", "messageId": f"m{n}"}
            batcher.submit([to_record(call, source_id=source_id, limits=ws.limits())]).result(timeout=60)
            if derived.is_set():
                break
            time.sleep(0.005)
        assert derived.is_set(), "nothing was derived while requests kept coming"
        assert ws.writer.pending < 2_000
    finally:
        batcher.close()
        ws.close()
