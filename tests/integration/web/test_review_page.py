"""The review queue page counts every pair waiting, not the page it shows, and names both sides.

It shows the most likely pairs first, a page of them; the heading said "50 pairs
waiting" when 152 were. The real app over ASGI on a workspace the real resolver queued.
"""

from __future__ import annotations

import re

import pytest

from integration.resolution.look_alikes import queue_two_likely_pairs
from integration.web.test_profile_merge_rules import page_at
from persona360 import Workspace
from persona360.web import review_pages
from persona360.web.review_pages import pair_view


@pytest.fixture
def queued(workspace: Workspace) -> Workspace:
    """Two pairs of look-alike profiles (same name and city, nothing else): queued, not merged."""
    return queue_two_likely_pairs(workspace)


def test_the_heading_counts_the_whole_queue_and_says_only_the_likeliest_are_shown(
    queued: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_pages, "PENDING", 1)  # a page of one pair, so two overflow it
    html = page_at(queued, "/review")
    assert "(2 pairs waiting)" in html
    assert "The 1 most likely are shown" in html
    assert html.count('class="card pair"') == 1


def test_a_queue_that_fits_the_page_says_nothing_more(queued: Workspace) -> None:
    html = page_at(queued, "/review")
    assert "(2 pairs waiting)" in html and "most likely are shown" not in html
    assert html.count('class="card pair"') == 2


def test_a_pair_held_by_a_clash_says_why_and_no_percentage_rounds_up_to_the_threshold(workspace: Workspace) -> None:
    workspace.access.add_source("shop")
    where = {"address": {"city": "Kyiv"}, "birthday": "1990-03-04"}
    workspace.ingest.send(
        "shop",
        [
            {"type": "identify", "userId": user, "traits": {"firstName": "Olena", "lastName": "Kovalenko",
                                                            "phone": phone, **where}}
            for user, phone in (("u1", "+380501234567"), ("u2", "+380671112233"))
        ],
    )  # fmt: skip
    assert workspace.resolution.resolve().queued == 1
    html = page_at(workspace, "/review")
    assert "Held for review although likely: different phones (+380501234567 / +380671112233)." in html
    assert "merges a pair of 99 % or more by itself" in html
    assert pair_view({"pair_id": 1, "probability": 0.98998, "explanation": {}})["percent"] == 98.9
    assert pair_view({"pair_id": 1, "probability": 1.0, "explanation": {}})["percent"] == 100.0


def test_each_side_of_a_pair_shows_its_name(queued: Workspace) -> None:
    """The chart said the names matched, and the card showed only "Profile 3" and a user id."""
    html = page_at(queued, "/review")
    sides = re.findall(r'<ul class="pair-sides">(.*?)</ul>', html, re.S)
    names = sorted(re.findall(r"</a> <strong>([^<]+)</strong> ·", side) for side in sides)
    assert names == [["Olena Shevchuk"] * 2, ["Taras Shevchuk"] * 2]
