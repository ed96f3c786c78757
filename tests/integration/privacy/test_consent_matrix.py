"""``ws.privacy.may_all`` answers exactly what ``may`` answers, for every purpose and channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from persona360 import Workspace
from persona360.errors import NotFoundError
from persona360.privacy import CHANNELS, PURPOSES


def test_may_all_agrees_with_may_after_mixed_and_expired_decisions(workspace: Workspace) -> None:
    ws = workspace
    ws.access.add_source("shop")
    consent = {"marketing": {"email": True, "sms": False}, "enrichment": True}
    ws.ingest.send(
        "shop", [{"type": "identify", "userId": "u1", "traits": {"email": "a@example.org", "consent": consent}}]
    )
    jane = ws.profiles.find("user_id", "u1")
    ws.privacy.withdraw(jane, "marketing")  # purpose-wide, later: wins over the email grant
    ws.privacy.grant(jane, "marketing", "viber")  # later still, for one channel
    ws.privacy.withdraw(jane, "profiling", "push")
    ws.privacy.grant(jane, "analytics", expires_at=ws.clock.now() - timedelta(days=1))  # expired: default
    answers = ws.privacy.may_all(jane)
    for purpose in PURPOSES:
        for channel in (None, *CHANNELS):
            assert answers[purpose][channel] == ws.privacy.may(jane, purpose, channel), (purpose, channel)
    assert answers["marketing"]["viber"] and not answers["marketing"]["email"] and not answers["marketing"][None]


def test_may_all_of_an_unknown_profile_raises(workspace: Workspace) -> None:
    with pytest.raises(NotFoundError):
        workspace.privacy.may_all(424242)
