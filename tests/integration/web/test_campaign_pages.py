"""The campaign pages say what happened to the messages: queued is not sent.

The demo's campaign queued 153 messages to a mail server that refused them; the list
said "Sent 153" and the funnel "sent 153 (100%)". A real workspace file whose SMTP port
refuses connections, a real campaign, the real app over ASGI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.activation.conftest import refused_campaign
from integration.web.pages import fetch
from persona360 import Workspace
from persona360.clock import FixedClock


@pytest.fixture
def refused(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    with refused_campaign(tmp_path, clock) as ws:
        yield ws


def cells(html: str, row_name: str) -> list[str]:
    row = re.search(rf"<tr><td><a [^>]*>{row_name}</a>.*?</tr>", html, re.S)
    assert row, html
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def test_messages_the_server_refused_are_queued_and_retrying_not_sent(refused: Workspace) -> None:
    listing, campaign = fetch(refused, "/campaigns", "/campaigns/hello")
    heads = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', listing)
    assert heads[3:7] == ["Queued", "Sent", "Waiting", "Dead"]
    assert cells(listing, "hello")[3:7] == ["3", "0", "3 (3 retrying)", "0"]
    assert "queued: 3 (100%); sent: 0 (0%)" in campaign
    messages = re.sub(r"\s+", " ", campaign.split('id="messages">')[1].split("</p>")[0])
    assert messages.startswith("3 messages queued: 0 sent, 3 waiting (3 retrying after a failed attempt), 0 dead")
    assert "Last error: <code>ConnectionRefusedError" in messages


def test_messages_cancelled_before_sending_are_counted_with_their_reason(refused: Workspace) -> None:
    """The demo cancels its campaign's messages (made-up addresses): the list and the page say so, and why."""
    assert refused.activation.cancel_waiting("hello", "held back: a test") == 3
    assert refused.activation.cancel_waiting("hello", "again") == 0  # nothing waits any more
    listing, campaign = fetch(refused, "/campaigns", "/campaigns/hello")
    heads = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', listing)
    assert heads[3:8] == ["Queued", "Sent", "Waiting", "Dead", "Cancelled"]
    assert cells(listing, "hello")[3:8] == ["3", "0", "0", "0", "3"]
    messages = re.sub(r"\s+", " ", campaign.split('id="messages">')[1].split("</p>")[0])
    assert "3 cancelled before sending (3: held back: a test)." in messages
    assert refused.activation.deliver_due() == {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}


def test_the_campaign_page_says_where_the_segment_members_went(tmp_path: Path, clock: FixedClock) -> None:
    """It said "50 % held out" beside arms of another share, and not why members had no message."""
    with refused_campaign(tmp_path, clock, control_share=0.5) as ws:
        arms = ws.activation.report("hello")["arms"]
        control, everyone = arms["control"]["profiles"], arms["control"]["profiles"] + arms["treatment"]["profiles"]
        listing, campaign = fetch(ws, "/campaigns", "/campaigns/hello")
    assert everyone == 3
    audience = re.sub(r"\s+", " ", campaign.split('id="audience">')[1].split("</p>")[0])
    steps = ["1 without marketing consent by email", "1 with no email address"]
    steps += [f"{control} held out as control"] if control else []
    steps += [f"{3 - control} given a message"] if control < 3 else []
    assert audience.startswith(f"Over 1 run, 5 segment members were considered: {', '.join(steps)}.")
    draw = "chance of 50 % (a hash of the profile, so the same person stays in the same arm)"
    assert f"{draw}: {control} of 3 here" in audience
    assert '<a href="/segments/everyone"><strong>everyone</strong></a>' in campaign
    assert '<td><a href="/segments/everyone">everyone</a></td>' in listing
