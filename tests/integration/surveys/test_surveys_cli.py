"""The ``surveys`` commands, run in-process through Typer's runner on a real file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from integration.surveys.conftest import DELIVERY
from persona360 import Workspace
from persona360.cli import app
from persona360.settings import load_settings

RUNNER = CliRunner()


def run(db: Path, *args: str) -> Any:
    done = RUNNER.invoke(app, ["--db", str(db), *args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_create_list_show_answer_link_report(tmp_path: Path) -> None:
    db, file = tmp_path / "ws.duckdb", tmp_path / "delivery.json"
    file.write_text(json.dumps(DELIVERY))
    RUNNER.invoke(app, ["--db", str(db), "init"])
    assert run(db, "surveys", "create", str(file))["id"] == "post-delivery"
    assert [row["survey_id"] for row in run(db, "surveys", "list")] == ["post-delivery"]
    assert run(db, "surveys", "show", "post-delivery")["questions"][0]["trait"] == "delivery_rating"
    answered = run(db, "surveys", "answer", "post-delivery", '{"recommend": 10}', "--identifier", "user_id:u1")
    assert answered["traits"] == {"nps_score": 10}
    link = run(db, "surveys", "link", "post-delivery", "size", "41", "--identifier", "email:a@b.org")
    assert link["url"].endswith(f"/v1/surveys/post-delivery/a?token={link['token']}")
    report = run(db, "surveys", "report", "post-delivery")
    assert next(q for q in report["questions"] if q["question"] == "recommend")["nps"] == 100.0
    by_persona = run(db, "surveys", "report", "post-delivery", "--by-persona")
    recommend = next(q for q in by_persona["questions"] if q["question"] == "recommend")
    assert recommend["by_persona"]["(no persona)"]["nps"] == 100.0  # no personas built yet


def test_a_bad_file_names_the_field(tmp_path: Path) -> None:
    db, file = tmp_path / "ws.duckdb", tmp_path / "bad.yaml"
    file.write_text("id: x\nname: X\nquestions:\n  - {id: q, text: Q, kind: scale, min: 3, max: 1, trait: t}\n")
    RUNNER.invoke(app, ["--db", str(db), "init"])
    done = RUNNER.invoke(app, ["--db", str(db), "surveys", "create", str(file)])
    assert done.exit_code == 1
    assert "questions[0] (q)" in done.output and "min < max" in done.output


def test_confirm_prints_links_for_unsure_inferences(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=db, consent_default_allow=["enrichment"]), create=True) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "identify", "userId": "taylor", "traits": {"firstName": "Taylor"}}])
        ws.enrichment.run("name")
    asked = run(db, "surveys", "confirm", "gender", "--below", "0.9", "--base-url", "https://shop.example")
    (profile,) = asked["profiles"]
    assert profile["inferred"]["value"] == "male"
    assert sorted(profile["links"]) == ["female", "male"]
    assert profile["links"]["female"].startswith("https://shop.example/v1/surveys/confirm-gender/a?token=")
    assert run(db, "surveys", "confirm", "gender", "--below", "0.5")["profiles"] == []


def test_import_answers_with_a_reject_file(tmp_path: Path) -> None:
    db, file, answers = tmp_path / "ws.duckdb", tmp_path / "delivery.json", tmp_path / "answers.csv"
    file.write_text(json.dumps(DELIVERY))
    answers.write_text("Email,stars\nann@example.org,5\nbob@example.org,7\n", encoding="utf-8")
    RUNNER.invoke(app, ["--db", str(db), "init"])
    run(db, "surveys", "create", str(file))
    flags = ["--map", "Email=email", "--map", "stars=answer:rating"]
    report = run(db, "surveys", "import", str(answers), "--survey", "post-delivery", *flags)
    assert (report["records"], report["rejected"]) == (1, 1)
    assert report["rejects_sample"] == [
        {"line": 3, "reason": "question 'rating': 7 is out of range: answer between 1 and 5"}
    ]
    assert Path(report["rejects_path"]) == tmp_path / "answers.csv.rejects.csv"
    done = RUNNER.invoke(app, ["--db", str(db), "surveys", "import", str(answers), "--survey", "post-delivery"])
    assert done.exit_code == 1 and "'Email', 'stars' have no role" in done.output
    with Workspace.open(db) as ws:  # one entry for the import that ran (not one by the command, one by the room)
        entries = ws.privacy.audit_log(10, action="survey.import")
    assert [(e["actor"], e["target"]) for e in entries] == [("cli", "survey:post-delivery")]
