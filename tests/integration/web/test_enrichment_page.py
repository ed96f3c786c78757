"""The enrichment page: what each provider filled in, and a run button for those who may write.

The counts must be what ``persona360 enrich`` reported for the same file, and a run from
the page must do what the command does, audited with the viewer. The real app over ASGI,
the real CLI through Typer's runner, real workspace files.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.web.pages import browse, fetch
from persona360 import Workspace
from persona360.api.app import create_app
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings
from persona360.web.background_run import BackgroundRun, Progress

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def cli_json(db: Path, *args: str) -> dict[str, object]:
    done = CliRunner().invoke(app, ["--db", str(db), *args, "--json"])
    assert done.exit_code == 0, done.output
    found: dict[str, object] = json.loads(done.output)
    return found


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def provider_row(html: str, provider: str) -> list[str]:
    row = re.search(rf'<tr id="provider-{provider}">(.*?)</tr>', html, re.S)
    assert row, provider
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def filled(html: str) -> dict[str, int]:
    """Trait -> profiles, from the providers table's last column of every row."""
    found: dict[str, int] = {}
    for cells in re.findall(r'<tr id="provider-[^"]+">.*?</tr>', html, re.S):
        last = re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)[-1])
        found |= {trait: int(n.replace(",", "")) for trait, n in re.findall(r"(\w+) ([\d,]+)", last)}
    return found


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    """Two people allow enrichment, a third does not; one of them told the shop her gender."""
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), clock, create=True) as ws:
        ws.access.add_source("shop")
        people = [
            ("u1", {"firstName": "Olena", "email": "olena@gmail.com", "phone": "+380501234567", "gender": "female"}),
            ("u2", {"firstName": "Mykola", "email": "sales@example-shop.com.ua", "phone": "+48601234567"}),
            ("u3", {"firstName": "Ivan", "email": "ivan@ukr.net"}),
        ]
        for user, traits in people:
            ws.ingest.send("shop", [{"type": "identify", "userId": user, "traits": traits}])
            ws.ingest.send("shop", [{"type": "page", "userId": user, "context": {"userAgent": BROWSER}}])
        for user in ("u1", "u2"):
            ws.privacy.grant(ws.profiles.find("user_id", user), "enrichment", actor="test")
    return path


def test_the_page_counts_what_the_cli_run_filled_in(db: Path) -> None:
    report = cli_json(db, "enrich")
    with Workspace(load_settings(db=db)) as ws:
        (html,) = fetch(ws, "/enrichment")
    by_trait = report["by_trait"]
    assert isinstance(by_trait, dict) and by_trait["gender"] == 1 and by_trait["phone_country"] == 2  # u1 told hers
    assert filled(html) == {**dict.fromkeys(filled(html), 0), **by_trait}
    assert provider_row(html, "name")[2:4] == ["1", "1"] and provider_row(html, "phone")[2] == "2"
    assert provider_row(html, "ip")[2:5] == ["0", "0", "never"]
    said = (
        f"by cli: {report['enriched']} of {report['profiles']} profiles got new or changed traits "
        f"({report['traits_written']} written)"
    )
    assert said == "by cli: 2 of 3 profiles got new or changed traits (22 written)" and said in words(html)
    assert "1 profiles without enrichment consent were skipped" in words(html)
    assert "2 granted enrichment, 0 withdrew it, 1 never decided (skipped" in words(html)


def test_a_run_from_the_page_does_what_the_cli_does_and_is_audited(db: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.duckdb"
    shutil.copy(db, twin)
    report = cli_json(twin, "enrich")
    with Workspace(load_settings(db=db)) as ws:
        web = create_app(ws)
        web.state.web_enrichment = BackgroundRun("test", wait=None)  # the button's request waits for the end
        (ran, shown) = browse(ws, [("POST", "/enrichment/run", {}), ("GET", "/enrichment?ran=1", None)], app=web)
        (entry,) = ws.privacy.audit_log(5, action="enrichment.run")
    assert ran[0] == 303
    assert (entry["actor"], entry["target"], entry["detail"]) == ("web:pages-admin", "profiles", report)
    assert "<strong>Done.</strong>" in shown[1] and filled(shown[1])["gender"] == 1


def test_a_read_only_token_sees_the_figures_but_cannot_run(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        (shown, ran) = browse(
            ws, [("GET", "/enrichment", None), ("POST", "/enrichment/run", {})], scopes=("profiles:read",)
        )
        assert ws.privacy.audit_log(5, action="enrichment.run") == []
        assert not [s for s in ws.access.sources() if str(s["name"]).startswith("enrich.") and s["events"]]
    assert shown[0] == 200 and 'action="/enrichment/run"' not in shown[1]
    assert "Running enrichment needs a token with <code>profiles:write</code>" in shown[1]
    assert ran[0] == 403 and "Not allowed" in ran[1] and "lacks the scope &#39;profiles:write&#39;" in ran[1]


def test_a_run_without_the_forms_token_is_refused(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        ((status, html),) = browse(ws, [("POST", "/enrichment/run", None)])  # no form: no CSRF token
        assert ws.privacy.audit_log(5, action="enrichment.run") == []
    assert status == 403 and "the form expired or came from another site" in html


def test_an_empty_workspace_says_what_to_do(workspace: Workspace) -> None:
    (html,) = fetch(workspace, "/enrichment")
    assert "Nothing inferred yet: run enrichment with the button above or with <code>persona360 enrich</code>" in html
    assert "No run started by a person yet" in html
    assert provider_row(html, "phone")[2:5] == ["0", "0", "never"]


def test_a_long_run_goes_on_after_the_answer_and_the_page_follows_it(db: Path) -> None:
    """The run is a job that stops half-way until the test lets it go: the page meanwhile shows its progress."""
    halfway, finish = threading.Event(), threading.Event()

    def long_run(progress: Progress) -> None:
        progress(1, 3)
        halfway.set()
        finish.wait(60)

    with Workspace(load_settings(db=db)) as ws:
        web = create_app(ws)
        runner = web.state.web_enrichment = BackgroundRun("test", wait=0)
        assert runner.start(long_run, "web:earlier")
        assert halfway.wait(60)
        (page_running, again) = browse(ws, [("GET", "/enrichment", None), ("POST", "/enrichment/run", {})], app=web)
        finish.set()
        runner.join()
        ((_, page_ended),) = browse(ws, [("GET", "/enrichment?ran=1", None)], app=web)
        assert ws.privacy.audit_log(5, action="enrichment.run") == []  # the second press started nothing
    running = words(page_running[1])
    assert "Running, started here by web:earlier: 1 of 3 profiles done." in running
    assert (
        '<meta http-equiv="refresh" content="3; url=/enrichment?ran=1">' in page_running[1]
        and '<progress max="3" value="1"' in page_running[1]
    )
    assert 'action="/enrichment/run"' not in page_running[1]  # no second run while one goes on
    assert again[0] == 303
    assert "Running" not in words(page_ended) and 'http-equiv="refresh"' not in page_ended
    assert 'action="/enrichment/run"' in page_ended


def test_a_run_that_fails_says_why_on_the_page(db: Path) -> None:
    def broken(progress: Progress) -> None:
        raise RuntimeError("the disk is full")

    with Workspace(load_settings(db=db)) as ws:
        web = create_app(ws)
        runner = web.state.web_enrichment = BackgroundRun("test", wait=None)
        runner.start(broken, "web:someone")
        ((_, html),) = browse(ws, [("GET", "/enrichment?ran=1", None)], app=web)
    assert (
        '<p class="alert error" role="alert">The last run started here failed: RuntimeError: the disk is full</p>'
        in html
    )
    assert "<strong>Done.</strong>" not in html


def test_a_run_with_nothing_new_says_the_profiles_were_up_to_date(db: Path) -> None:
    """'enriched 0 of 3 profiles' read like a failure after a second run that had nothing to add."""
    cli_json(db, "enrich")
    again = cli_json(db, "enrich")
    assert (again["enriched"], again["traits_written"]) == (0, 0)
    with Workspace(load_settings(db=db)) as ws:
        (html,) = fetch(ws, "/enrichment")
    assert "0 of 3 profiles got new or changed traits (0 written), 2 were already up to date" in words(html)
