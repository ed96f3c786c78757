"""``ws.activation``: templates, campaigns, sending, tracking and reports."""

from __future__ import annotations

import builtins  # ``list`` below is a method: annotations after it name the type through builtins
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from persona360.activation.attribution import campaign_report
from persona360.activation.audience import Audience, check_format, hashed_rows, write_csv
from persona360.activation.campaigns import (
    PURPOSE,
    CampaignError,
    CampaignRun,
    CampaignSpec,
    create_campaign,
    get_campaign,
)
from persona360.activation.channels.base import Channel
from persona360.activation.channels.sms import SmsChannel, SmsConfig
from persona360.activation.channels.smtp import SmtpChannel, SmtpConfig
from persona360.activation.channels.viber import ViberChannel, ViberConfig
from persona360.activation.channels.webhook import WebhookChannel, WebhookConfig
from persona360.activation.event_triggers import TriggerWorker
from persona360.activation.links import click_url, open_url, read_token
from persona360.activation.outbox import Delivery
from persona360.activation.rates import ChannelRates, check_rates
from persona360.activation.templates import Freshness, Renderer, RenderResult, TemplateContext, TraitValue
from persona360.errors import NotFoundError
from persona360.store.money import Money

if TYPE_CHECKING:
    from persona360.workspace import Workspace


class ActivationAPI:
    """Templates, campaigns and their results for one workspace.

    Channels are built on demand from settings; ``channel_factories`` maps a channel
    name to a zero-argument factory, so a plugin (or a test) can add one.
    """

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self.channel_factories: dict[str, Callable[[], Channel]] = {
            "email": self._smtp,
            "sms": self._sms,
            "viber": self._viber,
            "webhook": self._webhook,
        }
        s = ws.settings
        check_rates(s.activation_channel_rates, s.activation_rate_per_second, self.channel_factories)
        # One limiter per channel for the workspace's life: runs continue one schedule.
        self.rates = ChannelRates(s.activation_channel_rates, s.activation_rate_per_second)
        # One send at a time: a run numbers its messages before it inserts them.
        self._sending = threading.Lock()
        # One delivery at a time: the server's ticker and a send must not both take the
        # same due messages (each would send them, and their updates would conflict).
        self._delivering = threading.RLock()
        self._worker: TriggerWorker | None = None

    def renderer(self) -> Renderer:
        """A renderer with the workspace's locale, currency and freshness rule, as of now."""
        s = self._ws.settings
        freshness = Freshness(
            self._ws.clock.now(),
            timedelta(days=s.activation_stale_after_days),
            s.activation_min_confidence,
            s.activation_use_inferred,
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
        traits = {n: TraitValue.shown(t) for n, t in raw.items()}
        ctx = TemplateContext(profile_id, traits, self._ws.segments.computed_of(profile_id), event or {})
        return self.renderer().render(template, ctx)

    def save_template(self, name: str, source: str) -> dict[str, Any]:
        """Save (or replace) a named template once it parses; campaigns copy it when created.

        Raises:
            TemplateRenderError: the template does not parse.
            CampaignError: the name is empty.
        """
        if not name.strip():
            raise CampaignError("template name is empty: give it a name")
        self.renderer().check(source)
        now = self._ws.clock.now()
        with self._ws.db.transaction() as tx:
            tx.execute(
                "INSERT INTO activation_templates VALUES ($n, $s, $now, $now) "
                "ON CONFLICT (name) DO UPDATE SET source = $s, updated_at = $now",
                {"n": name, "s": source, "now": now},
            )
        return self.template(name)

    def template(self, name: str) -> dict[str, Any]:
        """One saved template by name.

        Raises:
            NotFoundError: no template of that name.
        """
        rows = self._ws.db.query_dicts("SELECT * FROM activation_templates WHERE name = ?", [name])
        if not rows:
            raise NotFoundError(f"no template named {name!r}; save one first")
        return rows[0]

    def templates(self) -> list[dict[str, Any]]:
        """Every saved template, by name."""
        return self._ws.db.query_dicts("SELECT * FROM activation_templates ORDER BY name")

    def create(self, spec: CampaignSpec) -> dict[str, Any]:
        """Save a campaign (checks the template parses, the segment exists and the channel is configured)."""
        spec.check()
        self.channel_factories[spec.channel]().close()  # raises, naming the settings, when unconfigured
        return create_campaign(self._ws, spec, self.renderer())

    def get(self, name: str) -> dict[str, Any]:
        """One campaign by name."""
        return get_campaign(self._ws, name)

    def list(self) -> list[dict[str, Any]]:
        """Every campaign, oldest first."""
        return self._ws.db.query_dicts(
            "SELECT campaign_id, name, segment, channel, control_share, event, purpose, trigger_event, send_time, "
            "created_at FROM campaigns "
            "ORDER BY campaign_id"
        )

    def send(self, name: str, *, actor: str = "cli") -> dict[str, Any]:
        """Queue messages for new members of the campaign's segment, then send what is due.

        Delivery overlaps queueing: a thread sends each chunk of messages as soon as it
        is committed while the next renders, so a large send costs about the longer of
        the two, not their sum. Audited as ``campaign.send`` by ``actor`` (the API
        passes ``token:NAME``).
        """
        counts = self._queue_delivering(name, self.get(name)["channel"])
        self._audit("campaign.send", name, counts, actor)
        return counts

    def _queue_delivering(self, name: str, channel: str) -> dict[str, Any]:
        """:meth:`queue` while a thread delivers what each committed chunk made due; both counts."""
        committed, finished = threading.Event(), threading.Event()
        totals = {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}
        failure: list[BaseException] = []

        def deliver() -> None:
            try:
                while True:
                    last = finished.is_set()  # read before the run: a chunk committed meanwhile is not missed
                    for key, n in self.deliver_due(channel).items():
                        totals[key] += n
                    if last:
                        return
                    committed.wait()
                    committed.clear()
            except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
                failure.append(error)

        thread = threading.Thread(target=deliver, name="p360-deliver", daemon=True)
        thread.start()
        try:
            counts = self.queue(name, on_commit=committed.set)
        finally:
            finished.set()
            committed.set()
            thread.join()
        if failure:
            raise failure[0]
        counts.update(totals)
        return counts

    def send_to(self, name: str, profile_ids: Sequence[int]) -> dict[str, Any]:
        """Send the campaign to these profiles now: a segment trigger's hand-off.

        The same path as :meth:`send` (consent, address, cap, control draw, quiet hours),
        for those of ``profile_ids`` that are members of the campaign's segment and were
        never assigned in it; then sends what is due.

        An always-on campaign (``trigger_event``) answers its events, not segment
        entries: handing it profiles is refused, since its run would send for every new
        event whoever it belongs to.

        Raises:
            NotFoundError: no campaign named ``name``.
            CampaignError: the campaign is always on for an event.
        """
        counts = self.queue(name, only=set(profile_ids))
        counts.update(self.deliver_due(self.get(name)["channel"]))
        self._audit("campaign.trigger", name, counts)
        return counts

    def run_triggers(self) -> dict[str, Any]:
        """Answer new events for every always-on trigger campaign, then send what is due on their channels.

        Each campaign takes the events of its ``trigger_event`` stored after its
        watermark (``TRIGGER_BATCH`` at a time, until none are left). Returns, per
        campaign that had new events, the counts of :meth:`queue`, and the delivery totals.
        """
        campaigns = self._ws.db.query_dicts(
            "SELECT name, channel FROM campaigns WHERE trigger_event IS NOT NULL ORDER BY campaign_id"
        )
        ran: dict[str, Any] = {}
        for campaign in campaigns:
            while True:
                counts = self.queue(campaign["name"])
                if not counts["members"]:
                    break
                ran.setdefault(campaign["name"], []).append(counts)
                self._audit("campaign.event_trigger", campaign["name"], counts)
        channels = sorted({c["channel"] for c in campaigns})
        delivered = [self.deliver_due(channel) for channel in channels] if ran else []
        return {"campaigns": ran, "sent": sum(d["sent"] for d in delivered)}

    def start_triggers(self) -> None:
        """Answer events as they are committed (the server calls this; see ``event_triggers.py``)."""
        if self._worker is None:
            self._worker = TriggerWorker(self._ws).start()

    def stop_triggers(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def queue(
        self, name: str, only: set[int] | None = None, on_commit: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Queue messages for new members of the segment (a trigger campaign: new events) without sending them.

        They go out with the next :meth:`deliver_due` (the server's ticker runs it).
        Returns the counts of each step (``members``, ``no_consent``, ``capped``,
        ``control``, ``queued``, ``deferred``...) and the first render ``errors``.
        ``on_commit`` is called after each committed chunk of messages.
        """
        with self._sending:  # the campaign (a trigger's watermark) is read under the lock too
            run = CampaignRun(self._ws, self.get(name), self.renderer(), self._link, only, on_commit)
            counts: dict[str, Any] = dict(run.queue())
        counts["errors"] = run.errors[:10]
        return counts

    def cancel_waiting(self, name: str, reason: str) -> int:
        """Cancel the campaign's messages not yet sent (queued, deferred or to be retried); return how many.

        They stay in the log as ``cancelled`` with ``reason`` as their error, so the
        campaign's figures still show what was queued and why nothing went out. The
        demo uses it: its people have made-up addresses at real mail domains, and a
        served demo's ticker would otherwise hand them to the configured SMTP server.
        """
        campaign_id = self.get(name)["campaign_id"]
        with self._sending, self._delivering, self._ws.db.transaction() as tx:
            waiting = tx.fetchone(
                "SELECT count(*) FROM activation_messages WHERE campaign_id = ? AND status IN ('queued', 'failed')",
                [campaign_id],
            )
            tx.execute(
                "UPDATE activation_messages SET status = 'cancelled', error = ?, next_attempt_at = NULL, "
                "updated_at = ? WHERE campaign_id = ? AND status IN ('queued', 'failed')",
                [reason, self._ws.clock.now(), campaign_id],
            )
        return int(waiting[0]) if waiting else 0

    def deliver_due(self, channel: str | None = None) -> dict[str, int]:
        """Send (or retry) every message on ``channel`` (every channel with ``None``) whose time has come.

        Raises:
            CampaignError: unknown channel.
        """
        if channel is None:
            return self._deliver_all()
        if channel not in self.channel_factories:
            raise CampaignError(f"channel {channel!r} is not one of {', '.join(self.channel_factories)}")
        with self._delivering:
            return self._deliver(channel)

    def _deliver(self, channel: str) -> dict[str, int]:
        s = self._ws.settings
        factory = self.channel_factories[channel]
        delivery = Delivery(
            self._ws.db,
            [factory() for _ in range(max(s.activation_connections, 1))],
            self.rates.limiter(channel),
            s.activation_max_attempts,
            lambda purpose, profile_ids: self._ws.privacy.may_many(profile_ids, purpose, channel),
            self._pixel,
        )
        return delivery.run(self._ws.clock.now())

    def _deliver_all(self) -> dict[str, int]:
        waiting = self._ws.db.query(
            "SELECT DISTINCT channel FROM activation_messages WHERE status IN ('queued', 'failed') "
            "AND next_attempt_at <= ? ORDER BY channel",
            [self._ws.clock.now()],
        )
        totals = {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}
        for (channel,) in waiting:
            for key, n in self.deliver_due(str(channel)).items():
                totals[key] += n
        return totals

    def messages(self, name: str | None = None, status: str | None = None) -> builtins.list[dict[str, Any]]:
        """The message log, optionally for one campaign and one status."""
        campaign_id = self.get(name)["campaign_id"] if name else None
        return self._ws.db.query_dicts(
            "SELECT * EXCLUDE (body) FROM activation_messages WHERE ($c IS NULL OR campaign_id = $c) "
            "AND ($s IS NULL OR status = $s) ORDER BY message_id",
            {"c": campaign_id, "s": status},
        )

    def outbox(self) -> builtins.list[dict[str, Any]]:
        """Messages per channel and status across campaigns, with how many are due now and the oldest due."""
        return self._ws.db.query_dicts(
            "SELECT channel, status, count(*) AS messages, "
            "count(*) FILTER (WHERE status IN ('queued', 'failed') AND next_attempt_at <= $now) AS due, "
            "min(next_attempt_at) FILTER (WHERE status IN ('queued', 'failed')) AS next_attempt_at "
            "FROM activation_messages GROUP BY channel, status ORDER BY channel, status",
            {"now": self._ws.clock.now()},
        )

    def messages_of(self, profile_id: int, limit: int = 20) -> builtins.list[dict[str, Any]]:
        """The newest messages one profile received (for its 360 card), with opens and clicks.

        Each row: ``message_id, campaign, channel, subject, status, created_at, sent_at,
        opened, clicked``.
        """
        return self._ws.db.query_dicts(
            "SELECT m.message_id, c.name AS campaign, m.channel, m.subject, m.status, m.created_at, m.sent_at, "
            "EXISTS (SELECT 1 FROM activation_events e WHERE e.message_id = m.message_id AND e.kind = 'open') "
            "AS opened, EXISTS (SELECT 1 FROM activation_events e WHERE e.message_id = m.message_id "
            "AND e.kind = 'click') AS clicked "
            "FROM activation_messages m JOIN campaigns c USING (campaign_id) WHERE m.profile_id = ? "
            "ORDER BY m.message_id DESC LIMIT ?",
            [profile_id, limit],
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

    def export_audience(
        self, segment: str, fmt: str = "facebook", purpose: str = PURPOSE, actor: str = "cli"
    ) -> Audience:
        """A segment as a hashed customer list for Facebook or Google (see ``audience.py``).

        Only members whose consent allows ``purpose`` as a whole are exported; the export
        is written to the audit trail.

        Raises:
            AudienceError: unknown format.
            NotFoundError: no such segment.
            ConsentError: unknown purpose.
        """
        check_format(fmt)
        members = self._ws.segments.member_ids(segment)
        allowed = sorted(self._ws.privacy.may_many(members, purpose)) if members else []
        emails = self._ws.privacy.addresses_many(allowed, purpose, "email")
        phones = self._ws.privacy.addresses_many(allowed, purpose, "sms")
        rows = [row for p in allowed for row in hashed_rows(emails.get(p, []), phones.get(p, []), fmt)]
        exported = sum(1 for p in allowed if p in emails or p in phones)
        audience = Audience(
            segment,
            fmt,
            write_csv(rows, fmt),
            len(members),
            exported,
            len(members) - len(allowed),
            len(allowed) - exported,
            len(rows),
        )
        detail = {"format": fmt, "purpose": purpose, "profiles": exported, "rows": len(rows)}
        self._ws.privacy.audit(actor, "audience.export", f"segment:{segment}", detail)
        return audience

    def report(self, name: str) -> dict[str, Any]:
        """Sends, deliveries, opens, clicks, conversions and uplift over the control arm.

        ``runs`` sums what the campaign's queue runs did (candidates, queued, skipped by
        reason); for an always-on campaign in a server, ``worker`` is the event trigger
        worker's own count of runs and failures.
        """
        window = timedelta(days=self._ws.settings.activation_conversion_days)
        campaign = self.get(name)
        report = campaign_report(self._ws.db, campaign, window, Money.from_settings(self._ws.settings))
        if campaign.get("trigger_event") and self._worker is not None:
            report["worker"] = self._worker.status()
        return report

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

    def _sms(self) -> Channel:
        s = self._ws.settings
        _require("sms", {"sms_account": s.sms_account, "sms_token": s.sms_token, "sms_sender": s.sms_sender})
        return SmsChannel(SmsConfig(s.sms_url, s.sms_account, s.sms_token, s.sms_sender))

    def _viber(self) -> Channel:
        s = self._ws.settings
        _require("viber", {"viber_api_key": s.viber_api_key, "viber_sender": s.viber_sender})
        return ViberChannel(ViberConfig(s.viber_url, s.viber_api_key, s.viber_sender))

    def _webhook(self) -> Channel:
        s = self._ws.settings
        _require(
            "webhook",
            {
                "activation_webhook_url": s.activation_webhook_url,
                "activation_webhook_secret": s.activation_webhook_secret,
            },
        )
        config = WebhookConfig(s.activation_webhook_url, s.activation_webhook_secret)
        return WebhookChannel(config, now=lambda: self._ws.clock.now().timestamp())

    def _audit(self, action: str, target: str, detail: dict[str, Any], actor: str = "activation") -> None:
        self._ws.privacy.audit(actor, action, target, detail)


def _require(channel: str, values: dict[str, str]) -> None:
    """Refuse to build a channel whose settings are missing, naming them."""
    missing = [f"PERSONA360_{name.upper()}" for name, value in values.items() if not value]
    if missing:
        raise CampaignError(f"the {channel} channel is not configured: set {', '.join(missing)}")
