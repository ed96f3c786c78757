"""The stored-key filter: never a false negative, few false positives, honest when full."""

from __future__ import annotations

import random

import numpy as np

from persona360.ingest.seen import SeenKeys, load_seen


def keys(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.getrandbits(63) for _ in range(count)]


def test_every_added_key_may_be_stored() -> None:
    seen = SeenKeys(capacity=200_000)
    added = keys(200_000, seed=1)
    for start in range(0, len(added), 1_000):  # as appends do, a batch at a time
        seen.add(added[start : start + 1_000])
    assert seen.maybe(added).all()
    assert not seen.full


def test_new_keys_are_mostly_ruled_out() -> None:
    seen = SeenKeys(capacity=100_000)
    seen.add(keys(100_000, seed=2))
    false_positives = seen.maybe(keys(100_000, seed=3)).mean()
    assert false_positives < 0.03


def test_full_once_past_its_capacity() -> None:
    seen = SeenKeys(capacity=10)
    seen.add(keys(seen.capacity + 1, seed=4))
    assert seen.full


def test_load_reads_every_range() -> None:
    stored = np.array(keys(12_000, seed=5), dtype=np.uint64)
    ranges: list[tuple[int, int]] = []

    def read(start: int, end: int) -> np.ndarray:
        ranges.append((start, end))
        return stored[start:end]

    seen = load_seen(len(stored), read, last_seq=len(stored) - 1)
    assert ranges == [(0, 5_000_000)]
    assert seen.maybe(stored).all()
