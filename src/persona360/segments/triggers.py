"""Segment triggers: a signed webhook or a campaign on entry or exit, retried, then dead-lettered.

Deliveries are an outbox table written in the same transaction as the membership
change, so a trigger fires exactly once per change even if the process dies before
sending; a worker sends what is due. A ``campaign`` trigger hands its profiles to the
activation room through a :class:`CampaignHandoff` the workspace plugs in (segments
never import activation). Each entry is an occasion: a profile that enters again (a
second abandoned cart) is handed over again and activation sends again within its
frequency cap, which also keeps a delivery retried after a crash from sending twice
(the first message counts against the cap). Each request carries
``X-Persona360-Signature: sha256=HMAC(secret, timestamp + "." + body)`` and
``X-Persona360-Timestamp`` so the receiver can check origin and freshness.

The body is one JSON object: ``segment``, ``segment_id``, ``change`` (``enter`` or
``exit``), ``profile_id``, ``at`` (ISO 8601) and ``reason`` (what made the evaluation
run: ``event``, ``time``, ``recomputed`` or ``rebuild``); an exit of a profile merged into
another adds ``merged_into``, the id the person lives on as.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import orjson

from persona360.access.signed import webhook_headers
from persona360.retry import backoff
from persona360.store.database import Database, Transaction

if TYPE_CHECKING:
    from persona360.segments.definitions import Segment

log = logging.getLogger(__name__)
CHANGES = ("enter", "exit")
KINDS = ("webhook", "campaign")
BACKOFF_BASE = timedelta(seconds=30)


class CampaignHandoff(Protocol):
    """What a ``campaign`` trigger needs from activation (``ws.activation`` provides it)."""

    def get(self, name: str) -> dict[str, Any]:
        """The campaign named ``name`` (its ``segment`` among the keys); NotFoundError if none."""
        ...

    def send_to(self, name: str, profile_ids: Sequence[int]) -> dict[str, Any]:
        """Queue and send campaign ``name`` to those of ``profile_ids`` it may reach."""
        ...


def add_trigger(
    tx: Transaction,
    segment_id: int,
    url: str | None,
    on: str,
    now: datetime,
    max_attempts: int = 5,
    secret: str | None = None,
    campaign: str | None = None,
) -> tuple[int, str | None]:
    """Register a webhook (``url``) or campaign trigger; return its id and signing secret.

    Raises:
        ValueError: a bad change, url or attempt count, or neither/both of url and campaign.
    """
    if on not in CHANGES:
        raise ValueError(f"a trigger fires on one of {', '.join(CHANGES)}, not {on!r}")
    if (url is None) == (campaign is None):
        raise ValueError("a trigger needs either a webhook url or a campaign name, not both")
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook url {url!r} must start with http:// or https://")
    if not 1 <= max_attempts <= 50:
        raise ValueError(f"max_attempts={max_attempts}: use 1 to 50")
    if url is not None:
        secret = secret or "whsec_" + secrets.token_urlsafe(24)
    row = tx.fetchone("SELECT coalesce(max(trigger_id), 0) + 1 FROM segment_triggers")
    trigger_id = int(row[0])  # type: ignore[index]
    tx.execute(
        "INSERT INTO segment_triggers (trigger_id, segment_id, on_change, kind, url, secret, max_attempts, "
        "created_at, active, campaign) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?)",
        [trigger_id, segment_id, on, "webhook" if url else "campaign", url, secret, max_attempts, now, campaign],
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
    merged = _merged_into(tx, profile_ids) if triggers and change == "exit" else {}
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
                    **({"merged_into": merged[profile_id]} if profile_id in merged else {}),
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


def _merged_into(tx: Transaction, profile_ids: list[int]) -> dict[int, int]:
    """The profiles among ``profile_ids`` merged into another, with the id they live on as.

    Such an exit is no departure: the person goes on under the other id, whose own
    membership the receiver hears of (or already knew). Without ``merged_into`` a
    receiver would drop the person from its list.
    """
    rows = tx.fetchall("SELECT old_id, new_id FROM profile_redirects WHERE old_id IN (SELECT unnest(?))", [profile_ids])
    return {int(old): int(new) for old, new in rows}


def deliver_due(
    db: Database,
    now: datetime,
    client: httpx.Client | None = None,
    limit: int = 500,
    campaigns: CampaignHandoff | None = None,
) -> dict[str, int]:
    """Send every delivery due by ``now``; return counts of delivered, retried, dead."""
    due = db.query_dicts(
        "SELECT d.delivery_id, d.profile_id, d.payload, d.attempts, t.kind, t.url, t.secret, t.campaign, "
        "t.max_attempts FROM trigger_deliveries d JOIN segment_triggers t USING (trigger_id) "
        "WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.delivery_id LIMIT ?",
        [now, limit],
    )
    counts = {"delivered": 0, "retried": 0, "dead": 0}
    if not due:
        return counts
    outcomes = _hand_over([d for d in due if d["kind"] == "campaign"], campaigns)
    own = client is None
    # a client of its own only when asked without one: building one (its TLS context)
    # cost ~40 ms, on every wake of the server's delivery thread
    client = client or httpx.Client(timeout=10)
    try:
        for delivery in due:
            outcome = outcomes.get(delivery["delivery_id"]) or _attempt(client, delivery, now)
            _save(db, delivery, outcome, now)
            counts[outcome[0]] += 1
    finally:
        if own:
            client.close()
    return counts


def _hand_over(due: list[dict[str, Any]], campaigns: CampaignHandoff | None) -> dict[int, tuple[str, str | None]]:
    """Campaign deliveries, one hand-off per campaign: the outcome of each delivery."""
    outcomes: dict[int, tuple[str, str | None]] = {}
    for name in sorted({d["campaign"] for d in due}):
        batch = [d for d in due if d["campaign"] == name]
        try:
            if campaigns is None:
                raise LookupError("no activation room is plugged in to hand campaign triggers to")
            campaigns.send_to(name, [int(d["profile_id"]) for d in batch])
            outcomes.update({d["delivery_id"]: ("delivered", None) for d in batch})
        except Exception as error:  # noqa: BLE001 - any failure of the hand-off is retried, then dead-lettered
            log.exception("handing %d profiles to campaign %r failed", len(batch), name)
            outcomes.update({d["delivery_id"]: _failed(d, f"{type(error).__name__}: {error}") for d in batch})
    return outcomes


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
