"""The demo end to end: generator -> tracking API (a real server process) -> importers -> score."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app
from persona360.demo import ARCHETYPES, DemoSpec
from persona360.demo.feed import BULK_LOAD, FeedError, ServerProcess, loading_settings
from persona360.demo.loading import generate_and_send
from persona360.demo.pipeline import DEMO_SEGMENTS, DEMO_TRAITS, run_demo
from persona360.demo.sink import SmtpSink
from persona360.demo.stages import CAMPAIGN_NAME, campaign, run_stage
from persona360.errors import WorkspaceError
from persona360.settings import Settings, load_settings

# the module's demo runs every stage (resolution, personas...): minutes on a loaded machine
pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server"), pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sink: SmtpSink) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("demo") / "shop"  # not there yet: the demo makes it
    spec = DemoSpec(customers=150, days=20, seed=7, end=datetime(2026, 11, 1, tzinfo=UTC))
    stages: list[str] = []
    settings = _settings(out, sink)
    report = run_demo(spec, out, settings, lambda s, d, t: stages.append(s), sink)
    for stage in ("simulate people", "send events to /v1/batch", "resolve identities", "discover personas"):
        assert stage in stages
    return report.as_dict(), out


def _settings(out: Path, sink: SmtpSink) -> Settings:
    # quiet hours off: the sink must receive every queued message whatever the hour the test runs
    return load_settings(db=out / "ws.duckdb", smtp_port=sink.port, activation_quiet_hours=(0, 0))


def test_the_demos_imports_are_audited_as_the_demo(demo: tuple[dict, Path]) -> None:
    _, out = demo
    with Workspace(load_settings(db=out / "ws.duckdb")) as ws:
        imports = ws.privacy.audit_log(100, action="ingest.import")
        surveys = ws.privacy.audit_log(100, action="survey.import")
    assert {entry["target"] for entry in imports} == {"source:shop", "source:email", "source:support", "source:social"}
    assert {entry["actor"] for entry in imports} == {"demo"}
    assert [(entry["actor"], entry["target"]) for entry in surveys] == [("demo", "survey:post-purchase")]


def test_every_record_of_every_source_is_read(demo: tuple[dict, Path]) -> None:
    report, out = demo
    web = report["sources"]["shop-web"]
    assert web["stored"] == web["records"] > 1000 and web["rejected"] == 0
    assert set(report["sources"]) == {"shop-web", "shop", "email", "support", "social", "survey"}
    stored = sum(source["stored"] for source in report["sources"].values())
    with Workspace(load_settings(db=out / "ws.duckdb")) as ws:
        names = {row["name"] for row in ws.access.sources()}
        assert "truth" not in " ".join(names)  # the answer key never enters the workspace
        written = ws.db.scalar(  # resolution's merges and enrichment's traits
            "SELECT count(*) FROM events JOIN sources USING (source_id) "
            "WHERE name = 'persona360' OR starts_with(name, 'enrich.')"
        )
        # counted once every stage has run, as the web UI counts them (resolution merged some profiles)
        assert report["events"] == stored + written
        assert ws.profiles.count() == report["profiles"] == report["resolution"]["profiles_after"]
        assert report["profiles"] <= report["resolution"]["profiles_before"]


def test_stitching_is_scored_against_the_truth(demo: tuple[dict, Path]) -> None:
    score = demo[0]["stitching"]
    assert 140 <= score["people"] <= 150  # a person who left no record is not in the truth
    survey = demo[0]["sources"]["survey"]
    # every stored record is placed; a survey response is one identify (keyed by the
    # response id the truth knows) plus a track per answered question. (report["events"]
    # is counted at the end, with resolution's and enrichment's own events.)
    imported = sum(source["stored"] for source in demo[0]["sources"].values())
    assert score["placed"] == imported - (survey["stored"] - survey["records"])
    # deterministic stitching alone: nearly pure profiles, people still split across some
    # (probabilistic matching, issue 5, is what joins "Jane D." to "Jane Doe")
    assert 0.95 <= score["precision"] <= 1.0 and 0.6 <= score["recall"] < 1.0
    assert score["profiles"] >= score["people"] * 0.9


def test_later_stages_ran(demo: tuple[dict, Path]) -> None:
    report = demo[0]
    assert set(report["segments"]) == set(DEMO_SEGMENTS)
    assert report["segments"]["Repeat buyers"] > 0
    assert sum(report["rfm"].values()) > 0
    assert all(report["computed_traits"][name] > 0 for name in DEMO_TRAITS)  # each reads properties its events carry


def test_the_demo_never_deletes_a_workspace_outside_its_folder(tmp_path: Path) -> None:
    outside = tmp_path / "precious.duckdb"
    Workspace(load_settings(db=outside), create=True).close()
    with pytest.raises(WorkspaceError, match="not inside the demo folder"):
        run_demo(DemoSpec(customers=5, days=2), tmp_path / "demo", load_settings(db=outside))
    assert outside.exists()


def test_probabilistic_resolution_is_scored_before_and_after(demo: tuple[dict, Path]) -> None:
    report = demo[0]
    resolution = report["resolution"]
    assert "failed" not in resolution
    before, after = resolution["before"], resolution["after"]
    assert before == report["stitching"]  # the same score, taken before resolve ran
    assert after["profiles"] <= before["profiles"]
    assert after["recall"] >= before["recall"] and after["precision"] > 0.9
    assert resolution["profiles_after"] <= report["profiles"]


def test_personas_are_scored_against_the_planted_archetypes(demo: tuple[dict, Path]) -> None:
    personas = demo[0]["personas"]
    assert "failed" not in personas
    assert len(personas["personas"]) == personas["k"] >= 3
    assert 0.0 < personas["ari"] <= 1.0  # better than chance: archetypes leave traces
    assert set(personas["archetypes"]) <= set(ARCHETYPES) and len(personas["archetypes"]) >= 5
    names = {p["name"] for p in personas["personas"]}
    for matched in personas["archetypes"].values():
        assert matched["name"] in names and 0 < matched["recall"] <= 1 and 0 < matched["purity"] <= 1


def test_enrichment_asks_consent_and_uses_offline_providers(demo: tuple[dict, Path]) -> None:
    enrichment = demo[0]["enrichment"]
    assert "failed" not in enrichment and enrichment["consent_checked"]
    assert set(enrichment["providers"]) == {"email", "ip", "name", "phone", "user_agent"}
    assert enrichment["enriched"] + enrichment["skipped_no_consent"] <= enrichment["profiles"]
    assert enrichment["skipped_no_consent"] > 0  # not everyone allows it
    assert enrichment["traits_written"] == sum(enrichment["by_trait"].values())


def test_the_campaign_reaches_the_sink_for_consenting_members_only(demo: tuple[dict, Path], sink: SmtpSink) -> None:
    sent = demo[0]["campaign"]
    assert "failed" not in sent and sent["segment"] == "Abandoned cart"
    gates = ("no_consent", "no_address", "capped", "control", "queued", "deferred", "render_failed")
    assert sum(sent[gate] for gate in gates) == sent["new"] == sent["members"] > 0
    assert sent["no_consent"] > 0 and sent["deferred"] == 0
    assert sent["delivered"] == sent["sent"] == sent["queued"] == sink.received() > 0


def test_a_failing_stage_is_reported_not_raised(demo: tuple[dict, Path], sink: SmtpSink) -> None:
    report, out = demo
    seconds: dict[str, float] = {}
    holder = type("Report", (), {"seconds": seconds, "cpu_seconds": {}})()
    with Workspace(_settings(out, sink)) as ws:  # the campaign exists already: creating it again fails
        result = run_stage(holder, "campaign", lambda: campaign(ws, lambda *a: None, None))
    assert result == {"failed": f"CampaignError: a campaign named {CAMPAIGN_NAME!r} exists: choose another name"}
    assert "campaign" in seconds and "campaign" in holder.cpu_seconds


def test_every_stage_reports_wall_and_cpu_time(demo: tuple[dict, Path]) -> None:
    report, _ = demo
    assert set(report["cpu_seconds"]) == set(report["seconds"])
    assert {"generate", "track api: send", "track api: server stop", "resolve", "campaign"} <= set(report["seconds"])
    # the server's CPU is counted when it exits; its imports alone take more than a second
    assert report["cpu_seconds"]["track api: server stop"] > 1.0
    assert report["loading_server"] == BULK_LOAD


def test_the_loading_server_keeps_settings_the_caller_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA360_BATCH_MAX_WAIT_MS", "0")
    assert loading_settings() == {**BULK_LOAD, "PERSONA360_BATCH_MAX_WAIT_MS": "0"}
    assert loading_settings(bulk_load=False) == {}


def test_a_compressed_event_file_is_loaded_whole(tmp_path: Path) -> None:
    spec = DemoSpec(customers=40, days=7, seed=9, end=datetime(2026, 11, 1, tzinfo=UTC))
    report = run_demo(spec, tmp_path, load_settings(db=tmp_path / "ws.duckdb"), feed="direct", compress_events=True)
    assert (tmp_path / "events.jsonl.zst").exists() and not (tmp_path / "events.jsonl").exists()
    web = report.sources["shop-web"]
    assert web["stored"] == web["records"] > 100
    assert report.stitching is not None and report.stitching.placed > web["records"]


def test_an_unknown_feed_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="feed='pigeon': use one of api, direct, none"):
        run_demo(DemoSpec(customers=5, days=2), tmp_path, load_settings(db=tmp_path / "ws.duckdb"), feed="pigeon")


def test_the_cli_refuses_an_unknown_feed_before_doing_anything(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--feed", "pigeon", "--out", str(tmp_path / "shop"), "--no-serve"])
    assert result.exit_code == 2
    assert "'pigeon': use one of api, direct, none" in result.output
    assert not (tmp_path / "shop").exists()


@pytest.mark.parametrize(
    ("end", "message"),
    [
        ("01/11/2026", "'01/11/2026': give a day as YYYY-MM-DD"),
        ("2026-02-30", "'2026-02-30': give a day as YYYY-MM-DD"),
        ("2999-01-01", "'2999-01-01' is after today"),
    ],
)
def test_the_cli_refuses_a_bad_end_day_before_doing_anything(tmp_path: Path, end: str, message: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--end", end, "--out", str(tmp_path / "shop"), "--no-serve"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "shop").exists()


def test_a_demo_ending_on_a_past_day_is_the_same_shop_any_day_and_runs_as_of_that_day(tmp_path: Path) -> None:
    """The e2e shop is built with --end: its exports and its predictions do not move with today's date."""
    shops = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ["demo", "--customers", "60", "--days", "20", "--end", "2026-06-01", "--feed", "direct"]
        result = CliRunner().invoke(app, [*args, "--no-serve", "--out", str(out)])
        assert result.exit_code == 0, result.output
        shops.append(out)
    for file in ("events.jsonl", "orders.csv", "truth.parquet"):
        assert (shops[0] / file).read_bytes() == (shops[1] / file).read_bytes(), file
    with Workspace.open(shops[0] / "persona360.duckdb") as ws:
        # what the stages stamp "now" (merges, imported rows without a time) is that day too:
        # the workspace's clock, which predictions and segments measure from
        last = ws.db.scalar("SELECT max(timestamp) FROM events")
    end = datetime(2026, 6, 1, tzinfo=UTC)
    assert end <= last < end + timedelta(hours=1)


def test_the_cli_refuses_a_busy_port_before_doing_anything(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            app, ["demo", "--customers", "5", "--port", str(port), "--out", str(tmp_path / "shop")]
        )
    assert result.exit_code == 2
    assert f"127.0.0.1:{port} is already in use" in result.output
    assert "--no-serve" in result.output
    assert not (tmp_path / "shop").exists()


def test_the_demo_serves_on_the_port_it_claimed_before_the_pipeline_as_of_its_end_day(tmp_path: Path) -> None:
    """A shop built --end a past day is served on that day's clock, as its summary was computed.

    Served on today's clock, its ages, windows and segments moved on from the printed figures.
    """
    with socket.socket() as probe:  # a free port, released for the demo to claim
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "shop"
    command = [sys.executable, "-m", "persona360", "--db", str(out / "ws.duckdb"), "demo", "--customers", "20",
               "--days", "5", "--end", "2026-06-01", "--feed", "direct", "--port", str(port),
               "--out", str(out)]  # fmt: skip
    log = tmp_path / "demo.log"
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stall the demo
        demo = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=os.environ.copy())
        try:
            deadline, answer = time.monotonic() + 240, None
            while answer is None and time.monotonic() < deadline and demo.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                        answer = response.status
                except OSError:
                    time.sleep(0.5)
            overview = _served_overview(port, log) if answer == 200 else ""
        finally:
            demo.terminate()
            demo.wait(timeout=30)
    assert answer == 200, log.read_text()
    assert "Serving the demo shop as of 2026-06-01 00:" in log.read_text()
    assert f"UTC on http://127.0.0.1:{port}" in log.read_text()
    # the sources' last events (late on the shop's last day) are hours old, not months
    ages = re.findall(r'title="2026-0[56]-\d\d \d\d:\d\d">([^<]+)</time>', overview)
    assert ages, overview
    assert all(age.endswith((" h ago", " min ago", "just now")) for age in ages), ages


def _served_overview(port: int, log: Path) -> str:
    """The web overview of the served demo, logged in with the admin token its banner printed."""
    token = re.search(r"Admin token: (\S+)", log.read_text())
    assert token, log.read_text()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        http.post("/login", data={"token": token.group(1)})
        return http.get("/").text


def test_a_feed_the_server_refuses_stops_generation_with_the_servers_answer(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=db), create=True) as ws:
        ws.access.add_source("shop-web")
    report = type("Report", (), {"seconds": {}, "cpu_seconds": {}})()
    spec = DemoSpec(customers=60, days=10, seed=2, end=datetime(2026, 11, 1, tzinfo=UTC))
    with ServerProcess(db) as server, pytest.raises(FeedError, match="/v1/batch answered 401"):
        generate_and_send(spec, tmp_path / "shop", server, "not-a-write-key", lambda *a: None, report, None, 4 << 20)
