"""Segment triggers: a signed webhook on entry or exit, retried, then dead-lettered.

Deliveries are an outbox table written in the same transaction as the membership
change, so a trigger fires exactly once per change even if the process dies before
sending; a worker sends what is due. Each request carries
``X-Persona360-Signature: sha256=HMAC(secret, timestamp + "." + body)`` and
``X-Persona360-Timestamp`` so the receiver can check origin and freshness.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from persona360.access.signed import webhook_headers
from persona360.retry import backoff
from persona360.store.database import Database, Transaction

if TYPE_CHECKING:
    from persona360.segments.definitions import Segment

CHANGES = ("enter", "exit")
BACKOFF_BASE = timedelta(seconds=30)


def add_trigger(
    tx: Transaction,
    segment_id: int,
    url: str,
    on: str,
    now: datetime,
    max_attempts: int = 5,
    secret: str | None = None,
) -> tuple[int, str]:
    """Register a webhook trigger; return its id and its signing secret."""
    if on not in CHANGES:
        raise ValueError(f"a trigger fires on one of {', '.join(CHANGES)}, not {on!r}")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook url {url!r} must start with http:// or https://")
    if not 1 <= max_attempts <= 50:
        raise ValueError(f"max_attempts={max_attempts}: use 1 to 50")
    secret = secret or "whsec_" + secrets.token_urlsafe(24)
    row = tx.fetchone("SELECT coalesce(max(trigger_id), 0) + 1 FROM segment_triggers")
    trigger_id = int(row[0])  # type: ignore[index]
    tx.execute(
        "INSERT INTO segment_triggers VALUES (?, ?, ?, 'webhook', ?, ?, ?, ?, TRUE)",
        [trigger_id, segment_id, on, url, secret, max_attempts, now],
    )
    return trigger_id, secret


def queue_deliveries(
    tx: Transaction,
    segment: Segment,
    profile_ids: list[int],
    change: str,
    now: datetime,
    reason: str,
) -> None:
    """Put one delivery per active trigger and profile into the outbox."""
    if not profile_ids:
        return
    triggers = tx.fetchall(
        "SELECT trigger_id FROM segment_triggers WHERE segment_id = ? AND on_change = ? AND active",
        [segment.segment_id, change],
    )
    for (trigger_id,) in triggers:
        start = tx.fetchone("SELECT coalesce(max(delivery_id), 0) FROM trigger_deliveries")
        first = int(start[0]) + 1  # type: ignore[index]
        payloads = [
            orjson.dumps(
                {
                    "segment": segment.name,
                    "segment_id": segment.segment_id,
                    "change": change,
                    "profile_id": profile_id,
                    "at": now.isoformat(),
                    "reason": reason,
                }
            ).decode()
            for profile_id in profile_ids
        ]
        tx.execute(
            "INSERT INTO trigger_deliveries SELECT unnest(?) , ?, ?, unnest(?), ?, unnest(?)::JSON, "
            "'pending', 0, ?, NULL, ?, NULL",
            [
                list(range(first, first + len(profile_ids))),
                trigger_id,
                segment.segment_id,
                profile_ids,
                change,
                payloads,
                now,
                now,
            ],
        )


def deliver_due(db: Database, now: datetime, client: httpx.Client | None = None, limit: int = 500) -> dict[str, int]:
    """Send every delivery due by ``now``; return counts of delivered, retried, dead."""
    due = db.query_dicts(
        "SELECT d.delivery_id, d.payload, d.attempts, t.url, t.secret, t.max_attempts "
        "FROM trigger_deliveries d JOIN segment_triggers t USING (trigger_id) "
        "WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.delivery_id LIMIT ?",
        [now, limit],
    )
    counts = {"delivered": 0, "retried": 0, "dead": 0}
    own = client is None
    client = client or httpx.Client(timeout=10)
    try:
        for delivery in due:
            outcome = _attempt(client, delivery, now)
            _save(db, delivery, outcome, now)
            counts[outcome[0]] += 1
    finally:
        if own:
            client.close()
    return counts


def _attempt(client: httpx.Client, delivery: dict[str, Any], now: datetime) -> tuple[str, str | None]:
    body = str(delivery["payload"]).encode()
    headers = webhook_headers(delivery["secret"], body, int(now.timestamp()), str(delivery["delivery_id"]))
    try:
        response = client.post(delivery["url"], content=body, headers=headers)
    except httpx.HTTPError as error:
        return _failed(delivery, f"{type(error).__name__}: {error}")
    if 200 <= response.status_code < 300:
        return "delivered", None
    return _failed(delivery, f"HTTP {response.status_code}: {response.text[:200]}")


def _failed(delivery: dict[str, Any], error: str) -> tuple[str, str]:
    dead = delivery["attempts"] + 1 >= delivery["max_attempts"]
    return ("dead" if dead else "retried"), error


def _save(db: Database, delivery: dict[str, Any], outcome: tuple[str, str | None], now: datetime) -> None:
    status, error = outcome
    attempts = delivery["attempts"] + 1
    with db.transaction() as tx:
        tx.execute(
            "UPDATE trigger_deliveries SET status = ?, attempts = ?, last_error = ?, "
            "next_attempt_at = ?, delivered_at = ? WHERE delivery_id = ?",
            [
                {"retried": "pending"}.get(status, status),
                attempts,
                error,
                now + backoff(attempts, BACKOFF_BASE),
                now if status == "delivered" else None,
                delivery["delivery_id"],
            ],
        )
