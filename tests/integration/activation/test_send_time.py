"""Send-time optimisation on injected time: each message waits for its person's best hour, quiet hours still apply.

ann's own opens say 19:00 Kyiv; bob has no opens but the segments room's
``best_send_hour`` computed trait (an hour of UTC) says 12 UTC, which is 08:00 in his
New York, inside quiet hours, so he waits for their end; cy has nothing to go by and
gets it at once. Real workspace file, real aiosmtpd.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from integration.activation.conftest import Inbox
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.activation.links import open_url
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

SUNDAY = datetime(2026, 5, 31, 7, tzinfo=UTC)  # 10:00 in Kyiv (UTC+3 in summer)
MONDAY = datetime(2026, 6, 1, 7, tzinfo=UTC)


def test_each_message_waits_for_the_best_local_hour_then_quiet_hours(tmp_path: Path, smtp: Inbox) -> None:
    clock = FixedClock(datetime(2026, 5, 20, 16, tzinfo=UTC))  # 19:00 Kyiv, 12:00 New York: no one is quiet
    settings = load_settings(
        db=tmp_path / "ws.duckdb", smtp_port=smtp.port, activation_frequency_cap=10, tracking_base_url="http://t"
    )
    ws = Workspace(settings, clock, create=True)
    try:
        ws.access.add_source("web")
        people = {"ann": {}, "bob": {"timezone": "America/New_York"}, "cy": {}}
        calls = [
            at(clock, type="identify", userId=u, traits={"email": f"{u}@x.org", **extra}) for u, extra in people.items()
        ]
        for day in (17, 18, 19):  # bob read email at 12 UTC, as the email platform told us
            stamp = datetime(2026, 5, day, 12, 10, tzinfo=UTC).isoformat()
            calls.append({"type": "track", "userId": "bob", "event": "Email Opened", "timestamp": stamp})
        ws.ingest.send("web", calls)
        ids = {u: ws.profiles.find("user_id", u) for u in people}
        for profile_id in ids.values():
            ws.privacy.grant(profile_id, "marketing", "email")
        ws.segments.create(SegmentSpec("all", "event_count >= 1"))
        ws.segments.define_trait("best_send_hour", 'most_frequent_hour("Email Opened", within = 180d)')
        ws.activation.create(CampaignSpec("news", "all", "Subject: News\n\nHello", control_share=0))
        assert ws.activation.send("news")["sent"] == 3
        ann_first = next(m for m in ws.activation.messages("news") if m["profile_id"] == ids["ann"])
        token = urlparse(open_url("http://t", settings.tracking_secret, ann_first["message_id"])).path.split("/")[-1]
        for day, minute in ((27, 5), (28, 40), (29, 15)):  # ann opens at 19:xx Kyiv (16:xx UTC)
            clock.set(datetime(2026, 5, day, 16, minute, tzinfo=UTC))
            ws.activation.track(token, "open")
        clock.set(datetime(2026, 5, 30, 6, 30, tzinfo=UTC))  # one open at 09:30 Kyiv: fewer than at 19
        ws.activation.track(token, "open")

        clock.set(SUNDAY)
        ws.activation.create(CampaignSpec("sale", "all", "Subject: Sale\n\nHello", control_share=0, send_time=True))
        counts = ws.activation.send("sale")
        assert (counts["queued"], counts["deferred"], counts["sent"]) == (1, 2, 1)
        due = {m["profile_id"]: m["next_attempt_at"] for m in ws.activation.messages("sale", "queued")}
        assert due == {
            ids["ann"]: datetime(2026, 5, 31, 16, tzinfo=UTC),  # 19:00 Kyiv
            ids["bob"]: datetime(2026, 5, 31, 13, tzinfo=UTC),  # 08:00 New York is quiet: 09:00 EDT
        }
        sale = [m["To"] for m in smtp.messages if m["Subject"] == "Sale"]
        assert sale == ["cy@x.org"]
        clock.set(datetime(2026, 5, 31, 12, 59, tzinfo=UTC))
        assert ws.activation.deliver_due("email")["sent"] == 0
        clock.set(datetime(2026, 5, 31, 13, tzinfo=UTC))
        assert ws.activation.deliver_due("email")["sent"] == 1
        clock.set(datetime(2026, 5, 31, 16, 0, 1, tzinfo=UTC))
        assert ws.activation.deliver_due("email")["sent"] == 1
        sale = [m["To"] for m in smtp.messages if m["Subject"] == "Sale"]
        assert sale == ["cy@x.org", "bob@x.org", "ann@x.org"]

        clock.set(MONDAY)  # without send_time ann gets it at once; bob (03:00 in New York) only waits out the night
        ws.activation.create(CampaignSpec("plain", "all", "Subject: Plain\n\nHello", control_share=0))
        counts = ws.activation.send("plain")
        assert (counts["queued"], counts["deferred"], counts["sent"]) == (2, 1, 2)
        (bob_plain,) = ws.activation.messages("plain", "queued")
        assert bob_plain["next_attempt_at"] == datetime(2026, 6, 1, 13, tzinfo=UTC)
    finally:
        ws.close()
