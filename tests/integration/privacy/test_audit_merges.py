"""A profile's audit trail lists every merge that joined it, whatever the entry's target.

A merge accepted from the review queue is logged as ``pair:ID`` and a merge under the
profile kept, so ``persona360 audit --target profile:N`` (and the web audit page's
filter, the same query) missed the accept, and the merged-away side missed both. A real
workspace file, the real resolver's queue, the CLI through Typer's runner and the web
page through the real app over ASGI.
"""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from integration.resolution.look_alikes import queue_two_likely_pairs
from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import app


@pytest.fixture
def queued(workspace: Workspace) -> Workspace:
    return queue_two_likely_pairs(workspace)


def actions_about(ws: Workspace, profile_id: int) -> list[str]:
    return [row["action"] for row in ws.privacy.audit_log(100, f"profile:{profile_id}")]


def test_an_accepted_review_pair_is_in_the_trail_of_both_profiles(queued: Workspace) -> None:
    pair = queued.resolution.pairs()[0]
    kept = queued.resolution.accept(pair["pair_id"])
    for side in (pair["a_profile"], pair["b_profile"]):
        assert actions_about(queued, side) == ["resolution.accept"], side
    (entry,) = queued.privacy.audit_log(1, f"profile:{kept}")
    assert entry["target"] == f"pair:{pair['pair_id']}"
    assert entry["detail"]["joined"] == [pair["a_profile"], pair["b_profile"]]


def test_a_manual_merge_is_in_the_trail_of_the_profile_merged_away_too(queued: Workspace) -> None:
    a, b = (queued.profiles.find("user_id", user) for user in ("u3", "u4"))
    kept = queued.identity.merge(("user_id", "u3"), ("user_id", "u4"))
    gone = b if kept == a else a
    assert actions_about(queued, kept) == actions_about(queued, gone) == ["identity.merge"]


def test_entries_written_before_joined_was_kept_are_found_by_the_profile_they_name(workspace: Workspace) -> None:
    workspace.privacy.audit("cli", "resolution.accept", "pair:9", {"profile_id": 77})
    workspace.privacy.audit("cli", "identity.unmerge", "profile:77", {"kind": "email", "new_profile": 78})
    workspace.privacy.audit(
        "cli", "audience.export", "segment:vip", {"joined": 77}
    )  # another shape: no match, no error
    assert actions_about(workspace, 77) == ["identity.unmerge", "resolution.accept"]
    assert actions_about(workspace, 78) == ["identity.unmerge"]
    assert actions_about(workspace, 9) == []


def test_the_cli_and_the_web_audit_page_filter_by_profile_alike(queued: Workspace) -> None:
    pair = queued.resolution.pairs()[0]
    queued.resolution.accept(pair["pair_id"])
    other = pair["b_profile"]
    html = fetch(queued, f"/audit?target=profile:{other}")[0]
    assert f"pair:{pair['pair_id']}" in html
    queued.close()
    done = CliRunner().invoke(app, ["--db", str(queued.settings.db), "audit", "--target", f"profile:{other}", "--json"])
    assert done.exit_code == 0, done.output
    assert [row["target"] for row in orjson.loads(done.output)] == [f"pair:{pair['pair_id']}"]
