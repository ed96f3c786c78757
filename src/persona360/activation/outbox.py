"""The message log: every message queued, sent, retried with backoff, or dead-lettered.

Statuses: ``queued`` (due at ``next_attempt_at``; later than now during quiet hours),
``failed`` (a retry is due at ``next_attempt_at``), ``sent``, ``dead`` (gave up after
``max_attempts`` or a permanent failure) and ``cancelled`` (consent was withdrawn
before the message went out).

Throughput comes from doing the database work per batch, not per message: messages
are inserted with one statement per send run, and a delivery run reads what is due
and re-checks consent in one query each, hands the messages to the channel over one
reused connection, and writes the outcomes back ``BATCH`` at a time in one statement.
A crash in the middle of a batch leaves its messages due, so they go out again
(at least once, never lost).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from persona360.activation.channels.base import CanSendMany, Channel, Message, RateLimiter, SendResult
from persona360.retry import backoff
from persona360.store.database import Database, Transaction

BACKOFF_BASE = timedelta(minutes=1)
BATCH = 1000
RETRYABLE = ("queued", "failed")
_URL = re.compile(r"https?://[^\s<>\"]+")
_TS = pa.timestamp("us", "UTC")


@dataclass(frozen=True)
class Queued:
    """A rendered message to put in the log."""

    message_id: int
    campaign_id: int
    profile_id: int
    channel: str
    address: str
    subject: str
    body: str
    traits_used: list[str]
    due_at: datetime
    trigger_key: str | None = None  # the message key of the event that asked for it (trigger campaigns)


def queue_messages(tx: Transaction, messages: list[Queued], now: datetime) -> None:
    """Insert rendered messages as ``queued``, in one statement."""
    if not messages:
        return
    table = pa.table(
        {
            "message_id": pa.array([m.message_id for m in messages], pa.int64()),
            "campaign_id": pa.array([m.campaign_id for m in messages], pa.int32()),
            "profile_id": pa.array([m.profile_id for m in messages], pa.int64()),
            "channel": pa.array([m.channel for m in messages], pa.string()),
            "address": pa.array([m.address for m in messages], pa.string()),
            "subject": pa.array([m.subject for m in messages], pa.string()),
            "body": pa.array([m.body for m in messages], pa.string()),
            "traits_used": pa.array([m.traits_used for m in messages], pa.list_(pa.string())),
            "due_at": pa.array([m.due_at for m in messages], _TS),
            "trigger_key": pa.array([m.trigger_key for m in messages], pa.string()),
        }
    )
    tx.register("__p360__outbox", table)
    tx.execute(
        "INSERT INTO activation_messages (message_id, campaign_id, profile_id, channel, address, subject, body, "
        "traits_used, status, attempts, error, created_at, next_attempt_at, sent_at, updated_at, trigger_key) "
        "SELECT message_id, campaign_id, profile_id, channel, address, subject, body, traits_used, 'queued', 0, "
        "NULL, $now, due_at, NULL, $now, trigger_key FROM __p360__outbox",
        {"now": now},
    )


def to_html(text: str, pixel_url: str | None) -> str:
    """The HTML part: the text with clickable links, and the open pixel.

    A line of the text stays a line of the HTML (``<br>`` then a line break), so the
    part can go as 8-bit text with short lines instead of base64.
    """
    escaped = html.escape(text)
    linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    paragraphs = "\n".join(f"<p>{p.replace(chr(10), '<br>' + chr(10))}</p>" for p in linked.split("\n\n"))
    pixel = f'\n<img src="{html.escape(pixel_url)}" width="1" height="1" alt="">' if pixel_url else ""
    return f"<html><body>\n{paragraphs}{pixel}\n</body></html>"


@dataclass(frozen=True)
class Outcome:
    """What one attempt did to one message."""

    message_id: int
    status: str
    attempts: int
    error: str | None
    due: datetime | None
    provider_id: str | None = None


@dataclass
class Delivery:
    """One run of sending what is due on one channel.

    ``channels`` are instances of the same channel, one per connection: a batch is
    dealt out among them and sent on as many threads, so one connection's wait for
    its server's answer does not hold the others (SMTP costs four round trips a
    message). ``allowed`` answers, for a purpose and a list of profile ids, which ones
    may still be messaged for it (one consent query per purpose for the whole run).
    """

    db: Database
    channels: list[Channel]
    limiter: RateLimiter
    max_attempts: int
    allowed: Callable[[str, list[int]], set[int]]
    pixel: Callable[[int], str | None]

    def run(self, now: datetime, limit: int = 100_000) -> dict[str, int]:
        counts = {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}
        try:
            due = self._due(now, limit)
            allowed = self._consenting(due)
            for start in range(0, len(due), BATCH):
                outcomes = self._send(due[start : start + BATCH], now, allowed)
                self._save(outcomes, now)
                for outcome in outcomes:
                    counts[_COUNTED[outcome.status]] += 1
        finally:
            for channel in self.channels:
                channel.close()
        return counts

    def _send(self, rows: list[dict[str, Any]], now: datetime, allowed: set[tuple[str, int]]) -> list[Outcome]:
        def stripe(index: int) -> list[Outcome]:
            return self._stripe(self.channels[index], rows[index :: len(self.channels)], now, allowed)

        if len(self.channels) == 1 or len(rows) < 2:
            return self._stripe(self.channels[0], rows, now, allowed)
        with ThreadPoolExecutor(len(self.channels), thread_name_prefix="p360-send") as pool:
            return [outcome for part in pool.map(stripe, range(len(self.channels))) for outcome in part]

    def _due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return self.db.query_dicts(
            "SELECT m.message_id, m.profile_id, m.address, m.subject, m.body, m.attempts, "
            "coalesce(c.purpose, 'marketing') AS purpose "
            "FROM activation_messages m JOIN campaigns c USING (campaign_id) "
            "WHERE m.channel = ? AND m.status IN ('queued', 'failed') AND m.next_attempt_at <= ? "
            "ORDER BY m.next_attempt_at, m.message_id LIMIT ?",
            [self.channels[0].name, now, limit],
        )

    def _consenting(self, due: list[dict[str, Any]]) -> set[tuple[str, int]]:
        """(purpose, profile) pairs whose consent still holds: a withdrawal since queueing cancels the message."""
        by_purpose: dict[str, set[int]] = {}
        for row in due:
            by_purpose.setdefault(row["purpose"], set()).add(row["profile_id"])
        return {(purpose, p) for purpose, ids in by_purpose.items() for p in self.allowed(purpose, sorted(ids))}

    def _stripe(
        self, channel: Channel, rows: list[dict[str, Any]], now: datetime, allowed: set[tuple[str, int]]
    ) -> list[Outcome]:
        """Send ``rows`` over one connection: together when the channel can (pipelined SMTP), else one by one."""
        if not isinstance(channel, CanSendMany):
            return [self._one(channel, row, now, allowed) for row in rows]
        going = [row for row in rows if (row["purpose"], row["profile_id"]) in allowed]
        results = channel.send_many([self._message(channel, row) for row in going], self.limiter.wait)
        outcomes = [self._judge(row, result, now) for row, result in zip(going, results, strict=True)]
        return outcomes + [_cancelled(row) for row in rows if (row["purpose"], row["profile_id"]) not in allowed]

    def _one(self, channel: Channel, row: dict[str, Any], now: datetime, allowed: set[tuple[str, int]]) -> Outcome:
        if (row["purpose"], row["profile_id"]) not in allowed:
            return _cancelled(row)
        self.limiter.wait()
        return self._judge(row, channel.send(self._message(channel, row)), now)

    def _message(self, channel: Channel, row: dict[str, Any]) -> Message:
        text = row["body"]
        html_part = to_html(text, self.pixel(row["message_id"])) if channel.name == "email" else None
        return Message(row["message_id"], row["address"], row["subject"], text, html_part, row["profile_id"])

    def _judge(self, row: dict[str, Any], result: SendResult, now: datetime) -> Outcome:
        attempts = row["attempts"] + 1
        if result.ok:
            return Outcome(row["message_id"], "sent", attempts, None, None, result.provider_id)
        if result.permanent or attempts >= self.max_attempts:
            return Outcome(row["message_id"], "dead", attempts, result.error, None)
        return Outcome(row["message_id"], "failed", attempts, result.error, now + backoff(attempts, BACKOFF_BASE))

    def _save(self, outcomes: Iterable[Outcome], now: datetime) -> None:
        rows = list(outcomes)
        if not rows:
            return
        table = pa.table(
            {
                "message_id": pa.array([o.message_id for o in rows], pa.int64()),
                "status": pa.array([o.status for o in rows], pa.string()),
                "attempts": pa.array([o.attempts for o in rows], pa.int32()),
                "error": pa.array([o.error for o in rows], pa.string()),
                "due": pa.array([o.due for o in rows], _TS),
                "provider_id": pa.array([o.provider_id for o in rows], pa.string()),
            }
        )
        with self.db.transaction() as tx:
            tx.register("__p360__outcomes", table)
            tx.execute(_SAVE_SQL, {"now": now})


def _cancelled(row: dict[str, Any]) -> Outcome:
    return Outcome(row["message_id"], "cancelled", row["attempts"], "consent withdrawn", None)


_COUNTED = {"sent": "sent", "failed": "retried", "dead": "dead", "cancelled": "cancelled"}

_SAVE_SQL = """
UPDATE activation_messages AS m SET status = o.status, attempts = o.attempts, error = o.error,
    next_attempt_at = o.due, provider_id = coalesce(o.provider_id, m.provider_id),
    sent_at = CASE WHEN o.status = 'sent' THEN $now ELSE m.sent_at END, updated_at = $now
FROM __p360__outcomes o WHERE m.message_id = o.message_id
"""
