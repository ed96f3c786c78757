"""Money reads the same on every page: an amount and its currency, a zero too.

A segment's members table showed a customer with no orders as "0" beside "6,446.84 UAH";
it is now "0.00 UAH", in the workspace's main currency (store/money.py ``amounts_text``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

BUYER = {"email": "buyer@example.org", "name": "Olena Buyer"}
BROWSER = {"email": "browser@example.org", "name": "Taras Browser"}


def money_workspace(db: Path) -> Workspace:
    """A UAH shop: one customer paid 13,375 UAH, one has no orders; a segment holds both."""
    ws = Workspace(load_settings(db=db, revenue_currency="UAH"), create=True)
    ws.access.add_source("shop")
    order = {"order_id": "o1", "revenue": 13375, "currency": "UAH"}
    ws.ingest.send(
        "shop",
        [
            {"type": "identify", "userId": "u1", "traits": BUYER},
            {"type": "identify", "userId": "u2", "traits": BROWSER},
            {"type": "track", "userId": "u1", "event": "Order Completed", "properties": order},
        ],
    )
    ws.segments.create(SegmentSpec("Everyone", "event_count >= 1"))
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with money_workspace(tmp_path_factory.mktemp("web-money") / "ws.duckdb") as opened:
        yield opened


def _revenue_cells(html: str, table_id: str) -> list[str]:
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return [cell.split("</span>")[0] for cell in table.split('<span class="figure">')[1:]]


def test_a_segments_members_show_no_revenue_as_a_zero_in_the_currency(ws: Workspace) -> None:
    (html,) = fetch(ws, "/segments/Everyone")
    assert _revenue_cells(html, "members-title") == ["13,375.00 UAH", "0.00 UAH"]


def test_the_profiles_list_writes_money_the_same_way(ws: Workspace) -> None:
    (html,) = fetch(ws, "/profiles?sort=revenue")
    listing = html.split("<tbody>")[1].split("</tbody>")[0]
    assert '<span class="figure">13,375.00 UAH</span>' in listing
    assert '<span class="figure">0.00 UAH</span>' in listing
