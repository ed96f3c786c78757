"""Campaigns: a segment, a template and a channel; sending queues one message per person.

``CampaignRun.queue`` takes the segment's current members who have no assignment yet
in this campaign and, a step at a time over all of them: consent
(``ws.privacy.may_many`` for purpose ``marketing`` on the channel), an address
(``ws.privacy.addresses_many``), the frequency cap (one query over the message log),
the control draw, quiet hours in the profile's time zone (the message waits for their
end), rendering, and one transaction that records assignments and messages.

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
from persona360.activation.templates import Renderer, TemplateContext, TemplateRenderError, TraitValue
from persona360.activation.timing import bucket, quiet_until, zone
from persona360.errors import NotFoundError, Persona360Error

if TYPE_CHECKING:
    from persona360.workspace import Workspace

PURPOSE = "marketing"
CHANNELS = ("email", "sms", "viber", "webhook")
# Channels that reach a system rather than a person's address: the message names the profile.
ADDRESSLESS = ("webhook",)


class CampaignError(ValueError, Persona360Error):
    """A campaign definition is not acceptable."""


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as the user writes it."""

    name: str
    segment: str
    template: str
    channel: str = "email"
    control_share: float = 0.1
    event: str | None = None

    def check(self) -> None:
        if not self.name.strip():
            raise CampaignError("campaign name is empty: give it a name")
        if self.channel not in CHANNELS:
            raise CampaignError(f"channel {self.channel!r} is not one of {', '.join(CHANNELS)}")
        if not 0 <= self.control_share < 1:
            raise CampaignError(f"control_share={self.control_share}: use a share from 0 up to (not incl.) 1")


def create_campaign(ws: Workspace, spec: CampaignSpec, renderer: Renderer) -> dict[str, Any]:
    spec.check()
    renderer.check(spec.template)
    ws.segments.get(spec.segment)
    if ws.db.scalar("SELECT count(*) FROM campaigns WHERE name = ?", [spec.name]):
        raise CampaignError(f"a campaign named {spec.name!r} exists: choose another name")
    with ws.db.transaction() as tx:
        row = tx.fetchone("SELECT coalesce(max(campaign_id), 0) + 1 FROM campaigns")
        campaign_id = int(row[0])  # type: ignore[index]
        tx.execute(
            "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                campaign_id,
                spec.name,
                spec.segment,
                spec.template,
                spec.channel,
                spec.control_share,
                spec.event,
                ws.clock.now(),
            ],
        )
    return get_campaign(ws, spec.name)


def get_campaign(ws: Workspace, name: str) -> dict[str, Any]:
    rows = ws.db.query_dicts("SELECT * FROM campaigns WHERE name = ?", [name])
    if not rows:
        raise NotFoundError(f"no campaign named {name!r}; see `persona360 campaigns list`")
    return rows[0]


class CampaignRun:
    """Queue the messages of one campaign as of ``now``.

    ``only``: consider just these profiles (a segment trigger's hand-off), each if it is
    still a member of the campaign's segment.
    """

    def __init__(
        self,
        ws: Workspace,
        campaign: dict[str, Any],
        renderer: Renderer,
        link: Callable[[int, str], str],
        only: set[int] | None = None,
    ) -> None:
        self.ws = ws
        self.only = only
        self.campaign = campaign
        self.renderer = renderer
        self.link = link
        self.now = ws.clock.now()
        self.errors: list[str] = []
        self.counts = dict.fromkeys(
            ("members", "new", "no_consent", "no_address", "capped", "control", "queued", "deferred", "render_failed"),
            0,
        )

    def queue(self) -> dict[str, int]:
        channel = self.campaign["channel"]
        candidates = self._candidates()
        allowed = self.ws.privacy.may_many(candidates, PURPOSE, channel) if candidates else set()
        consenting = [p for p in candidates if p in allowed]
        self.counts["no_consent"] = len(candidates) - len(consenting)
        addresses = self._addresses(consenting, channel)
        self.counts["no_address"] = len(consenting) - len(addresses)
        capped = self._capped(list(addresses), channel)
        self.counts["capped"] = len(capped)
        arms = {p: self._draw(p) for p in addresses if p not in capped}
        treated = [p for p, (arm, _) in arms.items() if arm == "treatment"]
        self.counts["control"] = len(arms) - len(treated)
        messages = self._render(treated, addresses)
        with self.ws.db.transaction() as tx:
            _insert_assignments(tx, self.campaign["campaign_id"], arms, self.now)
            queue_messages(tx, messages, self.now)
        return self.counts

    def _candidates(self) -> list[int]:
        members = self.ws.segments.members(self.campaign["segment"], limit=10_000_000)["members"]
        if self.only is not None:
            members = [m for m in members if int(m["profile_id"]) in self.only]
        seen = {
            int(r[0])
            for r in self.ws.db.query(
                "SELECT profile_id FROM campaign_assignments WHERE campaign_id = ?", [self.campaign["campaign_id"]]
            )
        }
        self.counts["members"] = len(members)
        fresh = [int(m["profile_id"]) for m in members if int(m["profile_id"]) not in seen]
        self.counts["new"] = len(fresh)
        if self.only is not None:
            # A trigger hands over one segment entry per profile: a profile that enters
            # again (a second abandoned cart) is sent to again, within the frequency cap,
            # in the arm it was first drawn into (the draw is a hash of campaign and profile).
            return [int(m["profile_id"]) for m in members]
        return fresh

    def _addresses(self, profile_ids: list[int], channel: str) -> dict[int, str]:
        if channel in ADDRESSLESS:
            return {p: f"profile:{p}" for p in profile_ids}
        found = self.ws.privacy.addresses_many(profile_ids, PURPOSE, channel) if profile_ids else {}
        return {p: found[p][0] for p in profile_ids if found.get(p)}

    def _capped(self, profile_ids: list[int], channel: str) -> set[int]:
        """The profiles that already had ``activation_frequency_cap`` messages on ``channel`` in the window."""
        if not profile_ids:
            return set()
        settings = self.ws.settings
        rows = self.ws.db.query(
            "SELECT profile_id FROM activation_messages WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) "
            "AND channel = $channel AND status IN ('queued', 'failed', 'sent') "
            "AND coalesce(sent_at, created_at) > $since GROUP BY profile_id HAVING count(*) >= $cap",
            {
                "ids": profile_ids,
                "channel": channel,
                "since": self.now - timedelta(hours=settings.activation_frequency_hours),
                "cap": settings.activation_frequency_cap,
            },
        )
        return {int(row[0]) for row in rows}

    def _draw(self, profile_id: int) -> tuple[str, float]:
        draw = bucket(self.campaign["name"], profile_id)
        return ("control" if draw < self.campaign["control_share"] else "treatment"), draw

    def _render(self, profile_ids: list[int], addresses: dict[int, str]) -> list[Queued]:
        if not profile_ids:
            return []
        traits = self.ws.profiles.shown_traits_many(profile_ids)
        computed = self.ws.segments.computed_many(profile_ids)
        event = self.campaign["event"]
        events = self.ws.profiles.latest_properties_many(profile_ids, event) if event else {}
        first_id = int(self.ws.db.scalar("SELECT coalesce(max(message_id), 0) FROM activation_messages")) + 1
        messages = []
        for message_id, profile_id in enumerate(profile_ids, start=first_id):
            raw = traits.get(profile_id, {})
            ctx = TemplateContext(
                profile_id,
                {name: TraitValue.shown(t) for name, t in raw.items()},
                computed.get(profile_id, {}),
                events.get(profile_id, {}),
                functools.partial(self.link, message_id),
            )
            queued = self._one(ctx, message_id, addresses[profile_id], raw.get("timezone", {}).get("value"))
            if queued is not None:
                messages.append(queued)
        return messages

    def _one(self, ctx: TemplateContext, message_id: int, address: str, timezone: object) -> Queued | None:
        try:
            rendered = self.renderer.render(self.campaign["template"], ctx)
        except TemplateRenderError as error:
            self.counts["render_failed"] += 1
            self.errors.append(str(error))
            return None
        settings = self.ws.settings
        quiet = settings.activation_quiet_hours
        wake = _quiet_until(self.now, str(timezone or ""), settings.activation_default_timezone, quiet[0], quiet[1])
        self.counts["deferred" if wake else "queued"] += 1
        return Queued(
            message_id,
            self.campaign["campaign_id"],
            ctx.profile_id,
            self.campaign["channel"],
            address,
            rendered.subject,
            rendered.text,
            rendered.traits_used,
            wake or self.now,
        )


@functools.lru_cache(maxsize=1024)
def _quiet_until(now: datetime, timezone: str, default: str, start: int, end: int) -> datetime | None:
    """:func:`quiet_until` per (time, zone): a send run asks it once per zone, not per person."""
    return quiet_until(now, zone(timezone, default), (start, end))


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
        # OR IGNORE: a trigger's re-entry keeps the first assignment (attribution counts from it)
        "INSERT OR IGNORE INTO campaign_assignments SELECT $c, profile_id, arm, bucket, $now FROM __p360__assignments",
        {"c": campaign_id, "now": now},
    )
    tx.unregister("__p360__assignments")
