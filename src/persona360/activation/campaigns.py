"""Campaigns: a segment, a template and a channel; sending queues one message per person.

``queue_campaign`` walks the segment's current members who have no assignment yet in
this campaign, and for each: consent (``ws.privacy.may_many`` for purpose
``marketing``), an address (``ws.privacy.addresses``), the frequency cap, the control
draw (recorded in ``campaign_assignments``), quiet hours in the profile's time zone
(the message is queued for the end of them), then renders and queues the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from persona360.activation.outbox import Queued, queue_message
from persona360.activation.templates import Renderer, TemplateContext, TemplateRenderError, TraitValue
from persona360.activation.timing import bucket, quiet_until, zone
from persona360.errors import NotFoundError, Persona360Error

if TYPE_CHECKING:
    from persona360.workspace import Workspace

PURPOSE = "marketing"
CHANNELS = ("email",)


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
        self, ws: Workspace, campaign: dict[str, Any], renderer: Renderer, link: Any, only: set[int] | None = None
    ) -> None:
        self.ws = ws
        self.only = only
        self.campaign = campaign
        self.renderer = renderer
        self.link = link
        self.now = ws.clock.now()
        self.errors: list[str] = []
        self._last_id: int | None = None
        self.counts = dict.fromkeys(
            ("members", "new", "no_consent", "no_address", "capped", "control", "queued", "deferred", "render_failed"),
            0,
        )

    def queue(self) -> dict[str, int]:
        candidates = self._candidates()
        allowed = self.ws.privacy.may_many(candidates, PURPOSE, self.campaign["channel"]) if candidates else set()
        self.counts["no_consent"] = len(candidates) - len(allowed & set(candidates))
        for profile_id in candidates:
            if profile_id in allowed:
                self._one(profile_id)
        return self.counts

    def _candidates(self) -> list[int]:
        members = self._members()
        seen = {
            int(r[0])
            for r in self.ws.db.query(
                "SELECT profile_id FROM campaign_assignments WHERE campaign_id = ?", [self.campaign["campaign_id"]]
            )
        }
        self.counts["members"] = len(members)
        fresh = [profile_id for profile_id in members if profile_id not in seen]
        self.counts["new"] = len(fresh)
        return fresh

    def _members(self) -> list[int]:
        segment = self.campaign["segment"]
        if self.only is None:
            return [int(m["profile_id"]) for m in self.ws.segments.members(segment, limit=10_000_000)["members"]]
        member_of = self.ws.segments.of_profile
        return [p for p in sorted(self.only) if any(s["name"] == segment for s in member_of(p))]

    def _one(self, profile_id: int) -> None:
        channel = self.campaign["channel"]
        addresses = self.ws.privacy.addresses(profile_id, PURPOSE, channel)
        if not addresses:
            self.counts["no_address"] += 1
            return
        if self._capped(profile_id, channel):
            self.counts["capped"] += 1
            return
        draw = bucket(self.campaign["name"], profile_id)
        arm = "control" if draw < self.campaign["control_share"] else "treatment"
        with self.ws.db.transaction() as tx:
            tx.execute(
                "INSERT INTO campaign_assignments VALUES (?, ?, ?, ?, ?)",
                [self.campaign["campaign_id"], profile_id, arm, draw, self.now],
            )
        if arm == "control":
            self.counts["control"] += 1
            return
        self._queue(profile_id, addresses[0])

    def _capped(self, profile_id: int, channel: str) -> bool:
        settings = self.ws.settings
        since = self.now - timedelta(hours=settings.activation_frequency_hours)
        recent = self.ws.db.scalar(
            "SELECT count(*) FROM activation_messages WHERE profile_id = ? AND channel = ? "
            "AND status IN ('queued', 'failed', 'sent') AND coalesce(sent_at, created_at) > ?",
            [profile_id, channel, since],
        )
        return int(recent) >= settings.activation_frequency_cap

    def _queue(self, profile_id: int, address: str) -> None:
        raw = self.ws.profiles.traits(profile_id, now=self.now)
        traits = {name: TraitValue(t["value"], t["observed_at"], t["confidence"]) for name, t in raw.items()}
        message_id = self._next_id()
        ctx = TemplateContext(
            profile_id,
            traits,
            self.ws.segments.computed_of(profile_id),
            self._event(profile_id),
            lambda url: self.link(message_id, url),
        )
        try:
            rendered = self.renderer.render(self.campaign["template"], ctx)
        except TemplateRenderError as error:
            self.counts["render_failed"] += 1
            self.errors.append(str(error))
            return
        tz = zone(raw.get("timezone", {}).get("value"), self.ws.settings.activation_default_timezone)
        quiet = self.ws.settings.activation_quiet_hours
        wake = quiet_until(self.now, tz, (quiet[0], quiet[1]))
        self.counts["deferred" if wake else "queued"] += 1
        queued = Queued(
            message_id,
            self.campaign["campaign_id"],
            profile_id,
            self.campaign["channel"],
            address,
            rendered.subject,
            rendered.text,
            rendered.traits_used,
            wake or self.now,
        )
        with self.ws.db.transaction() as tx:
            queue_message(tx, queued, self.now)

    def _next_id(self) -> int:
        if self._last_id is None:
            self._last_id = int(self.ws.db.scalar("SELECT coalesce(max(message_id), 0) FROM activation_messages"))
        self._last_id += 1
        return self._last_id

    def _event(self, profile_id: int) -> dict[str, Any]:
        if not self.campaign["event"]:
            return {}
        events = self.ws.profiles.timeline(profile_id, limit=1, event_type=self.campaign["event"])["events"]
        return dict(events[0]["properties"]) if events else {}
