"""``ws.surveys``: define surveys, record answers onto profiles, report NPS and themes."""

from __future__ import annotations

import builtins
from collections import Counter
from statistics import mean
from typing import TYPE_CHECKING, Any

from persona360.errors import SurveyError
from persona360.surveys.answers import answer_messages, check_answer, check_answers, identity_fields
from persona360.surveys.definitions import SurveySpec, parse_survey
from persona360.surveys.links import LinkAnswer, link_key, sign_answer, verify_answer
from persona360.surveys.report import group_themes, nps_summary
from persona360.surveys.store import (
    answer_rows,
    list_surveys,
    profile_answer_rows,
    read_survey,
    record_answers,
    save_survey,
)

if TYPE_CHECKING:
    from persona360.workspace import Workspace

SOURCE = "surveys"


class SurveysAPI:
    """``ws.surveys``: surveys whose answers become profile traits.

    Example:
        >>> from persona360 import Workspace
        >>> ws = Workspace.open(":memory:")
        >>> _ = ws.surveys.create({"id": "shoes", "name": "Shoes", "questions": [
        ...     {"id": "size", "text": "Your size?", "kind": "scale", "min": 35, "max": 48,
        ...      "trait": "shoe_size"}]})
        >>> ws.surveys.answer("shoes", ("user_id", "u1"), {"size": 42})["traits"]
        {'shoe_size': 42}
    """

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        ws.writer.fact_hooks.append(record_answers)

    def create(self, spec: SurveySpec | dict[str, Any]) -> dict[str, Any]:
        """Save (or replace) a survey definition; answers already given are kept."""
        survey = spec if isinstance(spec, SurveySpec) else parse_survey(spec)
        save_survey(self._ws.db, survey, self._ws.clock.now())
        return self.show(survey.id)

    def get(self, survey_id: str) -> SurveySpec:
        """The definition of ``survey_id`` (:class:`NotFoundError` if there is none)."""
        return read_survey(self._ws.db, survey_id)

    def list(self) -> list[dict[str, Any]]:
        """Every survey with its number of questions and respondents."""
        return list_surveys(self._ws.db)

    def show(self, survey_id: str) -> dict[str, Any]:
        """A survey's definition and how many people answered it."""
        survey = self.get(survey_id)
        respondents = len({row["anchor_id"] for row in answer_rows(self._ws.db, survey.id)})
        return {**survey.model_dump(), "respondents": respondents}

    def answer(
        self,
        survey_id: str,
        identifier: tuple[str, str],
        answers: dict[str, Any],
        source: str = SOURCE,
    ) -> dict[str, Any]:
        """Check and store ``answers`` of one person; their traits land on the profile at once.

        Args:
            survey_id: the survey answered.
            identifier: who answers: ``("user_id"|"anonymous_id"|"email", value)``.
            answers: question id -> answer (a choice, a list of choices, a number or text).
            source: the source the answers are recorded under (created when missing).

        Returns:
            ``{survey, profile_id, answers, traits}``.

        Raises:
            SurveyError: an unknown question or a bad answer, named in the message.
            NotFoundError: no such survey.
        """
        survey = self.get(survey_id)
        checked = check_answers(survey, answers)
        identity_fields(*identifier)
        self._ws.access.ensure_source(source)
        now = self._ws.clock.now().isoformat()
        self._ws.ingest.send(source, answer_messages(survey, identifier, checked, now))
        profile_id = self._ws.profiles.find(*identifier)
        traits = {survey.question(name).trait: value for name, value in checked.items()}
        return {"survey": survey.id, "profile_id": profile_id, "answers": checked, "traits": traits}

    def link(self, survey_id: str, question: str, answer: Any, identifier: tuple[str, str]) -> str:
        """A signed token answering ``question`` with ``answer`` for one person (for email links)."""
        survey = self.get(survey_id)
        checked = check_answer(survey.question(question), answer)
        identity_fields(*identifier)
        return sign_answer(link_key(self._ws.settings), LinkAnswer(survey.id, identifier, question, checked))

    def answer_link(self, survey_id: str, token: str | None, source: str = SOURCE) -> dict[str, Any]:
        """Record the answer a signed link carries (:class:`SurveyError` if unsigned or tampered)."""
        found = verify_answer(link_key(self._ws.settings), token, survey_id)
        return self.answer(found.survey, found.identifier, {found.question: found.answer}, source)

    def responses(self, survey_id: str, segment: str | None = None) -> builtins.list[dict[str, Any]]:
        """Each person's latest answer to each question: ``{profile_id, question, answer, answered_at}``."""
        survey = self.get(survey_id)
        allowed = self._segment_profiles(segment)
        latest: dict[tuple[int, str], dict[str, Any]] = {}
        for row in answer_rows(self._ws.db, survey.id):
            profile_id = self._profile_of(row.pop("anchor_id"))
            if profile_id is not None and (allowed is None or profile_id in allowed):
                latest[(profile_id, row["question"])] = {"profile_id": profile_id, **row}
        return list(latest.values())

    def of_profile(self, profile_id: int, limit: int = 50) -> builtins.list[dict[str, Any]]:
        """The newest survey answers of one profile (any of its identifiers), for its 360 card.

        Each row: ``survey_id, survey, question, answer, answered_at``; ``survey`` is None
        for answers imported before their survey was defined.
        """
        return profile_answer_rows(self._ws.db, profile_id, limit)

    def nps(self, survey_id: str, question: str | None = None, segment: str | None = None) -> dict[str, Any]:
        """The Net Promoter Score of an NPS question (the survey's first when not named).

        Returns:
            ``{survey, question, segment, responses, promoters, passives, detractors, nps}``.
        """
        survey = self.get(survey_id)
        name = question or next((q.id for q in survey.questions if q.kind == "nps"), None)
        if name is None:
            raise SurveyError(f"survey {survey.id!r} has no NPS question", field="question")
        if survey.question(name).kind != "nps":
            raise SurveyError(f"question {name!r} is not an NPS question (0-10)", field="question")
        scores = [row["answer"] for row in self.responses(survey.id, segment) if row["question"] == name]
        return {"survey": survey.id, "question": name, "segment": segment, **nps_summary(scores)}

    def report(self, survey_id: str, segment: str | None = None) -> dict[str, Any]:
        """A summary per question: NPS, choice counts, scale mean, or free-text themes."""
        survey = self.get(survey_id)
        rows = self.responses(survey.id, segment)
        questions = []
        for question in survey.questions:
            values = [row["answer"] for row in rows if row["question"] == question.id]
            questions.append({"question": question.id, "kind": question.kind, **_summarise(question.kind, values)})
        return {"survey": survey.id, "segment": segment, "questions": questions}

    def _segment_profiles(self, segment: str | None) -> set[int] | None:
        if segment is None:
            return None
        total = self._ws.segments.members(segment, limit=0)["total"]
        return {row["profile_id"] for row in self._ws.segments.members(segment, limit=total)["members"]}

    def _profile_of(self, anchor_id: int) -> int | None:
        try:
            return self._ws.writer.graph.profile_of(anchor_id)
        except KeyError:  # the person was erased
            return None


def _summarise(kind: str, values: list[Any]) -> dict[str, Any]:
    if kind == "nps":
        return nps_summary(values)
    if kind == "scale":
        return {"responses": len(values), "mean": round(mean(values), 2) if values else None}
    if kind == "free_text":
        return {"responses": len(values), "themes": group_themes(values)}
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    return {"responses": len(values), "counts": dict(Counter(flat).most_common())}
