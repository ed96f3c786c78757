"""Every change, and every read of personal data, leaves an audit entry, from the web, the admin API and the CLI.

The trail held reads, consent, erasure and exports, but not the web's unmerge, review
decisions or segment creation, nor ``persona360 import``, ``profile show`` or the
demo's queued campaign (NOTE15 #2). Changes that take an ``actor`` are audited where
they are made (``ws.identity.merge/unmerge``, ``ws.resolution.accept/reject/resolve``,
``ws.ingest.import_file``), so every front end is covered; the others by the front
end, with the admin API's action names. Real workspace files; the app over ASGI; the
CLI through typer's runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner

from integration.privacy.test_consent_cli_api import call
from integration.resolution.look_alikes import send_two_likely_pairs
from integration.web.test_unmerge_confirmation import web_request
from persona360 import Workspace
from persona360.cli import app
from persona360.segments.definitions import SegmentSpec

RATING = {"id": "q", "text": "How likely?", "kind": "scale", "min": 0, "max": 10, "trait": "nps"}


def _shop(ws: Workspace) -> tuple[int, int]:
    """Two pairs waiting for review, and Ann, whose laptop cookie joined her account; the two pair ids."""
    ws.access.add_source("shop")
    ws.ingest.send("shop", [{"type": "identify", "userId": "ann", "traits": {"email": "ann@example.org"}}])
    ws.ingest.send("shop", [{"type": "page", "anonymousId": "laptop", "name": "home"}])
    ws.ingest.send("shop", [{"type": "identify", "userId": "ann", "anonymousId": "laptop"}])
    send_two_likely_pairs(ws, "shop")
    assert ws.resolution.resolve().queued == 2
    first, second = (pair["pair_id"] for pair in ws.resolution.pairs("pending", 10))
    return first, second


def _last(ws: Workspace, action: str) -> tuple[str, str]:
    entries = ws.privacy.audit_log(1, action=action)
    assert entries, f"no {action} entry"
    return entries[0]["actor"], entries[0]["target"]


def test_resolve_runs_that_queue_or_merge_are_audited(workspace: Workspace) -> None:
    _shop(workspace)
    (entry,) = workspace.privacy.audit_log(10, action="resolution.run")
    assert (entry["actor"], entry["target"], entry["detail"]["queued"]) == ("resolve", "profiles", 2)
    workspace.resolution.resolve()  # nothing new: no act, no entry
    assert len(workspace.privacy.audit_log(10, action="resolution.run")) == 1


def test_web_changes_are_audited_with_the_viewer(workspace: Workspace) -> None:
    first, second = _shop(workspace)
    ann = workspace.profiles.find("user_id", "ann")
    assert web_request(workspace, f"/review/{first}/accept", {}).status_code == 303
    assert web_request(workspace, f"/review/{second}/reject", {}).status_code == 303
    segment = {"name": "Ann", "condition": "event_count >= 1"}
    assert web_request(workspace, "/segments", segment).status_code == 303
    assert web_request(workspace, f"/profiles/{ann}/timeline").status_code == 200
    assert _last(workspace, "resolution.accept") == ("web:card-admin", f"pair:{first}")
    assert _last(workspace, "resolution.reject") == ("web:card-admin", f"pair:{second}")
    assert _last(workspace, "segment.create") == ("web:card-admin", "segment:Ann")
    assert _last(workspace, "profile.timeline") == ("web:card-admin", f"profile:{ann}")


def test_admin_api_changes_are_audited_with_the_token(workspace: Workspace) -> None:
    first, second = _shop(workspace)
    ann = workspace.profiles.find("user_id", "ann")
    laptop = {"kind": "anonymous_id", "value": "laptop"}
    steps: list[tuple[str, str, dict[str, Any] | None, str, str]] = [
        ("identity", f"/v1/resolution/pairs/{first}/accept", None, "resolution.accept", f"pair:{first}"),
        ("identity", f"/v1/resolution/pairs/{second}/reject", None, "resolution.reject", f"pair:{second}"),
        ("profiles:write", f"/v1/profiles/{ann}/unmerge", {"identifier": laptop}, "identity.unmerge", f"profile:{ann}"),
        ("profiles:write", "/v1/profiles/merge", {"a": {"kind": "user_id", "value": "ann"}, "b": laptop},
         "identity.merge", f"profile:{ann}"),
        ("segments", "/v1/segments", {"name": "all", "condition": "event_count >= 1"}, "segment.create", "segment:all"),
        ("segments", "/v1/segments/all/triggers", {"url": "http://127.0.0.1:9/hook"}, "segment.trigger", "segment:all"),
        ("campaigns", "/v1/templates", {"name": "hi", "source": "Subject: Hi\n\nHello"},
         "template.save", "template:hi"),
        ("campaigns", "/v1/campaigns", {"name": "hi", "segment": "all", "template_name": "hi"},
         "campaign.create", "hi"),
        ("segments", "/admin/surveys", {"id": "nps", "name": "NPS", "questions": [RATING]},
         "survey.create", "survey:nps"),
    ]  # fmt: skip
    for scope, url, body, action, target in steps:
        answer = call(workspace, "POST", url, scope=scope, json=body)
        assert answer.status_code in (200, 201), (url, answer.text)
        assert _last(workspace, action) == (f"token:{scope}", target), url


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_changes_and_reads_of_people_are_audited(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.open(db) as ws:
        first, second = _shop(ws)
        ann = ws.profiles.find("user_id", "ann")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("email,name\nivan@example.org,Ivan\nnot-an-email,Bad\n")
    template, survey = tmp_path / "hi.txt", tmp_path / "nps.json"
    template.write_text("Subject: Hi\n\nHello")
    survey.write_bytes(orjson.dumps({"id": "nps", "name": "NPS", "questions": [RATING]}))
    steps: list[tuple[list[str], str, str]] = [
        (["import", str(contacts), "--source", "crm", "--kind", "customers", "--map", "email=email",
          "--map", "name=trait:name"], "ingest.import", "source:crm"),
        (["profile", "show", "ann@example.org"], "profile.read", f"profile:{ann}"),
        (["profiles", "list"], "profiles.list", "profiles"),
        (["profiles", "timeline", "ann@example.org"], "profile.timeline", f"profile:{ann}"),
        (["profiles", "export"], "profiles.export", "profiles"),
        (["unmerge", str(ann), "anonymous_id:laptop"], "identity.unmerge", f"profile:{ann}"),
        (["merge", "user_id:ann", "anonymous_id:laptop"], "identity.merge", f"profile:{ann}"),
        (["review", "list"], "resolution.pairs", "profiles"),
        (["review", "accept", str(first)], "resolution.accept", f"pair:{first}"),
        (["review", "reject", str(second)], "resolution.reject", f"pair:{second}"),
        (["segments", "create", "all", "event_count >= 1"], "segment.create", "segment:all"),
        (["segments", "preview", "event_count >= 1"], "segment.preview", "profiles"),
        (["segments", "members", "all"], "segment.members", "segment:all"),
        (["segments", "history", "all"], "segment.history", "segment:all"),
        (["segments", "deliveries"], "segment.deliveries", "profiles"),
        (["campaigns", "create", "hi", "--template", str(template), "--segment", "all"], "campaign.create", "hi"),
        (["templates", "preview", str(template), str(ann)], "template.preview", f"profile:{ann}"),
        (["surveys", "create", str(survey)], "survey.create", "survey:nps"),
        (["segments", "delete", "all"], "segment.delete", "segment:all"),
        (["sources", "add", "pos"], "access.source_add", "source:pos"),
        (["tokens", "create", "--scope", "admin", "--name", "ops"], "access.token_create", "tokens"),
        (["tokens", "revoke", "1"], "access.token_revoke", "tokens"),
        (["rebuild"], "workspace.rebuild", "profiles"),
    ]  # fmt: skip
    for args, action, target in steps:
        _cli(db, *args)
        with Workspace.open(db) as ws:
            assert _last(ws, action) == ("cli", target), args
    with Workspace.open(db) as ws:
        imported = ws.privacy.audit_log(1, action="ingest.import")[0]["detail"]
        assert imported == {"file": "contacts.csv", "kind": "customers", "rows": 2, "stored": 1, "rejected": 1}
        trail = orjson.dumps(ws.privacy.audit_log(1000)).decode()
    assert "p360_" not in trail and "ann@example.org" not in trail, "the trail names ids and counts, never values"


def test_the_demo_campaign_queue_is_audited(workspace: Workspace) -> None:
    from persona360.demo.stages import CAMPAIGN_NAME, CAMPAIGN_SEGMENT, campaign

    workspace.access.add_source("shop")
    workspace.segments.create(SegmentSpec(CAMPAIGN_SEGMENT, "event_count >= 1"))
    campaign(workspace, lambda *_: None, None)
    (entry,) = workspace.privacy.audit_log(10, action="campaign.queue")
    assert (entry["actor"], entry["target"]) == ("demo", CAMPAIGN_NAME)
