"""Values on the pages read as a person reads them: no Python or JSON (the ``shown`` filter).

The real app over ASGI on a real workspace file, logged in (``pages.fetch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from integration.web.pages import fetch, shop_workspace
from persona360 import Workspace

PRODUCTS = [
    {"name": "Kavova mug", "category": "home", "brand": "Kavova", "price": 12.5, "quantity": 2},
    {"name": "Pura cream", "category": "beauty", "brand": "Pura", "price": 20.0, "quantity": 1},
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, int]]:
    traits = {
        "email": "ivan@example.org",
        "email_disposable": False,
        "loyaltyMember": True,
        "createdAt": "2023-09-30T21:00:01.722Z",
        "cart_abandon_reason": "just browsing",
    }
    order = {"order_id": "SO1", "value": 45.0, "currency": "USD", "products": PRODUCTS}
    records = [
        {"type": "identify", "userId": "u1", "traits": traits},
        {"type": "track", "userId": "u1", "event": "Checkout Started", "properties": order},
    ]
    with shop_workspace(tmp_path_factory, "web-values", records) as ws:
        ws.privacy.audit("cli", "privacy.erase", "profile:9", {"kinds": {"anonymous_id": 1}, "rows": {"events": 111}})
        yield ws, ws.profiles.find("email", "ivan@example.org")


def test_traits_read_yes_no_and_dates_and_their_names_stay_whole(shop: tuple[Workspace, int]) -> None:
    ws, profile_id = shop
    (card,) = fetch(ws, f"/profiles/{profile_id}")
    traits = card.split('id="traits-title"')[1].split("</table>")[0]
    row = re.search(r"email_disposable</th>\s*<td class=\"value\">(.*?)\s*</td>", traits, re.S)
    assert row and row.group(1) == "no", traits
    assert 'loyaltyMember</th>\n        <td class="value">yes' in traits
    assert ">2023-09-30 21:00</time>" in traits and 'title="2023-09-30T21:00:01.722Z"' in traits
    assert "False" not in traits and "True" not in traits and "21:00:01.722Z<" not in traits
    assert '<th scope="row" class="name">cart_abandon_reason</th>' in traits  # no break opportunity inside


def test_the_timeline_lists_products_not_json(shop: tuple[Workspace, int]) -> None:
    ws, profile_id = shop
    card, more = fetch(ws, f"/profiles/{profile_id}", f"/profiles/{profile_id}/timeline")
    for html in (card, more):
        assert "2 × Kavova mug (home), 1 × Pura cream (beauty)" in html
        assert '[{"name"' not in html and "[{&#34;name" in html  # the exact JSON only in the title


def test_audit_details_read_as_lists_not_dicts(shop: tuple[Workspace, int]) -> None:
    ws, _ = shop
    (log,) = fetch(ws, "/audit?action=privacy.erase")
    assert '<span class="muted">kinds</span> anonymous_<wbr>id: 1' in log
    assert '<span class="muted">rows</span> events: 111' in log
    assert "{&#39;" not in log and "{'" not in log
