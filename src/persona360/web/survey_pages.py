"""Surveys: every survey with its answer counts; one survey's NPS, answers per question, latest texts.

The figures are ``ws.surveys.report``'s, the ones ``persona360 surveys report --by-persona`` prints,
and the answers ``ws.surveys.responses``' (each person's latest answer to each
question; an erased person has none), so the page and the CLI cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from persona360.errors import SurveyError
from persona360.surveys import ANSWERED, NO_PERSONA, QuestionSpec, SurveySpec
from persona360.web.auth import Viewer, ViewerDep
from persona360.web.charts import bar_chart, diverging_chart
from persona360.web.rendering import WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
LATEST_TEXTS = 25  # free-text answers listed, newest first
NPS_GROUPS = (("promoters", "Promoters (9-10)"), ("passives", "Passives (7-8)"), ("detractors", "Detractors (0-6)"))


@router.get("/surveys")
def surveys(request: Request, viewer: ViewerDep) -> HTMLResponse:
    ws = request.app.state.workspace
    rows = [{**row, "nps": survey_nps(ws, row["survey_id"])} for row in ws.surveys.list()]
    return page(request, "surveys.html", title="Surveys", rows=rows)


def survey_nps(ws: Any, survey_id: str) -> dict[str, Any] | None:
    """The survey's NPS as ``ws.surveys.nps`` counts it; None for a survey without an NPS question."""
    try:
        found: dict[str, Any] = ws.surveys.nps(survey_id)
    except SurveyError:
        return None
    return found


@router.get("/surveys/{survey_id}")
def survey_page(request: Request, viewer: ViewerDep, survey_id: str) -> HTMLResponse:
    ws = request.app.state.workspace
    shown = ws.surveys.show(survey_id)
    spec = ws.surveys.get(survey_id)
    report = ws.surveys.report(spec.id, by_persona=True)
    answers = ws.surveys.responses(spec.id)
    latest = latest_texts(spec, answers)
    if latest:  # answers beside profile links name people, as a segment's members do
        ws.privacy.audit(viewer.actor, "survey.responses", f"survey:{spec.id}", {"rows": len(latest)})
    return page(
        request,
        "survey.html",
        title=spec.name,
        survey=shown,
        questions=[
            question_view(q, summary, answers) for q, summary in zip(spec.questions, report["questions"], strict=True)
        ],
        latest=latest,
        segments=segments_reading(ws, viewer, spec),
    )


def question_view(question: QuestionSpec, summary: dict[str, Any], answers: list[dict[str, Any]]) -> dict[str, Any]:
    """One question's report summary with the charts the page draws of it."""
    values = [row["answer"] for row in answers if row["question"] == question.id]
    charts = []
    if question.kind == "nps":
        charts.append(
            bar_chart("Promoters, passives and detractors", [(label, summary[key]) for key, label in NPS_GROUPS])
        )
        charts.append(bar_chart("Answers per score", score_counts(values, 0, 10)))
        if persona_groups(summary):
            charts.append(
                diverging_chart("NPS per persona", [(name, nps["nps"]) for name, nps in persona_groups(summary)])
            )
    elif question.kind == "scale" and question.min is not None and question.max is not None:
        charts.append(bar_chart("Answers per value", score_counts(values, question.min, question.max)))
    elif question.kind == "free_text":
        charts.append(bar_chart("Answers per theme", [(t["theme"], t["count"]) for t in summary["themes"]]))
    else:
        charts.append(bar_chart("Answers per choice", list(summary["counts"].items())))
    return {"spec": question, "summary": summary, "charts": charts, "personas": persona_groups(summary)}


def persona_groups(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """An NPS question's figures per persona, as ``surveys report --by-persona`` gives them; none before any persona."""
    groups = list((summary.get("by_persona") or {}).items())
    return groups if any(name != NO_PERSONA for name, _ in groups) else []


def score_counts(values: list[Any], low: float, high: float) -> list[tuple[str, float]]:
    """How many answered each whole value from ``low`` to ``high``, in order (zeros shown)."""
    counts = Counter(values)
    return [(str(score), float(counts[score])) for score in range(int(low), int(high) + 1)]


def latest_texts(spec: SurveySpec, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest free-text answers (each person's latest per question), with their question's text."""
    texts = {q.id: q.text for q in spec.questions if q.kind == "free_text"}
    rows = [{**row, "text": texts[row["question"]]} for row in answers if row["question"] in texts]
    rows.sort(key=lambda row: (row["answered_at"], row["profile_id"]), reverse=True)
    return rows[:LATEST_TEXTS]


def segments_reading(ws: Any, viewer: Viewer, spec: SurveySpec) -> list[str] | None:
    """The segments whose condition reads this survey's traits or its answer events (None: not for this viewer)."""
    if not viewer.can("segments"):
        return None
    found: list[str] = ws.segments.reading([q.trait for q in spec.questions], [ANSWERED])
    return found
