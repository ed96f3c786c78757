"""``surveys``: define surveys, answer them, make one-click links and read reports."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from persona360.cli.state import console, print_json, print_table, shown, workspace
from persona360.errors import SurveyError
from persona360.profiles.reading import PERSON_FORMS
from persona360.surveys import IDENTIFIER_KINDS, load_survey

surveys = typer.Typer(help="Surveys whose answers become profile traits; NPS reports.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
Identifier = Annotated[str, typer.Option("--identifier", help=f"Who answers: {PERSON_FORMS}.")]


def register(app: typer.Typer) -> None:
    app.add_typer(surveys, name="surveys")


@surveys.command("create")
def create(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Survey definition (.json/.yaml).")],
    json: JsonOption = False,
) -> None:
    """Create or replace a survey from a JSON or YAML file."""
    with workspace() as ws:
        survey = ws.surveys.create(load_survey(file))
        ws.privacy.audit("cli", "survey.create", f"survey:{survey['id']}")
    if json:
        print_json(survey)
    else:
        console.print(f"Survey [bold]{survey['id']}[/] saved with {len(survey['questions'])} questions.")


@surveys.command("list")
def list_surveys(json: JsonOption = False) -> None:
    """List surveys with their number of questions and respondents."""
    with workspace() as ws:
        rows = ws.surveys.list()
    if json:
        print_json(rows)
        return
    table = Table("id", "name", "questions", "respondents", "updated")
    for row in rows:
        table.add_row(
            row["survey_id"], row["name"], str(row["questions"]), str(row["respondents"]), str(row["updated_at"])[:19]
        )
    print_table(table, "No surveys yet: define one with `persona360 surveys create FILE.yaml`.")


@surveys.command("show")
def show(survey_id: str, json: JsonOption = False) -> None:
    """Show a survey's questions and the trait each one feeds."""
    with workspace() as ws:
        survey = ws.surveys.show(survey_id)
    if json:
        print_json(survey)
        return
    console.print(f"[bold]{survey['name']}[/] ({survey['id']}), {survey['respondents']} respondents")
    table = Table("question", "kind", "trait", "allowed")
    for q in survey["questions"]:
        allowed = ", ".join(q["choices"]) if q["choices"] else ("" if q["min"] is None else f"{q['min']}-{q['max']}")
        table.add_row(q["id"], q["kind"], q["trait"], allowed)
    console.print(table)


@surveys.command("answer")
def answer(
    survey_id: str,
    answers: Annotated[str, typer.Argument(help="JSON object, e.g. '{\"rating\": 4}'.")],
    identifier: Identifier,
    json: JsonOption = False,
) -> None:
    """Record one person's answers (their traits land on the profile at once)."""
    with workspace() as ws:
        result = ws.surveys.answer(survey_id, ws.profiles.person_key(identifier, IDENTIFIER_KINDS), _json_arg(answers))
        ws.privacy.audit("cli", "survey.answer", f"profile:{result['profile_id']}", {"survey": survey_id})
    if json:
        print_json(result)
    else:
        console.print(f"Recorded on profile {result['profile_id']}: {result['traits']}")


@surveys.command("link")
def link(
    survey_id: str,
    question: str,
    answer: Annotated[str, typer.Argument(help="The answer the link gives (JSON or plain text).")],
    identifier: Identifier,
    base_url: Annotated[str, typer.Option(help="Public URL of the server.")] = "",
    json: JsonOption = False,
) -> None:
    """Print a signed one-click link that answers QUESTION with ANSWER (for email)."""
    with workspace() as ws:
        token = ws.surveys.link(
            survey_id, question, _answer_value(answer), ws.profiles.person_key(identifier, IDENTIFIER_KINDS)
        )
        url = _link_url(base_url or _default_base(ws), survey_id, token)
        ws.privacy.audit("cli", "survey.link", f"survey:{survey_id}", {"question": question})
    if json:
        print_json({"survey": survey_id, "question": question, "token": token, "url": url})
    else:
        console.print(url, soft_wrap=True)


@surveys.command("import")
def import_answers(
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON Lines file, one respondent per row.")],
    survey: Annotated[str, typer.Option("--survey", help="The survey answered.")],
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=ROLE, repeatable. Roles: user_id, anonymous_id, email, timestamp, answer:QUESTION, ignore.",
        ),
    ] = None,
    source: Annotated[str, typer.Option(help="Source the answers are recorded under.")] = "surveys",
    rejects: Annotated[
        Path | None, typer.Option(help=escape("Where to write rejected rows [default: FILE.rejects.csv]."))
    ] = None,
    json: JsonOption = False,
) -> None:
    """Import survey answers; bad rows go to a reject file with line number and reason."""
    with workspace() as ws:
        report = ws.surveys.import_file(file, survey, mapping or [], source=source, rejects_path=rejects, actor="cli")
    if json:
        print_json(report.as_dict())
        return
    console.print(
        f"{report.rows} rows: {report.records} answered, {report.stored} events stored, "
        f"{report.duplicates} already there, {report.rejected} rejected."
    )
    if report.rejects_path:
        console.print(f"Rejected rows with line numbers and reasons: {report.rejects_path}")


@surveys.command("confirm")
def confirm(
    trait: Annotated[str, typer.Argument(help="An inferred trait, e.g. gender.")],
    below: Annotated[float, typer.Option(help="Ask only where the inference's confidence is under this.")] = 0.9,
    choice: Annotated[
        list[str] | None, typer.Option(help="A value to offer (repeat); default: the trait's own.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most profiles to ask.")] = 100,
    base_url: Annotated[str, typer.Option(help="Public URL of the server.")] = "",
    json: JsonOption = False,
) -> None:
    """Print one-click links asking people to confirm a low-confidence inferred trait."""
    with workspace() as ws:
        base = base_url or _default_base(ws)
        asked = [
            ws.surveys.confirm_links(row["profile_id"], trait, choice) for row in ws.surveys.unsure(trait, below, limit)
        ]
        ws.privacy.audit("cli", "survey.confirm_links", "profiles", {"trait": trait, "rows": len(asked)})
    for item in asked:
        item["links"] = {value: _link_url(base, item["survey"], token) for value, token in item.pop("tokens").items()}
    if json:
        print_json({"trait": trait, "below": below, "profiles": asked})
        return
    console.print(f"{len(asked)} profiles show an inferred {trait} with confidence under {below}")
    for item in asked:
        inferred = item["inferred"]
        console.print(f"\n[bold]profile {item['profile_id']}[/]: {inferred['value']!r} ({inferred['confidence']:.2f})")
        for value, url in item["links"].items():
            console.print(f"  {value}: {url}", soft_wrap=True)


@surveys.command("report")
def report(
    survey_id: str,
    segment: Annotated[str | None, typer.Option(help="Only members of this segment.")] = None,
    by_persona: Annotated[bool, typer.Option("--by-persona", help="Also the NPS of each persona.")] = False,
    json: JsonOption = False,
) -> None:
    """NPS (per persona with --by-persona), choice counts, scale means and free-text themes."""
    with workspace() as ws:
        result = ws.surveys.report(survey_id, segment, by_persona=by_persona)
    if json:
        print_json(result)
        return
    console.print(f"[bold]{result['survey']}[/]" + (f" in segment {segment}" if segment else ""))
    for q in result["questions"]:
        console.print(f"\n[bold]{q['question']}[/] ({q['kind']}), {q['responses']} responses")
        _print_summary(q)


def _print_summary(q: dict[str, Any]) -> None:
    """One question's summary as a person reads it: the NPS line and tables, not a dict."""
    if "nps" in q:
        console.print(
            f"NPS {shown(q['nps'])}: {q['promoters']} promoters, {q['passives']} passives, {q['detractors']} detractors"
        )
    if q.get("mean") is not None:
        console.print(f"mean {q['mean']:g}")
    if q.get("by_persona"):
        personas = Table("persona", "responses", "NPS", "promoters", "passives", "detractors")
        for persona, nps in q["by_persona"].items():
            figures = (nps[key] for key in ("responses", "nps", "promoters", "passives", "detractors"))
            personas.add_row(escape(persona), *map(shown, figures))
        console.print(personas)
    if q.get("themes"):
        themes = Table("theme", "answers", "examples")
        for theme in q["themes"]:
            examples = zip(theme["examples"], theme["example_counts"], strict=True)
            said = "; ".join(f"{text} ({count})" for text, count in examples)
            themes.add_row(escape(theme["theme"]), str(theme["count"]), escape(said))
        console.print(themes)
    if q.get("counts"):
        counts = Table("answer", "responses")
        for answer, count in q["counts"].items():
            counts.add_row(escape(str(answer)), str(count))
        console.print(counts)


def _default_base(ws: Any) -> str:
    return f"http://{ws.settings.host}:{ws.settings.port}"


def _link_url(base: str, survey_id: str, token: str) -> str:
    return f"{base.rstrip('/')}/v1/surveys/{survey_id}/a?token={token}"


def _json_arg(text: str) -> dict[str, Any]:
    try:
        value = jsonlib.loads(text)
    except jsonlib.JSONDecodeError as error:
        raise SurveyError(f"answers are not valid JSON: {error}", field="answers") from None
    return value if isinstance(value, dict) else {}


def _answer_value(text: str) -> Any:
    try:
        return jsonlib.loads(text)
    except jsonlib.JSONDecodeError:
        return text
