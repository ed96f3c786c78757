"""Profiles are a projection: rebuild gives the same result; unmerge is reversible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.errors import NotFoundError


def snapshot(ws: Workspace) -> dict[str, Any]:
    tables = {}
    for table, order in [
        ("profiles", "profile_id"),
        ("profile_traits", "profile_id, name"),
        ("anchor_event_counts", "anchor_id, event"),
        ("anchor_tags", "ALL"),
        ("identifiers", "identifier_id"),
        ("edges", "edge_id"),
        ("profile_redirects", "old_id"),
        ("trait_values", "ALL"),
        ("orders", "order_id"),
        ("order_reports", "order_id, event"),
        ("order_echoes", "message_key"),
    ]:
        tables[table] = ws.db.query(f"SELECT * FROM {table} ORDER BY {order}")
    return tables


def send_web(ws: Workspace) -> None:
    ws.access.add_source("web")
    ws.ingest.send(
        "web",
        [
            {
                "type": "page",
                "anonymousId": "anon-1",
                "name": "Home",
                "context": {"userAgent": "Mozilla/5.0 (iPhone) Mobile", "page": {"url": "https://shop/"}},
            },
            {
                "type": "identify",
                "userId": "1234",
                "anonymousId": "anon-1",
                "traits": {"email": "jane.doe@gmail.com", "city": "Kyiv"},
            },
            {"type": "alias", "userId": "1234", "previousId": "anon-0"},
            {
                "type": "track",
                "userId": "1234",
                "event": "Order Completed",
                "properties": {"order_id": "1001", "revenue": 130},
            },
        ],
    )


def test_rebuild_gives_the_same_projection(workspace: Workspace, tmp_path: Path, import_jane: Any) -> None:
    import_jane(workspace, tmp_path)
    send_web(workspace)
    workspace.identity.merge(("email", "john@roe.org"), ("id:shop", "1234"))
    workspace.identity.unmerge(("email", "john@roe.org"))
    before = snapshot(workspace)
    replayed = workspace.profiles.rebuild()
    assert replayed == int(workspace.db.scalar("SELECT count(*) FROM events"))
    assert snapshot(workspace) == before


def test_orders_seen_in_two_systems_count_once(workspace: Workspace, tmp_path: Path, import_jane: Any) -> None:
    import_jane(workspace, tmp_path)
    send_web(workspace)
    profile = workspace.profiles.show(workspace.profiles.find("email", "jane.doe@gmail.com"))
    assert profile["orders_count"] == 1
    assert set(profile["channels"]) == {"import", "web", "server"}
    assert profile["devices"] == ["mobile"]


def test_unmerge_detaches_an_identifier_and_reprojects_both_sides(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    jane = workspace.profiles.find("id:shop", "1234")
    assert workspace.profiles.find("handle:facebook", "janedoe") == jane
    old, new = workspace.identity.unmerge(("handle:facebook", "janedoe"))
    assert old == jane and new != jane
    assert workspace.profiles.find("handle:facebook", "janedoe") == new
    assert workspace.profiles.find("email", "jane.doe@gmail.com") == jane
    kept, split = workspace.profiles.show(jane), workspace.profiles.show(new)
    assert "handle:facebook" not in {i["kind"] for i in kept["identifiers"]}
    assert [i["kind"] for i in split["identifiers"]] == ["handle:facebook"]
    # the social row was anchored on its email (more trusted than a handle): its data stay
    assert split["traits"] == {} and split["event_count"] == 0
    assert {v["value"] for v in kept["traits"]["name"]["values"]} == {"Jane D.", "Jane Doe"}
    removed = [e for e in workspace.profiles.edges(new) if e["status"] == "removed"]
    assert removed and removed[0]["detail"] == "unmerged"


def test_unmerged_profiles_do_not_fuse_again_until_merged_by_hand(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    jane = workspace.profiles.find("id:shop", "1234")
    _, new = workspace.identity.unmerge(("handle:facebook", "janedoe"))
    workspace.access.add_source("web")
    workspace.ingest.send(
        "web",
        [
            {
                "type": "identify",
                "userId": "fb-login",
                "traits": {"email": "jane.doe@gmail.com"},
                "context": {"externalIds": [{"id": "janedoe", "type": "fb"}]},
            }
        ],
    )
    workspace.ingest.send("web", [{"type": "identify", "userId": "fb-login"}])
    assert workspace.profiles.find("handle:facebook", "janedoe") == new
    profile = workspace.identity.merge(("handle:facebook", "janedoe"), ("id:shop", "1234"))
    assert workspace.profiles.find("handle:facebook", "janedoe") == profile
    assert workspace.profiles.resolve(new) == profile or workspace.profiles.resolve(jane) == profile


def test_merged_away_id_redirects(workspace: Workspace) -> None:
    workspace.access.add_source("web")
    workspace.ingest.send("web", [{"type": "identify", "userId": "a"}, {"type": "identify", "userId": "b"}])
    a, b = workspace.profiles.find("user_id", "a"), workspace.profiles.find("user_id", "b")
    merged = workspace.identity.merge(("user_id", "a"), ("user_id", "b"))
    gone = b if merged == a else a
    assert workspace.profiles.resolve(gone) == merged
    assert workspace.profiles.show(gone)["profile_id"] == merged


def test_resolve_many_follows_merges_and_leaves_unknown_ids_out(workspace: Workspace) -> None:
    workspace.access.add_source("web")
    calls = [{"type": "identify", "userId": name} for name in ("a", "b", "c")]
    workspace.ingest.send("web", calls)
    a, b, c = (workspace.profiles.find("user_id", name) for name in ("a", "b", "c"))
    merged = workspace.identity.merge(("user_id", "a"), ("user_id", "b"))
    assert workspace.profiles.resolve_many([a, b, c, 987654]) == {merged, c}
    assert workspace.profiles.resolve_many([a, b, c]) == {workspace.profiles.resolve(p) for p in (a, b, c)}
    assert workspace.profiles.resolve_many([]) == set()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ws: ws.identity.merge(("email", "nobody@x.org"), ("user_id", "a")), "no identifier email"),
        (lambda ws: ws.identity.unmerge(("user_id", "a")), "alone in its profile"),
        (lambda ws: ws.profiles.resolve(987654), "no profile with id 987654"),
        (lambda ws: ws.profiles.find("email", "not-an-email"), "not a valid email"),
    ],
)
def test_bad_identity_requests_say_why(workspace: Workspace, call: Any, message: str) -> None:
    workspace.access.add_source("web")
    workspace.ingest.send("web", [{"type": "identify", "userId": "a"}])
    with pytest.raises(NotFoundError, match=message):
        call(workspace)


def test_revenue_is_summed_exactly_whatever_the_order(workspace: Workspace) -> None:
    """A DOUBLE sum of 0.1 and 0.2 is 0.30000000000000004 and depends on the order rows are added in."""
    workspace.access.add_source("web")
    orders = [
        {
            "type": "track",
            "userId": "u1",
            "event": "Order Completed",
            "properties": {"order_id": f"o{n}", "revenue": amount},
        }
        for n, amount in enumerate([0.1, 0.2, 1e15, -1e15, 0.07])
    ]
    workspace.ingest.send("web", orders)
    profile = workspace.profiles.find("user_id", "u1")
    shown = workspace.db.scalar("SELECT revenue FROM profiles WHERE profile_id = $p", {"p": profile})
    assert shown == 0.37
    workspace.profiles.rebuild()
    assert workspace.db.scalar("SELECT revenue FROM profiles WHERE profile_id = $p", {"p": profile}) == 0.37
