"""The one shape every incoming record takes before it is written.

An SDK call, a CSV row and an admin action all become an :class:`EventRecord`:
validated, with normalised identifiers in trust order and the edge reason that
explains why they belong together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

# The ``extra`` flag of a record its source gave no time (a customers file without a
# time column). It is stored at the import's time, which says when we learnt of the
# person, not when they were active: it sets no first or last seen (profiles/facts.py).
UNDATED = "undated"

# Identifier kinds in the order an event's anchor is chosen: the most trusted first.
ANCHOR_ORDER = ("user_id", "id:", "email", "phone", "handle:", "anonymous_id")


@dataclass(slots=True)
class OrderFacts:
    """The order an ``Order Completed`` record describes, deduplicated by ``order_id``."""

    order_id: str
    revenue: float | None
    currency: str | None


@dataclass(slots=True)
class EventRecord:
    """A validated event, ready for the writer."""

    message_id: str
    source_id: int
    type: str
    timestamp: datetime
    received_at: datetime
    identifiers: list[tuple[str, str]]
    reason: str
    event: str | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    original_timestamp: datetime | None = None
    sent_at: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    order: OrderFacts | None = None
    channel: str | None = None
    device: str | None = None
    message_key: int = 0  # a 63-bit key for (source, messageId): the unit of deduplication

    def __post_init__(self) -> None:
        self.message_key = message_key(self.source_id, self.message_id)


# an empty 8-byte BLAKE2b state, copied for each key: a quarter cheaper than parsing the
# constructor's keywords for every event (never updated itself, so threads may share it)
_BLAKE2B_8 = hashlib.blake2b(digest_size=8)


def message_key(source_id: int, message_id: str) -> int:
    state = _BLAKE2B_8.copy()
    state.update(f"{source_id}\x1f{message_id}".encode())
    return int.from_bytes(state.digest(), "big") >> 1


def message_keys(source_id: int, message_ids: Iterable[str]) -> np.ndarray:
    """:func:`message_key` of each of ``message_ids`` (one source), as ``uint64``.

    The digests are read as one big-endian array rather than one ``int`` each: the
    set-based import keys a third of a million orders at once.
    """
    prefix, blake2b = f"{source_id}\x1f".encode(), hashlib.blake2b
    digests = b"".join(blake2b(prefix + mid.encode(), digest_size=8).digest() for mid in message_ids)
    keys: np.ndarray = np.frombuffer(digests, dtype=">u8").astype(np.uint64) >> np.uint64(1)
    return keys


@lru_cache(maxsize=1024)
def anchor_rank(kind: str) -> int:
    """Position of an identifier kind in :data:`ANCHOR_ORDER` (lower is more trusted)."""
    for rank, prefix in enumerate(ANCHOR_ORDER):
        if kind == prefix or (prefix.endswith(":") and kind.startswith(prefix)):
            return rank
    return len(ANCHOR_ORDER)


def order_identifiers(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Deduplicate identifier keys and sort them most trusted first."""
    if len(keys) < 2:
        return list(keys)
    return list(_ordered(tuple(keys)))


@lru_cache(maxsize=100_000)
def _ordered(keys: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Cached: an import carries a customer's same identifiers on every order."""
    return tuple(sorted(set(keys), key=lambda key: (anchor_rank(key[0]), key)))


def stored_json(value: dict[str, object]) -> str | None:
    """An object field of a record as the ``events`` table stores it: JSON text, NULL when empty."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() if value else None


# Arrow's JSON extension type (pyarrow 19 on; plain text before, which DuckDB parses to check it)
_JSON_TEXT = pa.json_(pa.string()) if hasattr(pa, "json_") else None


def json_column(texts: list[str | None]) -> pa.Array:
    """Text for a ``JSON`` column of the store, marked as JSON so that DuckDB takes it as it is.

    DuckDB parses plain text bound for a ``JSON`` column to check it; text typed as
    Arrow JSON it stores unchecked, the same value. The events' five JSON columns are
    written by orjson a moment before (:func:`stored_json`), so the check found
    nothing and cost an append about 0.5 us of CPU an event (a quarter of its insert).
    """
    column = pa.array(texts, pa.string())
    return column if _JSON_TEXT is None else pa.ExtensionArray.from_storage(_JSON_TEXT, column)
