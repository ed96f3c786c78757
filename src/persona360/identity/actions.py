"""Merge and unmerge by hand, as events of the system source.

A person's decision is data like any other: it is stored as an event so that a
rebuild replays it in order and the audit trail shows who did what and when.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from persona360.errors import IdentityError
from persona360.ingest.record import EventRecord

IdentifierKey = tuple[str, str]


def merge_record(
    a: IdentifierKey,
    b: IdentifierKey,
    source_id: int,
    now: datetime,
    actor: str,
    reason: str = "manual_merge",
    detail: dict[str, object] | None = None,
) -> EventRecord:
    """The event that joins the profiles holding ``a`` and ``b``.

    ``reason`` becomes the edge's reason (``manual_merge``, or ``probabilistic`` for an
    accepted match); ``detail`` (e.g. the match probability) is kept on the event.
    """
    if a == b:
        raise IdentityError("merge needs two different identifiers")
    return EventRecord(
        message_id=f"merge-{uuid.uuid4()}",
        source_id=source_id,
        type="merge",
        timestamp=now,
        received_at=now,
        identifiers=[a],
        reason=reason,
        extra={"a": list(a), "b": list(b), "actor": actor, **(detail or {})},
    )


def unmerge_record(identifier: IdentifierKey, source_id: int, now: datetime, actor: str) -> EventRecord:
    """The event that detaches ``identifier`` from its profile."""
    return EventRecord(
        message_id=f"unmerge-{uuid.uuid4()}",
        source_id=source_id,
        type="unmerge",
        timestamp=now,
        received_at=now,
        identifiers=[identifier],
        reason="manual_unmerge",
        extra={"identifier": list(identifier), "actor": actor},
    )
