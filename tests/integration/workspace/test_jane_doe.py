"""The Jane Doe case: four systems, four fragments, one profile, every link explained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from persona360 import Workspace
from persona360.cli.profile_cmds import render_profile
from persona360.profiles.reading import display_name


def test_four_fragments_end_in_one_profile_through_explained_edges(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    profile_id = workspace.profiles.find("id:shop", "1234")
    for kind, value in [("email", "jane.doe@gmail.com"), ("handle:facebook", "janedoe"), ("phone", "067 123 45 67")]:
        assert workspace.profiles.find(kind, value) == profile_id
    profile = workspace.profiles.show(profile_id)
    kinds = sorted(i["kind"] for i in profile["identifiers"])
    assert kinds == ["email", "handle:facebook", "id:shop", "phone"]
    assert profile["orders_count"] == 1 and profile["revenue"] == 130
    assert profile["event_counts"] == {"Order Completed": 1, "Ticket Created": 1}
    assert sorted(profile["sources"]) == ["email", "shop", "social", "support"]
    reasons = {(e["a"], e["b"], e["reason"], e["source"]) for e in workspace.profiles.edges(profile_id)}
    assert ("id:shop:1234", "email:janedoe@gmail.com", "record", "shop") in reasons
    assert ("email:janedoe@gmail.com", "phone:+380671234567", "record", "email") in reasons
    # John, who shares nothing with Jane, stays apart.
    assert workspace.profiles.find("email", "john@roe.org") != profile_id


def test_trait_provenance_keeps_every_value_and_shows_the_latest(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    traits = workspace.profiles.show(workspace.profiles.find("id:shop", "1234"))["traits"]
    names = {v["value"]: v["source"] for v in traits["name"]["values"]}
    assert names == {"Jane D.": "email", "Jane Doe": "social"}
    assert traits["firstName"] == traits["firstName"] | {"value": "Jane", "source": "shop"}


def test_timeline_lists_every_fragment_in_time_order_a_page_at_a_time(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    profile_id = workspace.profiles.find("phone", "+380671234567")
    seen, cursor = [], None
    while True:
        page = workspace.profiles.timeline(profile_id, limit=1, cursor=cursor)
        seen += page["events"]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == 4
    # contacts and social rows carry no time (stamped at import); the ticket and order do
    assert [e["source"] for e in seen][2:] == ["support", "shop"]
    stamps = [e["timestamp"] for e in seen]
    assert stamps == sorted(stamps, reverse=True)
    tickets = workspace.profiles.timeline(profile_id, event_type="Ticket Created")
    assert [e["properties"]["topic"] for e in tickets["events"]] == ["delivery late"]


def test_profile_lists_show_each_row_its_own_email_and_name(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    jane = workspace.profiles.find("id:shop", "1234")
    john = workspace.profiles.find("email", "john@roe.org")
    shown = workspace.profiles.show(jane)["traits"]
    listed = {row["profile_id"]: row for row in workspace.profiles.list(limit=10)}
    assert listed[jane]["email"] == shown["email"]["value"]
    # the shop's first and last name win over a "name" from the email list or a social profile,
    # on the card and in the CLI as in the list
    assert listed[jane]["name"] == f"{shown['firstName']['value']} {shown['lastName']['value']}" == "Jane Doe"
    assert display_name(workspace.profiles.show(jane)) == listed[jane]["name"]
    assert render_profile(workspace.profiles.show(jane), "USD").title == "Jane Doe"
    assert listed[john]["email"] == "john@roe.org"
    by_ids = workspace.profiles.list_ids([john, jane])
    assert [row["profile_id"] for row in by_ids] == [john, jane]
    assert [row["email"] for row in by_ids] == [listed[john]["email"], listed[jane]["email"]]
