"""The profile card's consent matrix says what is true after a withdrawal on one channel.

After withdrawing marketing on email only, the row read "Every channel: allowed" beside
"email: no". The real app over ASGI on a real workspace file, logged in (``pages.fetch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from integration.web.pages import fetch, shop_workspace
from persona360 import Workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, int]]:
    records = [{"type": "identify", "userId": "u1", "traits": {"email": "olha@example.org"}}]
    with shop_workspace(tmp_path_factory, "web-consent", records) as ws:
        profile_id = ws.profiles.find("email", "olha@example.org")
        ws.privacy.grant(profile_id, "marketing")
        ws.privacy.change(profile_id, "marketing", "email", granted=False)
        ws.privacy.grant(profile_id, "enrichment", "sms")
        yield ws, profile_id


def row(card: str, purpose: str) -> list[str]:
    """The cells of ``purpose``'s row in the consent table, as text."""
    table = card.split('id="consent-title"')[1].split("</table>")[0]
    found = re.search(rf'<th scope="row">{purpose}</th>(.*?)</tr>', table, re.S)
    assert found, table
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_a_withdrawal_on_one_channel_is_named_beside_the_purpose_wide_grant(shop: tuple[Workspace, int]) -> None:
    ws, profile_id = shop
    (card,) = fetch(ws, f"/profiles/{profile_id}")
    assert "Every channel" not in card
    assert row(card, "marketing") == ["granted except on email", "no", "yes", "yes", "yes", "yes"]


def test_a_default_is_said_to_be_one_and_a_channel_grant_is_its_exception(shop: tuple[Workspace, int]) -> None:
    ws, profile_id = shop
    (card,) = fetch(ws, f"/profiles/{profile_id}")
    assert "enrichment" not in ws.settings.consent_default_allow and "analytics" in ws.settings.consent_default_allow
    assert row(card, "enrichment") == ["not allowed by default except on sms", "no", "yes", "no", "no", "no"]
    assert row(card, "analytics")[0] == "allowed by default"
    assert "purpose-wide" in card.split("Recorded decisions")[1] and "on email" in card.split("Recorded decisions")[1]
