"""The surveys pages: every survey, and one survey's NPS, answers per question and latest texts.

The figures must be the ones ``persona360 surveys report`` prints for the same file;
an erased person's answers are gone from both. The real app over ASGI, the real CLI
through Typer's runner, one workspace file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.surveys.conftest import DELIVERY
from integration.surveys.test_nps_by_persona import _publish
from integration.web.pages import browse, fetch
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

ANSWERS = {
    "u1": {"recommend": 10, "size": "41", "why": ["price"], "rating": 5, "comment": "late courier"},
    "u2": {"recommend": 3, "size": "41", "why": ["price", "size"], "rating": 2, "comment": "box was damaged"},
    "u3": {"recommend": 8, "size": "42", "rating": 4},
    "u4": {"recommend": 9, "size": "40", "rating": 1, "comment": "erase me please"},
}


def cli_json(db: Path, *args: str) -> object:
    done = CliRunner().invoke(app, ["--db", str(db), *args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def cells(html: str, link: str) -> list[str]:
    row = re.search(rf'<tr><td><a href="{link}">.*?</tr>', html, re.S)
    assert row, html
    return [text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{anchor}".*?</section>', html, re.S)
    assert found, anchor
    return found.group(0)


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    """Four answered the delivery survey, the fourth erased since; two are Value Hunters; a segment reads the NPS."""
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), clock, create=True) as ws:
        ws.access.add_source("shop")
        ws.surveys.create(DELIVERY)
        for user, answers in ANSWERS.items():
            ws.surveys.answer("post-delivery", ("user_id", user), answers)
        ws.segments.create(SegmentSpec("fans", 'trait("nps_score") >= 9'))
        ws.segments.create(SegmentSpec("buyers", "orders_count >= 1"))
        _publish(ws, {"u1": "Value Hunters", "u2": "Value Hunters"})
        ws.privacy.erase(ws.profiles.find("user_id", "u4"), actor="test")
    return path


def test_the_survey_page_shows_the_figures_the_cli_reports(db: Path) -> None:
    report = cli_json(db, "surveys", "report", "post-delivery")
    listed = cli_json(db, "surveys", "list")
    assert isinstance(report, dict) and isinstance(listed, list)
    by_question = {q["question"]: q for q in report["questions"]}
    with Workspace(load_settings(db=db)) as ws:
        listing, survey = fetch(ws, "/surveys", "/surveys/post-delivery")
    nps = by_question["recommend"]
    assert (nps["responses"], nps["nps"], nps["promoters"], nps["passives"], nps["detractors"]) == (3, 0.0, 1, 1, 1)
    respondents = str(listed[0]["respondents"])
    assert cells(listing, "/surveys/post-delivery")[:8] == [
        "After delivery",
        "post-delivery",
        "5",
        respondents,
        "0.0",
        "1",
        "1",
        "1",
    ]
    recommend = text_of(section(survey, "q-4"))
    assert "3 responses · NPS 0.0: 1 promoters, 1 passives, 1 detractors" in recommend
    assert "<desc>Promoters (9-10): 1; Passives (7-8): 1; Detractors (0-6): 1</desc>" in survey
    assert "<desc>0: 0; 1: 0; 2: 0; 3: 1; 4: 0; 5: 0; 6: 0; 7: 0; 8: 1; 9: 0; 10: 1</desc>" in survey
    choices = "; ".join(f"{answer}: {count}" for answer, count in by_question["why"]["counts"].items())
    assert f"<desc>{choices}</desc>" in section(survey, "q-3")
    assert f"mean {by_question['rating']['mean']:g}" in text_of(section(survey, "q-1"))
    assert "<desc>1: 0; 2: 1; 3: 0; 4: 1; 5: 1</desc>" in section(survey, "q-1")  # the erased person's 1 is gone


def test_latest_texts_link_each_person_and_leave_out_the_erased(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        (survey,) = fetch(ws, "/surveys/post-delivery")
        people = {user: ws.profiles.find("user_id", user) for user in ("u1", "u2")}
        (entry,) = ws.privacy.audit_log(5, action="survey.responses")
    latest = section(survey, "latest-title")
    for user, text in (("u1", "late courier"), ("u2", "box was damaged")):
        assert re.search(
            rf'<a href="/profiles/{people[user]}">#{people[user]}</a></td>'
            rf'<td title="question comment">Anything else\?</td><td>{text}</td>',
            latest,
        )
    assert "erase me" not in survey
    assert (entry["actor"], entry["target"], entry["detail"]) == (
        "web:pages-admin",
        "survey:post-delivery",
        {"rows": 2},
    )


def test_the_survey_page_names_the_segments_built_on_its_answers(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        (survey,) = fetch(ws, "/surveys/post-delivery")
        (reader,) = fetch(ws, "/surveys/post-delivery", scopes=("profiles:read",))
    segments = section(survey, "segments-title")
    assert '<a href="/segments/fans">fans</a>' in segments and "buyers" not in segments
    assert 'id="segments"' not in reader  # a token without the segments scope is not shown them


def test_an_empty_workspace_and_an_unanswered_survey_say_what_to_do(workspace: Workspace) -> None:
    (empty,) = fetch(workspace, "/surveys")
    assert "No surveys yet: define one with <code>persona360 surveys create FILE.yaml</code>" in empty
    workspace.surveys.create(DELIVERY)
    listing, survey = fetch(workspace, "/surveys", "/surveys/post-delivery")
    assert cells(listing, "/surveys/post-delivery")[3:8] == ["0", "—", "0", "0", "0"]
    assert (
        "No survey answers yet: import them with persona360 surveys import FILE.csv --survey post-delivery"
        in text_of(survey)
    )
    assert "No free-text answers." in survey and "NPS per persona" not in survey  # no persona built
    assert workspace.privacy.audit_log(5, action="survey.responses") == []


def test_an_unknown_survey_is_a_not_found_page_naming_the_known_ones(workspace: Workspace) -> None:
    workspace.surveys.create(DELIVERY)
    ((status, html),) = browse(workspace, [("GET", "/surveys/nope", None)])
    assert status == 404 and "no survey &#39;nope&#39;; known surveys: post-delivery" in html


def test_the_nps_per_persona_is_the_cli_report_by_persona(db: Path) -> None:
    report = cli_json(db, "surveys", "report", "post-delivery", "--by-persona")
    assert isinstance(report, dict)
    (recommend,) = [q for q in report["questions"] if q["question"] == "recommend"]
    with Workspace(load_settings(db=db)) as ws:
        (survey,) = fetch(ws, "/surveys/post-delivery")
    table = re.search(r"<caption>NPS per persona.*?<tbody>(.*?)</tbody>", survey, re.S)
    assert table
    rows = [
        [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]
    expected = [
        [name, str(g["responses"]), str(g["nps"]), str(g["promoters"]), str(g["passives"]), str(g["detractors"])]
        for name, g in recommend["by_persona"].items()
    ]
    assert (
        rows == expected == [["(no persona)", "1", "0.0", "0", "1", "0"], ["Value Hunters", "2", "0.0", "1", "0", "1"]]
    )
    assert "<desc>(no persona): +0.00; Value Hunters: +0.00</desc>" in survey


def test_a_themes_examples_are_different_answers_with_counts_on_the_page_and_in_the_cli(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "ws.duckdb"
    late = ["Courier was late", "late courier", "Late courier", "late courier", "late  courier!"]
    with Workspace(load_settings(db=path), clock, create=True) as ws:
        ws.surveys.create(DELIVERY)
        for n, comment in enumerate([*late, "Box damaged", "box damaged"]):
            ws.surveys.answer("post-delivery", ("user_id", f"u{n}"), {"comment": comment})
        (survey,) = fetch(ws, "/surveys/post-delivery")
    report = cli_json(path, "surveys", "report", "post-delivery")
    assert isinstance(report, dict)
    (comment,) = [q for q in report["questions"] if q["question"] == "comment"]
    # one answer however it is cased, spaced or ended, shown as most spelled it; the first seen on a tie
    assert [(t["theme"], t["examples"], t["example_counts"]) for t in comment["themes"]] == [
        ("late courier", ["late courier", "Courier was late"], [4, 1]),
        ("box damaged", ["Box damaged"], [2]),
    ]
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">\d+</td><td>([^<]*)</td></tr>', survey)
    said = [("late courier", "late courier (4); Courier was late (1)"), ("box damaged", "Box damaged (2)")]
    assert rows == said
    printed = CliRunner().invoke(app, ["--db", str(path), "surveys", "report", "post-delivery"], env={"COLUMNS": "160"})
    for theme, examples in said:
        assert re.search(rf"{theme}\s*│\s*\d+\s*│\s*{re.escape(examples)}\s*│", printed.output), printed.output


def test_the_profile_card_names_each_answered_question_by_its_text(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        profile = ws.profiles.find("user_id", "u1")
        answers = {row["question"]: row["question_text"] for row in ws.surveys.of_profile(profile)}
        (card,) = fetch(ws, f"/profiles/{profile}")
    assert answers["comment"] == "Anything else?"
    answered = section(card, "answers-title")
    assert '<td title="question comment">Anything else?</td><td>late courier</td>' in answered
