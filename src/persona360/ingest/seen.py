"""Which message keys are certainly new: a Bloom filter over every stored one.

Deduplication (the same source and ``messageId`` stored once) asked the database
about every key of every append. DuckDB before 2.0 answered ``message_key IN (...)``
of more than a few keys with a scan of the whole ``events`` column: 1.5-2 ms an append
on a fresh workspace, 10 ms at two million events, growing with the store. DuckDB 2.0
answers it in ~1.1-1.4 ms of CPU at two and at eight million events (measured
2026-11-25), still a DuckDB call the filter saves most appends. A Bloom filter
(no false negatives) in the writer says which keys were never stored; only the rest,
the true duplicates and a few percent of new keys at most, are looked up. The filter
has 8-16 bits for each key it has room for (a power of two: 128 MB holds 134 million
keys), room for half as many again as are stored, and is read from the store when a
write first needs it, like the identity graph, and again when it is full.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

BITS_PER_KEY = 8  # at least; three hashes: at most about 3% false positives when full
MIN_BITS = 1 << 23  # 1 MB
# odd 64-bit multipliers: multiply-shift hashing of keys that are already hashes
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


class SeenKeys:
    """A Bloom filter of message keys, sized for ``capacity`` keys.

    Example:
        >>> seen = SeenKeys(capacity=10)
        >>> seen.add([42])
        >>> bool(seen.maybe([42])[0]), bool(seen.maybe([7])[0])
        (True, False)
    """

    def __init__(self, capacity: int) -> None:
        bits = MIN_BITS
        while bits < capacity * BITS_PER_KEY:
            bits <<= 1
        self.capacity = bits // BITS_PER_KEY
        self.count = 0
        self._shift = np.uint64(64 - (bits.bit_length() - 1))
        self._bits = np.zeros(bits // 8, dtype=np.uint8)

    @property
    def full(self) -> bool:
        """More keys than it was sized for: false positives grow past the design rate."""
        return self.count > self.capacity

    def add(self, keys: Sequence[int] | np.ndarray) -> None:
        positions = self._positions(keys)
        np.bitwise_or.at(self._bits, positions >> np.uint64(3), _bit(positions))
        self.count += positions.shape[1]

    def maybe(self, keys: Sequence[int] | np.ndarray) -> np.ndarray:
        """Per key: False when it was certainly never added, True when it may have been."""
        positions = self._positions(keys)
        hits = (self._bits[positions >> np.uint64(3)] & _bit(positions)) != 0
        return np.asarray(hits.all(axis=0))

    def _positions(self, keys: Sequence[int] | np.ndarray) -> np.ndarray:
        values = np.asarray(keys, dtype=np.uint64)
        with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
            return (values[None, :] * _MULTIPLIERS[:, None]) >> self._shift


def _bit(positions: np.ndarray) -> np.ndarray:
    return np.left_shift(np.uint8(1), (positions & np.uint64(7)).astype(np.uint8))


def load_seen(stored: int, read_keys: Callable[[int, int], np.ndarray], last_seq: int) -> SeenKeys:
    """A filter holding every stored key, read in ranges of seq (bounded memory).

    Args:
        stored: about how many events are stored (sizes the filter with room to grow).
        read_keys: the message keys of the events with ``start <= seq < end``.
        last_seq: the highest seq stored.
    """
    seen = SeenKeys(stored + stored // 2 + 1)
    step = 5_000_000
    for start in range(0, last_seq + 1, step):
        seen.add(read_keys(start, start + step))
    return seen
