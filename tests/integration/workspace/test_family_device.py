"""A family tablet two account holders log in on: two profiles, rebuilt alike, unmergeable."""

from __future__ import annotations

from typing import Any

from tests.integration.workspace.test_rebuild_and_unmerge import snapshot

from persona360 import Workspace


def page(anonymous: str, user: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "page", "anonymousId": anonymous, "name": "Home"}
    return message | ({"userId": user} if user else {})


def send_family(ws: Workspace) -> None:
    ws.access.add_source("web")
    ws.ingest.send(
        "web",
        [
            page("tablet"),  # browsing before anyone logs in
            {"type": "identify", "userId": "mum", "anonymousId": "tablet", "traits": {"email": "mum@x.org"}},
            page("tablet", "mum"),
            {"type": "identify", "userId": "son", "anonymousId": "tablet", "traits": {"email": "son@x.org"}},
            page("tablet", "son"),
            page("son-phone", "son"),
        ],
    )


def test_a_family_tablet_keeps_mum_and_son_apart_and_says_why(workspace: Workspace) -> None:
    send_family(workspace)
    mum, son = workspace.profiles.find("user_id", "mum"), workspace.profiles.find("user_id", "son")
    assert mum != son
    assert workspace.profiles.find("anonymous_id", "tablet") == mum  # the account it was first identified with
    assert workspace.profiles.find("anonymous_id", "son-phone") == son
    assert workspace.profiles.show(mum)["event_count"] == 3  # its anonymous page, mum's identify and page
    assert workspace.profiles.show(son)["event_count"] == 3
    blocked = workspace.db.query(
        "SELECT detail->>'why', detail->>'reason' FROM identity_log WHERE code = 'merge_blocked'"
    )
    assert blocked == [("anonymous_id:tablet is shared by two profiles that each hold their own user_id", "identify")]
    edges = [e for e in workspace.profiles.edges(son) if e["status"] == "blocked"]
    assert len(edges) == 1


def test_rebuild_reaches_the_same_two_profiles(workspace: Workspace) -> None:
    send_family(workspace)
    before = snapshot(workspace)
    workspace.profiles.rebuild()
    assert snapshot(workspace) == before


def test_the_tablet_can_still_be_unmerged_and_the_two_merged_by_hand(workspace: Workspace) -> None:
    send_family(workspace)
    mum = workspace.profiles.find("user_id", "mum")
    old, tablet = workspace.identity.unmerge(("anonymous_id", "tablet"))
    assert old == mum and workspace.profiles.find("anonymous_id", "tablet") == tablet != mum
    merged = workspace.identity.merge(("user_id", "mum"), ("user_id", "son"))
    assert workspace.profiles.find("user_id", "son") == merged == workspace.profiles.find("user_id", "mum")
