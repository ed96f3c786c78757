"""A segment's page names its members, has one address, and says when a member left by a merge.

Anonymous members were "#7" beside empty cells; links went to /segments/1 from the list and
to /segments/Champions from the card; an exit caused by a merge said "Why: event". The
real app over ASGI on a real workspace file (``visit`` logs in as in the other web tests).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration.web.pages import shop_workspace
from integration.web.test_web_forms_bad_input import Site, visit
from persona360.segments.definitions import SegmentSpec

ANONYMOUS = "3f2a9c4e-1b7d-4e55-9a0b-8c6d2e1f0a77"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    records = [
        {"type": "identify", "userId": "u1", "traits": {"email": "ola@example.org", "name": "Ola Nowak"}},
        {"type": "identify", "userId": "u2", "traits": {"email": "ola.n@example.org"}},
        {"type": "track", "anonymousId": ANONYMOUS, "event": "Product Viewed"},
    ]
    with shop_workspace(tmp_path_factory, "web-segment-members", records) as ws:
        ws.segments.create(SegmentSpec("Everyone here", "event_count >= 1"))
        ws.identity.merge(("email", "ola@example.org"), ("email", "ola.n@example.org"), actor="test")
        admin = ws.access.create_token(["admin"], "segments-admin")
        yield Site(ws, admin, admin, ws.profiles.find("email", "ola@example.org"))


def test_members_are_named_and_an_anonymous_one_by_its_identifier(site: Site) -> None:
    html = visit(site, site.admin, "GET", "/segments/Everyone%20here").text
    members = html.split('id="members-title"')[1].split("</table>")[0]
    assert '<th scope="col">Name</th>' in members
    assert "Ola Nowak" in members
    shortened = f'<span title="{ANONYMOUS}">3f2a9c4e-<wbr>1b7d…</span>'
    assert f'anonymous visitor <code class="muted">{shortened}</code>' in members


def test_a_segment_has_one_address_by_name_and_its_number_redirects_there(site: Site) -> None:
    segment_id = site.ws.segments.get("Everyone here").segment_id
    moved = visit(site, site.admin, "GET", f"/segments/{segment_id}?page=1")
    assert moved.status_code == 303 and moved.headers["location"] == "/segments/Everyone%20here?page=1"
    listing = visit(site, site.admin, "GET", "/segments").text
    card = visit(site, site.admin, "GET", f"/profiles/{site.profile_id}").text
    assert 'href="/segments/Everyone%20here"' in listing and 'href="/segments/Everyone%20here"' in card
    assert f'href="/segments/{segment_id}"' not in listing


def test_an_exit_by_merge_says_which_profile_it_was_merged_into(site: Site) -> None:
    merged = site.profile_id
    gone = [h for h in site.ws.segments.history("Everyone here") if h["exited_at"] is not None]
    assert [h["exit_reason"] for h in gone] == [f"merged into #{merged}"]
    html = visit(site, site.admin, "GET", "/segments/Everyone%20here").text
    history = html.split('id="history-title"')[1].split("</table>")[0]
    assert f"<td>merged into #{merged}</td>" in history
    assert f'merged into</span> <a href="/profiles/{merged}">#{merged}</a>' in history
    assert "<td>event</td>" not in history
