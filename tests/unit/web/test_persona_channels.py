"""A persona's channel figures are overlapping shares of product-list views, and say so.

The personas page titled them "Channels (share of sessions)", and Mobile Shoppers'
bars added up to 238 %: each is the average member's share of their product-list views
on mobile, in the app, or from a social, email or paid campaign, questions that overlap.
"""

from __future__ import annotations

import re
from typing import Any

from persona360.personas.avatar import avatar_svg
from persona360.web.persona_pages import card_view

MOBILE_SHOPPERS = {  # the figures of the newcomer's screenshot
    "mobile_share": 0.957, "app_share": 0.911, "social_share": 0.243, "email_share": 0.063, "paid_share": 0.206,
}  # fmt: skip


def card() -> dict[str, Any]:
    return {
        "persona": 0, "name": "Mobile Shoppers", "avatar_svg": avatar_svg("v1-p0"), "best_send_hour": None,
        "distinguishing": [{"feature": "app_share", "z": 1.5}], "channels": MOBILE_SHOPPERS,
    }  # fmt: skip


def test_the_channel_chart_says_what_its_overlapping_shares_are() -> None:
    view = card_view(card())
    chart = str(view["channels_chart"])
    assert "sessions" not in chart
    assert re.search(r"<figcaption>How they browse: share of their product-list views</figcaption>", chart)
    labels = re.findall(r'class="chart-label"[^>]*>([^<]+)<', chart)
    assert labels == ["on mobile", "in the app", "from social", "from email", "from paid ads"]
    assert "do not add up to 100 %" in view["channels_note"]
