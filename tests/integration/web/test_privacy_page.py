"""The privacy page: consent across people, recent privacy requests, retention in force.

Each count must be the people the CLI shows with that decision (``consent show``), and
each request an entry ``persona360 audit`` lists. The real app over ASGI, the real CLI
through Typer's runner, one workspace file.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.web.pages import browse, fetch
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings


def cli_json(db: Path, *args: str) -> object:
    done = CliRunner().invoke(app, ["--db", str(db), *args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def rows_of(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, table
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td><a href="/profiles/(\d+)">', html)]


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    """u1 granted marketing, u2 withdrew it by email, u3's grant lapsed, u4 never said; u5 was erased."""
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path, retention_days={"type:page": 90}), clock, create=True) as ws:
        ws.access.add_source("shop")
        people = [
            {"type": "identify", "userId": f"u{n}", "traits": {"email": f"u{n}@example.org"}} for n in range(1, 6)
        ]
        people[0]["traits"]["consent"] = {"marketing": True}
        ws.ingest.send("shop", people)
        find = {n: ws.profiles.find("user_id", f"u{n}") for n in range(1, 6)}
        ws.privacy.withdraw(find[2], "marketing", "email", actor="web:dpo")
        ws.privacy.grant(find[3], "marketing", expires_at=datetime(2026, 10, 1, tzinfo=UTC), actor="cli")
        ws.privacy.export(find[1], actor="token:helpdesk")
        ws.privacy.erase(find[5], actor="web:dpo")
    return path


def test_consent_counts_are_the_people_the_cli_shows_with_that_decision(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        ids = {n: ws.profiles.find("user_id", f"u{n}") for n in range(1, 5)}
        (page,) = fetch(ws, "/privacy")
        cells = {"granted": "", "expired": "", "withdrawn": ""}
        cells |= dict(
            zip(cells, fetch(ws, *(f"/privacy/consent?purpose=marketing&state={s}" for s in cells)), strict=True)
        )
        (by_email,) = fetch(ws, "/privacy/consent?purpose=marketing&channel=email&state=withdrawn")
        (never,) = fetch(ws, "/privacy/consent?purpose=marketing&channel=email&state=never")
    table = {(row[0], row[1]): row[2:] for row in rows_of(page, "consent-table")}
    assert table[("marketing", "every channel")] == ["not allowed: needs a grant", "1", "1", "0", "2"]
    assert table[("marketing", "email")] == [
        "the every-channel decision; without one, not allowed: needs a grant",
        "0",
        "0",
        "1",
        "3",
    ]
    assert table[("analytics", "every channel")] == ["allowed (default)", "0", "0", "0", "4"]
    assert (listed(cells["granted"]), listed(cells["expired"]), listed(by_email)) == ([ids[1]], [ids[3]], [ids[2]])
    assert listed(never) == sorted([ids[1], ids[3], ids[4]])
    for user, channel, granted in (("u1", None, True), ("u2", "email", False), ("u3", None, True)):
        shown = cli_json(db, "consent", "show", f"user_id:{user}")
        assert isinstance(shown, dict)
        (row,) = [r for r in shown["consent"] if (r["purpose"], r["channel"]) == ("marketing", channel)]
        assert row["granted"] is granted


def test_recent_requests_are_the_audit_entries_with_links_while_the_profile_exists(db: Path) -> None:
    audit = cli_json(db, "audit", "--limit", "100")
    assert isinstance(audit, list)
    acts = [
        r for r in audit if r["action"] in ("consent.grant", "consent.withdraw", "export.person", "erasure.completed")
    ]
    with Workspace(load_settings(db=db)) as ws:
        (page,) = fetch(ws, "/privacy")
        exported = ws.profiles.find("user_id", "u1")
    rows = rows_of(page, "requests-table")
    words = {"consent.grant": "Consent granted", "consent.withdraw": "Consent withdrawn"}
    words |= {"export.person": "Access export", "erasure.completed": "Erasure"}
    gone = {"erasure.completed": " (gone)"}
    expected = [
        (words[a["action"]], a["actor"], a["target"].replace("profile:", "#") + gone.get(a["action"], "")) for a in acts
    ]
    assert [(r[1], r[2], r[3]) for r in rows] == expected
    assert [r[1] for r in rows] == ["Erasure", "Access export", "Consent granted", "Consent withdrawn"]
    assert rows[0][4].startswith("2 identifiers suppressed, ") and rows[3][4] == "marketing by email (consent)"
    assert rows[2][4] == "marketing by every channel (consent, until 2026-10-01)"
    assert f'<a href="/profiles/{exported}">#{exported}</a>' in page
    erased = acts[0]["target"].removeprefix("profile:")
    assert f'<a href="/profiles/{erased}">' not in page


def test_retention_in_force_is_shown_read_only(db: Path) -> None:
    with Workspace(load_settings(db=db, retention_days={"type:page": 90, "identifiers:shop": 30})) as ws:
        (page,) = fetch(ws, "/privacy")
    assert rows_of(page, "retention-table") == [
        ["identifiers:shop", "emails and phones only shop supplied (unless marketing was granted on their channel), "
         "after its last record", "30"],
        ["type:page", "page events", "90"],
    ]  # fmt: skip
    assert "every 24 hours" in page and "<form" not in page.split('id="retention"')[1].split("</section>")[0]


def test_the_people_behind_a_count_are_audited(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        fetch(
            ws, "/privacy/consent?purpose=marketing&state=granted", "/privacy/consent?purpose=profiling&state=granted"
        )
        entries = ws.privacy.audit_log(5, action="consent.holders")
    assert [(e["actor"], e["target"], e["detail"]) for e in entries] == [
        ("web:pages-admin", "profiles", {"purpose": "marketing", "channel": None, "state": "granted", "rows": 1})
    ]  # the empty list named nobody


def test_an_empty_workspace_says_what_to_do(workspace: Workspace) -> None:
    (page,) = fetch(workspace, "/privacy")
    assert "No privacy requests yet. Erase a person or export their data from their profile card" in page
    assert (
        "No profiles yet: import customers with <code>persona360 import FILE --source shop --kind customers</code>"
        in page
        and "No retention rules: every event is kept" in page
    )
    assert [row[1:] for row in rows_of(page, "consent-table")][0] == [
        "every channel", "not allowed: needs a grant", "0", "0", "0", "0",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/privacy/consent?purpose=spam&state=granted", 400, "unknown purpose &#39;spam&#39;: use one of marketing"),
        ("/privacy/consent?purpose=marketing&channel=fax&state=granted", 400, "unknown channel &#39;fax&#39;"),
        ("/privacy/consent?purpose=marketing&state=maybe", 400, "consent state &#39;maybe&#39;: use one of granted"),
        ("/privacy/consent?purpose=marketing", 400, "the address is missing state=… (a query parameter)"),
        ("/privacy/consent?purpose=marketing&state=granted&page=9", 404, "there is no page 9: the list has 1 page"),
    ],
)
def test_a_bad_consent_list_url_says_what_is_wrong(workspace: Workspace, path: str, status: int, message: str) -> None:
    ((got, html),) = browse(workspace, [("GET", path, None)])
    assert got == status and message in html, html[-1500:]


def test_a_token_without_the_privacy_scope_is_refused(workspace: Workspace) -> None:
    answers = browse(workspace, [("GET", "/privacy", None), ("GET", "/", None)], scopes=("profiles:read",))
    assert answers[0][0] == 403 and "lacks the scope &#39;privacy&#39;" in answers[0][1]
    assert 'href="/privacy"' not in answers[1][1]
