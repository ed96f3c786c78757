"""Campaigns: a segment or an event, a template and a channel; sending queues messages.

A segment campaign sends once to each member of its segment. A trigger campaign
(``trigger_event``) is always on: each new event of that name (an ``Order Completed``)
sends it once to the profile holding the event, with the event in the template, from
the campaign's creation on; a segment, if given, narrows it to the segment's members.

``CampaignRun.queue`` takes the candidates (fresh segment members, or new events) and,
a step at a time over all of them: consent (``ws.privacy.may_many`` for the campaign's
purpose on the channel), an address (``ws.privacy.addresses_many``), the frequency cap
(one query over the message log; messages of the same purpose on the same channel
count, so receipts and promotions never use up each other's allowance), the control
draw, timing, rendering, and one transaction that records assignments, messages and a
trigger campaign's watermark.

Timing: a ``transactional`` message goes at once (a receipt does not wait for the
morning); a marketing message waits for the profile's best hour when the campaign
asks for ``send_time`` (see ``send_time.py``), then for the end of quiet hours in the
profile's time zone.

Each step is one query for the whole audience, never one per person: a send to
100,000 members costs about ten database round trips, and rendering runs in a loop
that touches no database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from persona360.activation.outbox import Queued, queue_messages
from persona360.activation.send_time import COMPUTED, at_hour, best_hour, interaction_times
from persona360.activation.templates import Renderer, TemplateContext, TemplateRenderError, TraitValue
from persona360.activation.timing import bucket, quiet_until, zone
from persona360.errors import NotFoundError, Persona360Error

if TYPE_CHECKING:
    from persona360.workspace import Workspace

PURPOSE = "marketing"
PURPOSES = ("marketing", "transactional")
CHANNELS = ("email", "sms", "viber", "webhook")
# Channels that reach a system rather than a person's address: the message names the profile.
ADDRESSLESS = ("webhook",)
# Events a trigger campaign takes in one run (the rest wait for the next run).
TRIGGER_BATCH = 10_000
# Messages a segment campaign renders and commits at a time (delivery starts on the first).
QUEUE_CHUNK = 5_000
# What a queue run counts (and ``campaign_runs`` keeps): candidates, then each reason to skip one.
RUN_COUNTS = ("members", "new", "no_consent", "no_address", "capped", "control", "queued", "deferred", "render_failed")


class CampaignError(ValueError, Persona360Error):
    """A campaign definition is not acceptable."""


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as the user writes it.

    ``trigger_event`` makes it always on (each new event of that name sends it; the
    segment may then be empty); ``purpose`` is what consent is asked for;
    ``send_time`` waits for each profile's best hour.
    """

    name: str
    segment: str
    template: str
    channel: str = "email"
    control_share: float = 0.1
    event: str | None = None
    trigger_event: str | None = None
    purpose: str = PURPOSE
    send_time: bool = False

    def check(self) -> None:
        if not self.name.strip():
            raise CampaignError("campaign name is empty: give it a name")
        if self.channel not in CHANNELS:
            raise CampaignError(f"channel {self.channel!r} is not one of {', '.join(CHANNELS)}")
        if not 0 <= self.control_share < 1:
            raise CampaignError(f"control_share={self.control_share}: use a share from 0 up to (not incl.) 1")
        if self.purpose not in PURPOSES:
            raise CampaignError(f"purpose {self.purpose!r} is not one of {', '.join(PURPOSES)}")
        if self.trigger_event is not None and not self.trigger_event.strip():
            raise CampaignError("trigger_event is empty: name the event that sends the campaign, or leave it out")
        if not self.segment.strip() and self.trigger_event is None:
            raise CampaignError("segment is empty: a campaign needs a segment, or a trigger_event to be always on")
        if self.purpose == "transactional" and self.trigger_event is None:
            raise CampaignError("a transactional campaign answers an event: give trigger_event (e.g. Order Completed)")
        if self.purpose == "transactional" and self.send_time:
            raise CampaignError("send_time delays a message; a transactional message goes at once: drop one of them")
        if self.purpose == "transactional" and self.control_share:
            raise CampaignError("a transactional message is owed to everyone: use control_share=0")


def create_campaign(ws: Workspace, spec: CampaignSpec, renderer: Renderer) -> dict[str, Any]:
    spec.check()
    renderer.check(spec.template)
    if spec.segment.strip():
        ws.segments.get(spec.segment)
    if ws.db.scalar("SELECT count(*) FROM campaigns WHERE name = ?", [spec.name]):
        raise CampaignError(f"a campaign named {spec.name!r} exists: choose another name")
    # a trigger campaign answers events from now on, not every past order
    watermark = ws.profiles.last_seq() if spec.trigger_event else 0
    with ws.db.transaction() as tx:
        row = tx.fetchone("SELECT coalesce(max(campaign_id), 0) + 1 FROM campaigns")
        campaign_id = int(row[0])  # type: ignore[index]
        tx.execute(
            "INSERT INTO campaigns (campaign_id, name, segment, template, channel, control_share, event, created_at, "
            "purpose, trigger_event, trigger_seq, send_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                campaign_id,
                spec.name,
                spec.segment,
                spec.template,
                spec.channel,
                spec.control_share,
                spec.event,
                ws.clock.now(),
                spec.purpose,
                spec.trigger_event,
                watermark,
                spec.send_time,
            ],
        )
    if spec.trigger_event:
        ws.writer.live_changed()  # the server derives its events within moments from now on
    return get_campaign(ws, spec.name)


def get_campaign(ws: Workspace, name: str) -> dict[str, Any]:
    rows = ws.db.query_dicts("SELECT * FROM campaigns WHERE name = ?", [name])
    if not rows:
        raise NotFoundError(f"no campaign named {name!r}; see `persona360 campaigns list`")
    return rows[0]


def refuse_handoff(campaign: dict[str, Any]) -> str:
    """Why a segment trigger cannot hand profiles to an always-on campaign (it answers events, not entries)."""
    return (
        f"campaign {campaign['name']!r} is always on for the event {campaign['trigger_event']!r}: it answers each "
        "such event, not a segment entry; trigger a segment campaign (without trigger_event) instead"
    )


@dataclass(frozen=True)
class Candidate:
    """Someone a run may message: a profile, and for a trigger campaign the event that asks for it."""

    profile_id: int
    event: dict[str, Any] | None = None
    key: str | None = None


class CampaignRun:
    """Queue the messages of one campaign as of ``now``.

    ``only``: consider just these profiles (a segment trigger's hand-off), each if it is
    still a member of the campaign's segment. A segment campaign's messages are rendered
    and committed ``QUEUE_CHUNK`` at a time (each chunk with its assignments, so a crash
    between chunks leaves the rest unassigned, to be sent by the next run), and
    ``on_commit`` is called after each.
    """

    def __init__(
        self,
        ws: Workspace,
        campaign: dict[str, Any],
        renderer: Renderer,
        link: Callable[[int, str], str],
        only: set[int] | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.ws = ws
        self.only = only
        self.on_commit = on_commit  # called after each committed chunk of messages (wakes a delivery)
        self.campaign = campaign
        self.renderer = renderer
        self.link = link
        self.now = ws.clock.now()
        self.purpose = str(campaign.get("purpose") or PURPOSE)
        self.errors: list[str] = []
        self.watermark: int | None = None
        self.counts = dict.fromkeys(RUN_COUNTS, 0)

    @property
    def kind(self) -> str:
        """``event`` (an always-on campaign's run), ``segment_trigger`` (a hand-off) or ``send``."""
        if self.campaign.get("trigger_event"):
            return "event"
        return "send" if self.only is None else "segment_trigger"

    def queue(self) -> dict[str, int]:
        channel = self.campaign["channel"]
        if self.only is not None and self.campaign.get("trigger_event"):
            raise CampaignError(refuse_handoff(self.campaign))
        candidates = self._events() if self.campaign.get("trigger_event") else self._candidates()
        profiles = sorted({c.profile_id for c in candidates})
        allowed = self.ws.privacy.may_many(profiles, self.purpose, channel) if profiles else set()
        consenting = [c for c in candidates if c.profile_id in allowed]
        self.counts["no_consent"] = len(candidates) - len(consenting)
        addresses = self._addresses(sorted({c.profile_id for c in consenting}), channel)
        addressed = [c for c in consenting if c.profile_id in addresses]
        self.counts["no_address"] = len(consenting) - len(addressed)
        within = self._within_cap(addressed, channel)
        self.counts["capped"] = len(addressed) - len(within)
        arms = {c.profile_id: self._draw(c.profile_id) for c in within}
        treated = [c for c in within if arms[c.profile_id][0] == "treatment"]
        self.counts["control"] = len(within) - len(treated)
        # A segment campaign commits its messages a chunk at a time, so delivery can start
        # on the first while the rest render; a trigger campaign's watermark must commit
        # with all of its messages (a crash then neither resends nor skips), so it is one.
        chunks = [treated] if self.watermark is not None else _chunks(treated, QUEUE_CHUNK)
        control = {p: arm for p, arm in arms.items() if arm[0] == "control"}
        for index, chunk in enumerate(chunks):
            messages = self._render(chunk, addresses)
            chunk_arms = (control if index == 0 else {}) | {c.profile_id: arms[c.profile_id] for c in chunk}
            with self.ws.db.transaction() as tx:
                _insert_assignments(tx, self.campaign["campaign_id"], chunk_arms, self.now)
                queue_messages(tx, messages, self.now)
                if index == len(chunks) - 1:
                    self._finish(tx)
            if messages and self.on_commit is not None:
                self.on_commit()
        return self.counts

    def _finish(self, tx: Any) -> None:
        """With the last chunk: the run's counts and a trigger campaign's watermark."""
        if self.counts["members"]:
            _record_run(tx, self.campaign["campaign_id"], self.kind, self.counts, self.now)
        if self.watermark is not None:
            tx.execute(
                "UPDATE campaigns SET trigger_seq = ? WHERE campaign_id = ?",
                [self.watermark, self.campaign["campaign_id"]],
            )

    def _candidates(self) -> list[Candidate]:
        members = self.ws.segments.member_ids(self.campaign["segment"])
        if self.only is not None:
            members = [m for m in members if m in self.only]
        seen = {
            int(r[0])
            for r in self.ws.db.query(
                "SELECT profile_id FROM campaign_assignments WHERE campaign_id = ?", [self.campaign["campaign_id"]]
            )
        }
        self.counts["members"] = len(members)
        fresh = [Candidate(m) for m in members if m not in seen]
        self.counts["new"] = len(fresh)
        if self.only is not None:
            # A trigger hands over one segment entry per profile: a profile that enters
            # again (a second abandoned cart) is sent to again, within the frequency cap,
            # in the arm it was first drawn into (the draw is a hash of campaign and profile).
            return [Candidate(m) for m in members]
        return fresh

    def _events(self) -> list[Candidate]:
        """New events of the trigger campaign since its watermark, each a candidate (one message per event)."""
        after = int(self.campaign.get("trigger_seq") or 0)
        events = self.ws.profiles.events_after(self.campaign["trigger_event"], after, limit=TRIGGER_BATCH)
        if not events:
            return []
        self.watermark = events[-1]["seq"]
        self.counts["members"] = len(events)
        segment = self.campaign["segment"]
        if segment:
            members = set(self.ws.segments.member_ids(segment))
            events = [e for e in events if e["profile_id"] in members]
        self.counts["new"] = len(events)
        return [Candidate(e["profile_id"], e["properties"], e["message_key"]) for e in events]

    def _addresses(self, profile_ids: list[int], channel: str) -> dict[int, str]:
        if channel in ADDRESSLESS:
            return {p: f"profile:{p}" for p in profile_ids}
        found = self.ws.privacy.addresses_many(profile_ids, self.purpose, channel) if profile_ids else {}
        return {p: found[p][0] for p in profile_ids if found.get(p)}

    def _within_cap(self, candidates: list[Candidate], channel: str) -> list[Candidate]:
        """The candidates that keep each profile within ``activation_frequency_cap`` messages in the window.

        Messages of this campaign's purpose on ``channel`` count, those already in the
        log and those this run queues before (two orders in one batch are two messages).
        """
        if not candidates:
            return []
        settings = self.ws.settings
        rows = self.ws.db.query(
            "SELECT m.profile_id, count(*) FROM activation_messages m JOIN campaigns c USING (campaign_id) "
            "WHERE m.profile_id IN (SELECT unnest($ids::BIGINT[])) AND m.channel = $channel "
            "AND coalesce(c.purpose, 'marketing') = $purpose AND m.status IN ('queued', 'failed', 'sent') "
            "AND coalesce(m.sent_at, m.created_at) > $since GROUP BY m.profile_id",
            {
                "ids": sorted({c.profile_id for c in candidates}),
                "channel": channel,
                "purpose": self.purpose,
                "since": self.now - timedelta(hours=settings.activation_frequency_hours),
            },
        )
        used = {int(p): int(n) for p, n in rows}
        kept = []
        for candidate in candidates:
            if used.get(candidate.profile_id, 0) < settings.activation_frequency_cap:
                used[candidate.profile_id] = used.get(candidate.profile_id, 0) + 1
                kept.append(candidate)
        return kept

    def _draw(self, profile_id: int) -> tuple[str, float]:
        draw = bucket(self.campaign["name"], profile_id)
        return ("control" if draw < self.campaign["control_share"] else "treatment"), draw

    def _render(self, candidates: list[Candidate], addresses: dict[int, str]) -> list[Queued]:
        if not candidates:
            return []
        profile_ids = sorted({c.profile_id for c in candidates})
        traits = self.ws.profiles.shown_traits_many(profile_ids)
        computed = self.ws.segments.computed_many(profile_ids)
        event = self.campaign["event"]
        events = self.ws.profiles.latest_properties_many(profile_ids, event) if event else {}
        opened = interaction_times(self.ws.db, profile_ids, self.now) if self.campaign.get("send_time") else {}
        first_id = int(self.ws.db.scalar("SELECT coalesce(max(message_id), 0) FROM activation_messages")) + 1
        messages = []
        for message_id, candidate in enumerate(candidates, start=first_id):
            profile_id = candidate.profile_id
            raw = traits.get(profile_id, {})
            ctx = TemplateContext(
                profile_id,
                {name: TraitValue.shown(t) for name, t in raw.items()},
                computed.get(profile_id, {}),
                candidate.event if candidate.event is not None else events.get(profile_id, {}),
                functools.partial(self.link, message_id),
            )
            try:
                rendered = self.renderer.render(self.campaign["template"], ctx)
            except TemplateRenderError as error:
                self.counts["render_failed"] += 1
                self.errors.append(str(error))
                continue
            zone_name = str(raw.get("timezone", {}).get("value") or "")
            best = computed.get(profile_id, {}).get(COMPUTED)
            due = self._due(zone_name, opened.get(profile_id, []), best)
            self.counts["deferred" if due > self.now else "queued"] += 1
            messages.append(
                Queued(
                    message_id,
                    self.campaign["campaign_id"],
                    profile_id,
                    self.campaign["channel"],
                    addresses[profile_id],
                    rendered.subject,
                    rendered.text,
                    rendered.traits_used,
                    due,
                    candidate.key,
                )
            )
        return messages

    def _due(self, zone_name: str, opened: list[datetime], computed_hour: object) -> datetime:
        """When the message should go: at once (transactional), else the best hour, then after quiet hours."""
        if self.purpose == "transactional":
            return self.now
        settings = self.ws.settings
        tz = zone(zone_name, settings.activation_default_timezone)
        at = self.now
        if self.campaign.get("send_time"):
            hour = best_hour(opened, tz, computed_hour, self.now)
            if hour is not None:
                at = at_hour(self.now, tz, hour)
        start, end = settings.activation_quiet_hours
        return _quiet_until(at, zone_name, settings.activation_default_timezone, start, end) or at


@functools.lru_cache(maxsize=1024)
def _quiet_until(now: datetime, timezone: str, default: str, start: int, end: int) -> datetime | None:
    """:func:`quiet_until` per (time, zone): a send run asks it once per zone, not per person."""
    return quiet_until(now, zone(timezone, default), (start, end))


def _record_run(tx: Any, campaign_id: int, kind: str, counts: dict[str, int], now: datetime) -> None:
    """One ``campaign_runs`` row: what this run did with its candidates, skipped ones by reason."""
    tx.execute(
        f"INSERT INTO campaign_runs (campaign_id, ran_at, kind, {', '.join(RUN_COUNTS)}) "
        f"VALUES (?, ?, ?, {', '.join('?' * len(RUN_COUNTS))})",
        [campaign_id, now, kind, *(counts[name] for name in RUN_COUNTS)],
    )


def _chunks(items: list[Candidate], size: int) -> list[list[Candidate]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


def _insert_assignments(tx: Any, campaign_id: int, arms: dict[int, tuple[str, float]], now: datetime) -> None:
    if not arms:
        return
    table = pa.table(
        {
            "profile_id": pa.array(list(arms), pa.int64()),
            "arm": pa.array([arm for arm, _ in arms.values()], pa.string()),
            "bucket": pa.array([draw for _, draw in arms.values()], pa.float64()),
        }
    )
    tx.register("__p360__assignments", table)
    tx.execute(
        # a trigger campaign meets the same profile again: its first draw stands
        "INSERT OR IGNORE INTO campaign_assignments SELECT $c, profile_id, arm, bucket, $now FROM __p360__assignments",
        {"c": campaign_id, "now": now},
    )
