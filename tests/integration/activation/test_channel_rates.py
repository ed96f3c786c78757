"""A channel's own rate limit holds across the connections of a delivery, measured at a real receiver.

The assertions are lower bounds that load cannot break: a message is handed over no
sooner than its place in the schedule, so however slow the machine, no more than the
rate can arrive in the first second, and the run cannot finish sooner than the
schedule allows.
"""

from __future__ import annotations

import time
from pathlib import Path

from integration.activation.conftest import Provider
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

RATE = 20
PEOPLE = 30


def test_the_webhook_channel_sends_at_its_own_rate_over_four_connections(
    tmp_path: Path, clock: FixedClock, provider: Provider
) -> None:
    settings = load_settings(
        db=tmp_path / "ws.duckdb",
        activation_connections=4,
        activation_rate_per_second=0,  # every other channel unlimited: the webhook's own rate must still hold
        activation_channel_rates={"webhook": RATE},
        activation_webhook_url=f"{provider.url}/hook",
        activation_webhook_secret="whsec_test",
    )
    ws = Workspace(settings, clock, create=True)
    try:
        ws.access.add_source("web")
        ws.ingest.send("web", [at(clock, type="identify", userId=f"u{i}", traits={"n": i}) for i in range(PEOPLE)])
        for i in range(PEOPLE):
            ws.privacy.grant(ws.profiles.find("user_id", f"u{i}"), "marketing", "webhook")
        ws.segments.create(SegmentSpec("all", "event_count >= 1"))
        ws.activation.create(CampaignSpec("hook", "all", "Привіт", channel="webhook", control_share=0))
        ws.activation.queue("hook")
        started = time.monotonic()
        assert ws.activation.deliver_due("webhook")["sent"] == PEOPLE
        took = time.monotonic() - started
    finally:
        ws.close()
    assert len(provider.arrived) == PEOPLE
    assert len(provider.peers) > 1  # the connections shared one schedule
    assert sum(1 for t in provider.arrived if t < started + 1.0) <= RATE
    assert took >= (PEOPLE - 1) / RATE * 0.99
    assert provider.arrived[-1] - started >= (PEOPLE - 1) / RATE * 0.99
