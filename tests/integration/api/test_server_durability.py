"""Every acknowledged event is stored exactly once: under concurrent clients that resend
messages, and across a SIGKILL of the server in the middle of the load."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import httpx
import pytest

from integration.server import Credentials, LiveServer, stored_message_ids

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
THREADS = 6
BATCHES = 15
BATCH_SIZE = 40


def _event(rng: random.Random, message_id: str, thread: int) -> dict[str, Any]:
    """A realistic call; people are shared between threads so identities stitch concurrently."""
    person = rng.randrange(40)
    anon = f"anon-{person}-{rng.randrange(3)}"
    kind = rng.choice(("track", "track", "page", "identify"))
    event: dict[str, Any] = {
        "type": kind,
        "messageId": message_id,
        "anonymousId": anon,
        "context": {"userAgent": "Mozilla/5.0 (iPhone)", "ip": "10.0.0.1"},
    }
    if kind == "identify":
        event.update(userId=f"user-{person}", traits={"email": f"p{person}@example.org", "thread": thread})
    elif kind == "track":
        event.update(
            event=rng.choice(("Product Viewed", "Added To Cart")),
            properties={"sku": f"SKU-{rng.randrange(100)}", "price": 9.5},
        )
    else:
        event.update(name="Catalogue", properties={"url": "https://shop.example/c"})
    return event


def _batches(thread: int) -> Iterator[list[dict[str, Any]]]:
    """Unique ids, a duplicate inside every batch, ids shared by all threads, one resend."""
    rng = random.Random(thread)
    sent: list[list[dict[str, Any]]] = []
    for number in range(BATCHES):
        batch = [_event(rng, f"t{thread}-b{number}-{i}", thread) for i in range(BATCH_SIZE)]
        batch.append(dict(batch[0]))  # the same messageId twice in one batch
        batch.append(_event(rng, f"shared-{number}", thread))  # every thread sends this id
        sent.append(batch)
        yield batch
        if number == BATCHES // 2:
            yield sent[0]  # a client retrying a batch it already sent


def _send(url: str, key: str, thread: int) -> set[str]:
    acknowledged: set[str] = set()
    with httpx.Client(base_url=url, auth=(key, ""), timeout=60) as client:
        for batch in _batches(thread):
            answer = client.post("/v1/batch", json={"batch": batch})
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"success": True, "accepted": len(batch)}
            acknowledged |= {event["messageId"] for event in batch}
    return acknowledged


def _check_projection(db: Any) -> None:
    """The projection counts every stored event once (no event lost between tables)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        events = con.execute("SELECT count(*) FROM events").fetchone()
        projected = con.execute("SELECT sum(event_count) FROM profiles").fetchone()
    finally:
        con.close()
    assert events == projected


def test_concurrent_clients_with_duplicates_store_each_message_once(
    fresh_workspace: Credentials,
) -> None:
    server = LiveServer(fresh_workspace.db).start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            sets = list(pool.map(lambda t: _send(server.url, fresh_workspace.write_key, t), range(THREADS)))
    finally:
        assert server.stop(), server.log()
    acknowledged = set().union(*sets)
    assert len(acknowledged) == THREADS * BATCHES * BATCH_SIZE + BATCHES
    stored = stored_message_ids(fresh_workspace.db)
    assert set(stored) == acknowledged
    assert set(stored.values()) == {1}
    _check_projection(fresh_workspace.db)


class _Loader:
    """Clients sending batches in a loop, remembering what was acknowledged and what not."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self.acknowledged: set[str] = set()
        self.unknown: list[list[dict[str, Any]]] = []  # sent, but no answer: outcome unknown
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def run(self, thread: int) -> None:
        rng = random.Random(100 + thread)
        with httpx.Client(base_url=self.url, auth=(self.key, ""), timeout=30) as client:
            number = 0
            while not self.stop.is_set():
                batch = [_event(rng, f"c{thread}-b{number}-{i}", thread) for i in range(25)]
                number += 1
                try:
                    answer = client.post("/v1/batch", json={"batch": batch})
                except httpx.TransportError:
                    with self._lock:
                        self.unknown.append(batch)
                    return
                if answer.status_code != 200:
                    with self._lock:
                        self.unknown.append(batch)
                    continue
                with self._lock:
                    self.acknowledged |= {event["messageId"] for event in batch}

    def count(self) -> int:
        with self._lock:
            return len(self.acknowledged)


def test_sigkill_mid_load_loses_no_acknowledged_event(fresh_workspace: Credentials) -> None:
    server = LiveServer(fresh_workspace.db).start()
    loader = _Loader(server.url, fresh_workspace.write_key)
    threads = [threading.Thread(target=loader.run, args=(t,)) for t in range(4)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while loader.count() < 2_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
    finally:
        loader.stop.set()
        for thread in threads:
            thread.join(60)
        server.kill()
    assert loader.count() >= 2_000, server.log()
    assert loader.unknown, "every client was cut off mid-request or before its next one"
    # the commits since the last checkpoint live only in the write-ahead log now
    assert fresh_workspace.db.with_name(fresh_workspace.db.name + ".wal").stat().st_size > 0

    restarted = LiveServer(fresh_workspace.db).start()
    try:
        # the clients retry what got no answer; it may or may not have been committed
        with httpx.Client(base_url=restarted.url, auth=(fresh_workspace.write_key, "")) as client:
            for batch in loader.unknown:
                assert client.post("/v1/batch", json={"batch": batch}).status_code == 200
    finally:
        assert restarted.stop(), restarted.log()
    retried = {event["messageId"] for batch in loader.unknown for event in batch}
    stored = stored_message_ids(fresh_workspace.db)
    assert loader.acknowledged <= set(stored)
    assert set(stored) == loader.acknowledged | retried
    assert set(stored.values()) == {1}
    _check_projection(fresh_workspace.db)
