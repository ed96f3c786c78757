"""Appended but not yet derived: the events the server acknowledged ahead of their facts.

The server answers 200 once a batch's events are committed; the identity graph
changes they cause (kept in memory meanwhile), their facts, hooks and profile
projection follow in larger batches. This module keeps that backlog in memory and its lower edge on disk, so that
a process killed before deriving loses nothing: on the next start the workspace
derives every stored event from that edge on (``ingest/replay.derive_backlog``).

The edge is the ``meta`` key ``derive_from`` (the seq of the oldest event not yet
derived). It is written only when a backlog starts and moved or removed by the
transaction that derives it, so a synchronous write (events and facts in one
transaction, as importers do) costs no extra statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from persona360.ingest.record import EventRecord
from persona360.store.database import Database, Transaction

KEY = "derive_from"


@dataclass
class Appended:
    """One committed append: its records, their anchors and seqs, the profiles it touched.

    ``trait_touched`` is the part of ``touched`` whose shown traits may have changed
    (see ``EventWriter._trait_touched``).
    """

    records: list[EventRecord]
    anchors: list[int]
    seqs: list[int]
    touched: set[int]
    trait_touched: set[int]


@dataclass
class Backlog:
    """The appends waiting for derivation, oldest first."""

    items: list[Appended] = field(default_factory=list)
    events: int = 0

    def add(self, item: Appended) -> None:
        self.items.append(item)
        self.events += len(item.records)

    def take(self, limit: int) -> list[Appended]:
        """The oldest appends holding up to ``limit`` events (at least one append)."""
        taken: list[Appended] = []
        count = 0
        while self.items and (not taken or count + len(self.items[0].records) <= limit):
            item = self.items.pop(0)
            taken.append(item)
            count += len(item.records)
        self.events -= count
        return taken

    def first_seq(self) -> int | None:
        return self.items[0].seqs[0] if self.items else None


def mark_start(tx: Transaction, seq: int) -> None:
    """Record that events from ``seq`` on are stored but not derived."""
    tx.execute("INSERT OR REPLACE INTO meta VALUES ($key, $seq)", {"key": KEY, "seq": str(seq)})


def mark_done(tx: Transaction, next_seq: int | None) -> None:
    """Move the edge to ``next_seq`` (still waiting), or remove it when nothing waits."""
    if next_seq is None:
        tx.execute("DELETE FROM meta WHERE key = $key", {"key": KEY})
    else:
        mark_start(tx, next_seq)


def stored_start(db: Database) -> int | None:
    """The seq the backlog of a previous process started at, if it left one."""
    value = db.scalar("SELECT value FROM meta WHERE key = $key", {"key": KEY})
    return int(value) if value is not None else None
