"""The message log: every message queued, sent, retried with backoff, or dead-lettered.

Statuses: ``queued`` (due at ``next_attempt_at``; later than now during quiet hours),
``failed`` (a retry is due at ``next_attempt_at``), ``sent``, ``dead`` (gave up after
``max_attempts`` or a permanent failure) and ``cancelled`` (consent was withdrawn
before the message went out).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from persona360.activation.channels.base import Channel, Message, RateLimiter
from persona360.store.database import Database, Transaction

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
RETRYABLE = ("queued", "failed")
_URL = re.compile(r"https?://[^\s<>\"]+")


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


def queue_message(tx: Transaction, msg: Queued, now: datetime) -> None:
    tx.execute(
        "INSERT INTO activation_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, NULL, ?, ?, NULL, ?)",
        [
            msg.message_id,
            msg.campaign_id,
            msg.profile_id,
            msg.channel,
            msg.address,
            msg.subject,
            msg.body,
            msg.traits_used,
            now,
            msg.due_at,
            now,
        ],
    )


def backoff(attempts: int) -> timedelta:
    """The wait before retry number ``attempts`` (1 minute, doubling, at most 6 hours)."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def to_html(text: str, pixel_url: str | None) -> str:
    """The HTML part: the text with clickable links, and the open pixel."""
    escaped = html.escape(text)
    linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in linked.split("\n\n"))
    pixel = f'<img src="{html.escape(pixel_url)}" width="1" height="1" alt="">' if pixel_url else ""
    return f"<html><body>{paragraphs}{pixel}</body></html>"


@dataclass
class Delivery:
    """One run of sending what is due on one channel."""

    db: Database
    channel: Channel
    limiter: RateLimiter
    max_attempts: int
    allowed: Callable[[int], bool]
    pixel: Callable[[int], str | None]

    def run(self, now: datetime, limit: int = 10_000) -> dict[str, int]:
        counts = {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}
        try:
            for row in self._due(now, limit):
                counts[self._one(row, now)] += 1
        finally:
            self.channel.close()
        return counts

    def _due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return self.db.query_dicts(
            "SELECT message_id, profile_id, address, subject, body, attempts FROM activation_messages "
            "WHERE channel = ? AND status IN ('queued', 'failed') AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at, message_id LIMIT ?",
            [self.channel.name, now, limit],
        )

    def _one(self, row: dict[str, Any], now: datetime) -> str:
        if not self.allowed(row["profile_id"]):
            self._set(row["message_id"], "cancelled", row["attempts"], "consent withdrawn", now, None)
            return "cancelled"
        self.limiter.wait()
        text = row["body"]
        message = Message(
            row["message_id"], row["address"], row["subject"], text, to_html(text, self.pixel(row["message_id"]))
        )
        result = self.channel.send(message)
        attempts = row["attempts"] + 1
        if result.ok:
            self._set(row["message_id"], "sent", attempts, None, now, None, sent=True)
            return "sent"
        if result.permanent or attempts >= self.max_attempts:
            self._set(row["message_id"], "dead", attempts, result.error, now, None)
            return "dead"
        self._set(row["message_id"], "failed", attempts, result.error, now, now + backoff(attempts))
        return "retried"

    def _set(
        self,
        message_id: int,
        status: str,
        attempts: int,
        error: str | None,
        now: datetime,
        due: datetime | None,
        *,
        sent: bool = False,
    ) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE activation_messages SET status = ?, attempts = ?, error = ?, next_attempt_at = ?, "
                "sent_at = CASE WHEN ? THEN ? ELSE sent_at END, updated_at = ? WHERE message_id = ?",
                [status, attempts, error, due, sent, now, now, message_id],
            )
