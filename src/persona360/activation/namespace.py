"""``ws.activation``: templates, campaigns, sending, tracking and reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from persona360.activation.attribution import campaign_report
from persona360.activation.campaigns import PURPOSE, CampaignRun, CampaignSpec, create_campaign, get_campaign
from persona360.activation.channels.base import Channel, RateLimiter
from persona360.activation.channels.smtp import SmtpChannel, SmtpConfig
from persona360.activation.links import click_url, open_url, read_token
from persona360.activation.outbox import Delivery
from persona360.activation.templates import Freshness, Renderer, RenderResult, TemplateContext, TraitValue

if TYPE_CHECKING:
    from persona360.workspace import Workspace


class ActivationAPI:
    """Templates, campaigns and their results for one workspace.

    Channels are built on demand from settings; ``channel_factories`` maps a channel
    name to a zero-argument factory, so a plugin (or a test) can add one.
    """

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self.channel_factories: dict[str, Callable[[], Channel]] = {"email": self._smtp}

    def renderer(self) -> Renderer:
        """A renderer with the workspace's locale, currency and freshness rule, as of now."""
        s = self._ws.settings
        freshness = Freshness(
            self._ws.clock.now(), timedelta(days=s.activation_stale_after_days), s.activation_min_confidence
        )
        return Renderer(s.activation_locale, s.revenue_currency, freshness)

    def preview(self, template: str, profile_id: int, event: dict[str, Any] | None = None) -> RenderResult:
        """Render ``template`` (the file's text) for one profile, without tracking links.

        Raises:
            TemplateRenderError: the template does not parse or names something undefined.
            NotFoundError: no such profile.
        """
        profile_id = self._ws.profiles.resolve(profile_id)
        raw = self._ws.profiles.traits(profile_id, now=self._ws.clock.now())
        traits = {n: TraitValue(t["value"], t["observed_at"], t["confidence"]) for n, t in raw.items()}
        ctx = TemplateContext(profile_id, traits, self._ws.segments.computed_of(profile_id), event or {})
        return self.renderer().render(template, ctx)

    def create(self, spec: CampaignSpec) -> dict[str, Any]:
        """Save a campaign (checks the template parses and the segment exists)."""
        return create_campaign(self._ws, spec, self.renderer())

    def get(self, name: str) -> dict[str, Any]:
        """One campaign by name."""
        return get_campaign(self._ws, name)

    def list(self) -> list[dict[str, Any]]:
        """Every campaign, oldest first."""
        return self._ws.db.query_dicts(
            "SELECT campaign_id, name, segment, channel, control_share, event, created_at FROM campaigns "
            "ORDER BY campaign_id"
        )

    def send(self, name: str) -> dict[str, Any]:
        """Queue messages for new members of the campaign's segment, then send what is due."""
        return self._run(name, None, "campaign.send")

    def send_to(self, name: str, profile_ids: Sequence[int]) -> dict[str, Any]:
        """Send the campaign to these profiles now: a segment trigger's hand-off.

        The same path as :meth:`send` (consent, address, cap, control draw, quiet hours),
        for those of ``profile_ids`` that are members of the campaign's segment and were
        never assigned in it; then sends what is due.

        Raises:
            NotFoundError: no campaign named ``name``.
        """
        return self._run(name, set(profile_ids), "campaign.trigger")

    def _run(self, name: str, only: set[int] | None, action: str) -> dict[str, Any]:
        campaign = self.get(name)
        run = CampaignRun(self._ws, campaign, self.renderer(), self._link, only)
        counts: dict[str, Any] = dict(run.queue())
        counts.update(self.deliver_due(campaign["channel"]))
        counts["errors"] = run.errors[:10]
        self._audit(action, name, counts)
        return counts

    def deliver_due(self, channel: str = "email") -> dict[str, int]:
        """Send (or retry) every message on ``channel`` whose time has come."""
        s = self._ws.settings
        delivery = Delivery(
            self._ws.db,
            self.channel_factories[channel](),
            RateLimiter(s.activation_rate_per_second),
            s.activation_max_attempts,
            lambda profile_id: self._ws.privacy.may(profile_id, PURPOSE, channel),
            self._pixel,
        )
        return delivery.run(self._ws.clock.now())

    def messages(self, name: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """The message log, optionally for one campaign and one status."""
        campaign_id = self.get(name)["campaign_id"] if name else None
        return self._ws.db.query_dicts(
            "SELECT * EXCLUDE (body) FROM activation_messages WHERE ($c IS NULL OR campaign_id = $c) "
            "AND ($s IS NULL OR status = $s) ORDER BY message_id",
            {"c": campaign_id, "s": status},
        )

    def body(self, message_id: int) -> str:
        """The rendered text of one message."""
        return str(self._ws.db.scalar("SELECT body FROM activation_messages WHERE message_id = ?", [message_id]))

    def track(self, token: str, kind: str) -> str | None:
        """Record an ``open`` or ``click`` from a signed token; return the click's target URL.

        Raises:
            BadTokenError: the token was not signed by this workspace.
        """
        payload = read_token(self._ws.settings.tracking_secret, token)
        rows = self._ws.db.query("SELECT profile_id FROM activation_messages WHERE message_id = ?", [payload["m"]])
        url = payload.get("u") if kind == "click" else None
        if rows:
            with self._ws.db.transaction() as tx:
                tx.execute(
                    "INSERT INTO activation_events VALUES (?, ?, ?, ?, ?)",
                    [payload["m"], rows[0][0], kind, url, self._ws.clock.now()],
                )
        return str(url) if url else None

    def report(self, name: str) -> dict[str, Any]:
        """Sends, deliveries, opens, clicks, conversions and uplift over the control arm."""
        window = timedelta(days=self._ws.settings.activation_conversion_days)
        return campaign_report(self._ws.db, self.get(name), window)

    def _link(self, message_id: int, url: str) -> str:
        s = self._ws.settings
        return click_url(s.tracking_base_url, s.tracking_secret, message_id, url)

    def _pixel(self, message_id: int) -> str:
        s = self._ws.settings
        return open_url(s.tracking_base_url, s.tracking_secret, message_id)

    def _smtp(self) -> Channel:
        s = self._ws.settings
        return SmtpChannel(
            SmtpConfig(s.smtp_host, s.smtp_port, s.smtp_sender, s.smtp_starttls, s.smtp_username, s.smtp_password)
        )

    def _audit(self, action: str, target: str, detail: dict[str, Any]) -> None:
        self._ws.privacy.audit("activation", action, target, detail)
