"""``ws.surveys``: define surveys, record answers onto profiles, report NPS and themes."""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from persona360.enrichment.provider import INFERRED_SOURCE_PREFIX as INFERRED_PREFIX
from persona360.errors import NotFoundError, SurveyError
from persona360.surveys.answers import answer_messages, check_answer, check_answers, identity_fields
from persona360.surveys.confirm import (
    choices_for,
    confirmation_spec,
    inferred_value,
    replaced,
    respondent,
    survey_id_for,
)
from persona360.surveys.definitions import SurveySpec, parse_survey
from persona360.surveys.importing import import_answers
from persona360.surveys.links import LinkAnswer, link_key, sign_answer, verify_answer
from persona360.surveys.pains import pains_of_groups
from persona360.surveys.report import group_themes, nps_summary
from persona360.surveys.store import (
    answer_rows,
    answers_stamp,
    free_text_answers,
    list_surveys,
    profile_answer_rows,
    read_survey,
    record_answers,
    save_survey,
)

if TYPE_CHECKING:
    from persona360.ingest.importers.run import ImportReport
    from persona360.workspace import Workspace

SOURCE = "surveys"
# The computed value the personas room publishes for every customer it may profile.
PERSONA_TRAIT = "persona"
NO_PERSONA = "(no persona)"


# Themes a survey report names before folding the rest into "other". Themes are now pure
# (``similarity.py`` never forces unlike answers together), so with the old 5 the demo
# shop's "app crashed" and "waiting for a discount" sat unnamed in an "other" of 38 %.
REPORT_THEMES = 8


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
            ``{survey, profile_id, answers, traits, replaces}``; ``replaces`` maps a
            question to the inferred value (value, source, confidence) its answer
            replaced, which the ``Survey Answered`` event keeps too.

        Raises:
            SurveyError: an unknown question or a bad answer, named in the message.
            NotFoundError: no such survey.
        """
        survey = self.get(survey_id)
        checked = check_answers(survey, answers)
        identity_fields(*identifier)
        self._ws.access.ensure_source(source)
        now = self._ws.clock.now().isoformat()
        replaces = self.inferred_before(survey, identifier, checked)
        self._ws.ingest.send(source, answer_messages(survey, identifier, checked, now, replaces))
        profile_id = self._ws.profiles.find(*identifier)
        traits = {survey.question(name).trait: value for name, value in checked.items()}
        return {
            "survey": survey.id,
            "profile_id": profile_id,
            "answers": checked,
            "traits": traits,
            "replaces": replaces,
        }

    def inferred_before(
        self, survey: SurveySpec, identifier: tuple[str, str], checked: dict[str, Any]
    ) -> dict[str, Any]:
        """Per question: the inferred value its answer replaces on the profile, if any."""
        try:
            profile_id = self._ws.profiles.find(*identifier)
        except NotFoundError:
            return {}
        shown = self._ws.profiles.traits(profile_id, now=self._ws.clock.now())
        by_trait = replaced(shown, [survey.question(name).trait for name in checked])
        return {
            name: by_trait[survey.question(name).trait] for name in checked if survey.question(name).trait in by_trait
        }

    def import_file(
        self,
        path: Path,
        survey_id: str,
        mapping: builtins.list[str] | tuple[str, ...] = (),
        *,
        source: str = SOURCE,
        rejects_path: Path | None = None,
        actor: str = "cli",
    ) -> ImportReport:
        """Import answers from a CSV, Parquet or JSON Lines file, one respondent per row. Audited: ``survey.import``.

        Audited here, not by the command that calls it, so that every front end (the CLI,
        the demo, a web or API import) leaves one entry per import.

        Args:
            path: the file.
            survey_id: the survey answered.
            mapping: ``COLUMN=ROLE`` flags (``user_id``, ``anonymous_id``, ``email``,
                ``timestamp``, ``answer:QUESTION``, ``ignore``); columns named like a
                role or question need none.
            source: the source the answers are recorded under (created when missing).
            rejects_path: where bad rows go [default: ``FILE.rejects.csv``].
            actor: who imported, for the audit trail (``cli``, ``demo``, ``web:TOKEN``...).

        Returns:
            The importers' report, of kind ``survey:ID``; ``records`` counts the rows
            whose answers were taken.

        Raises:
            MappingError: the mapping is wrong (before any row is read).
            NotFoundError: no such survey.
        """
        report = import_answers(self._ws, path, self.get(survey_id), mapping, source=source, rejects_path=rejects_path)
        counts = {"file": path.name, "rows": report.rows, "stored": report.stored, "rejected": report.rejected}
        self._ws.privacy.audit(actor, "survey.import", f"survey:{survey_id}", counts)
        return report

    # -- infer, then ask to confirm ----------------------------------------------
    def unsure(self, trait: str, below: float = 0.9, limit: int = 1000) -> builtins.list[dict[str, Any]]:
        """Profiles whose shown ``trait`` is inferred with a confidence under ``below``, least sure first.

        Returns:
            ``{profile_id, value, source, confidence}`` rows.
        """
        return self._ws.profiles.trait_holders(trait, source_prefix=INFERRED_PREFIX, below=below, limit=limit)

    def confirmation(self, trait: str, inferred: Any = None, choices: builtins.list[str] | None = None) -> SurveySpec:
        """The survey ``confirm-TRAIT`` (created, or widened with new choices, as needed)."""
        try:
            existing = self.get(survey_id_for(trait)).questions[0].choices
        except NotFoundError:
            existing = []
        wanted = choices_for(trait, inferred, choices, existing) if inferred is not None else existing or choices or []
        if wanted != existing:
            self.create(confirmation_spec(trait, wanted))
        return self.get(survey_id_for(trait))

    def confirm_links(self, profile_id: int, trait: str, choices: builtins.list[str] | None = None) -> dict[str, Any]:
        """Signed one-click tokens asking a person to confirm an inferred trait, one per choice.

        The answer replaces the inferred value (it is observed, and newer) and its event
        records what it replaced.

        Args:
            profile_id: the person asked.
            trait: a trait the profile shows as inferred (``gender``...).
            choices: the values offered (default: the trait's known choices); the
                inferred value is always among them.

        Returns:
            ``{profile_id, trait, survey, question, inferred: {value, source, confidence},
            tokens: {choice: token}}``; a token goes to ``/v1/surveys/SURVEY/a?token=``.

        Raises:
            SurveyError: the trait is not shown, or not inferred, or the profile has no
                identifier a survey answer can use.
        """
        profile_id = self._ws.profiles.resolve(profile_id)
        inferred = inferred_value(self._ws.profiles.traits(profile_id, now=self._ws.clock.now()), trait, profile_id)
        who = respondent(self._ws.profiles.identifiers(profile_id), profile_id)
        survey = self.confirmation(trait, inferred["value"], choices)
        key = link_key(self._ws.settings)
        tokens = {
            choice: sign_answer(key, LinkAnswer(survey.id, who, trait, choice))
            for choice in survey.questions[0].choices
        }
        return {
            "profile_id": profile_id,
            "trait": trait,
            "survey": survey.id,
            "question": trait,
            "inferred": inferred,
            "tokens": tokens,
        }

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

        Each row: ``survey_id, survey, question, question_text, answer, answered_at``;
        ``survey`` and ``question_text`` are None for answers imported before their survey
        was defined (``question_text`` also for a question the definition no longer has).
        """
        rows = profile_answer_rows(self._ws.db, profile_id, limit)
        texts: dict[tuple[str, str], str] = {}
        for survey_id in {row["survey_id"] for row in rows if row["survey"] is not None}:
            texts.update({(survey_id, q.id): q.text for q in self.get(survey_id).questions})
        return [{**row, "question_text": texts.get((row["survey_id"], row["question"]))} for row in rows]

    def nps(self, survey_id: str, question: str | None = None, segment: str | None = None) -> dict[str, Any]:
        """The Net Promoter Score of an NPS question (the survey's first when not named).

        Returns:
            ``{survey, question, segment, responses, promoters, passives, detractors, nps}``.
        """
        survey = self.get(survey_id)
        name = _nps_question(survey, question)
        scores = [row["answer"] for row in self.responses(survey.id, segment) if row["question"] == name]
        return {"survey": survey.id, "question": name, "segment": segment, **nps_summary(scores)}

    def nps_by_persona(self, survey_id: str, question: str | None = None, segment: str | None = None) -> dict[str, Any]:
        """The NPS of each persona's respondents (the ``persona`` value the personas room publishes).

        Respondents without a persona (none built yet, or not a customer, or objecting to
        profiling) are counted under ``(no persona)``.

        Returns:
            ``{survey, question, segment, personas: {name: {responses, promoters, passives,
            detractors, nps}}}``, personas by name.
        """
        survey = self.get(survey_id)
        name = _nps_question(survey, question)
        rows = [row for row in self.responses(survey.id, segment) if row["question"] == name]
        return {"survey": survey.id, "question": name, "segment": segment, "personas": self._by_persona(rows)}

    def _by_persona(self, rows: builtins.list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        # one query for every respondent: a query each cost 1.2 ms, 12 s for 10,000 answers
        computed = self._ws.segments.computed_many(sorted({row["profile_id"] for row in rows}))
        scores: dict[str, builtins.list[int]] = {}
        for row in rows:
            persona = computed.get(row["profile_id"], {}).get(PERSONA_TRAIT) or NO_PERSONA
            scores.setdefault(persona, []).append(row["answer"])
        return {persona: nps_summary(values) for persona, values in sorted(scores.items())}

    def report(self, survey_id: str, segment: str | None = None, by_persona: bool = False) -> dict[str, Any]:
        """A summary per question: NPS, choice counts, scale mean, or free-text themes.

        With ``by_persona``, each NPS question also has ``by_persona``: its NPS per persona
        (see :meth:`nps_by_persona`).
        """
        survey = self.get(survey_id)
        rows = self.responses(survey.id, segment)
        questions = []
        for question in survey.questions:
            mine = [row for row in rows if row["question"] == question.id]
            summary = {
                "question": question.id,
                "kind": question.kind,
                **_summarise(question.kind, [r["answer"] for r in mine]),
            }
            if by_persona and question.kind == "nps":
                summary["by_persona"] = self._by_persona(mine)
            questions.append(summary)
        return {"survey": survey.id, "segment": segment, "questions": questions}

    def pains(
        self, group_of: Callable[[builtins.list[int]], Mapping[int, Any]], *, max_themes: int = 12, top: int = 3
    ) -> dict[Any, dict[str, Any]]:
        """What each group of profiles (a persona, a segment) names in free-text answers.

        Every free-text question of every survey counts; each person's latest answer to
        each. One theme grouping is made over all answers, so a theme has the same
        name in every group. See :func:`~persona360.surveys.pains.pains_of_groups`.

        Args:
            group_of: given the respondents' profile ids, the group of each (a profile
                in none is left out of every group but still counts for everyone).
                Only respondents are asked about, so a group of a million customers
                costs no more than its few hundred who answered.
            max_themes: themes of the one grouping over every answer.
            top: pains listed per group.

        Returns:
            group -> ``{respondents, pains: [{theme, respondents, share, base_share,
            lift, examples}]}``, the most named first; groups without respondents are absent.
        """
        questions = [
            (survey["survey_id"], question.id)
            for survey in self.list()
            for question in self.get(survey["survey_id"]).questions
            if question.kind == "free_text"
        ]
        answers = free_text_answers(self._ws.db, questions)
        groups: dict[Any, list[int]] = {}
        for profile_id, group in group_of(sorted({profile_id for profile_id, _ in answers})).items():
            groups.setdefault(group, []).append(profile_id)
        return pains_of_groups(answers, groups, max_themes=max_themes, top=top)

    def answers_stamp(self) -> tuple[int, int]:
        """A value that changes whenever an answer is stored or removed (for caches)."""
        return answers_stamp(self._ws.db)

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


def _nps_question(survey: SurveySpec, question: str | None) -> str:
    name = question or next((q.id for q in survey.questions if q.kind == "nps"), None)
    if name is None:
        raise SurveyError(f"survey {survey.id!r} has no NPS question", field="question")
    if survey.question(name).kind != "nps":
        raise SurveyError(f"question {name!r} is not an NPS question (0-10)", field="question")
    return name


def _summarise(kind: str, values: list[Any]) -> dict[str, Any]:
    if kind == "nps":
        return nps_summary(values)
    if kind == "scale":
        return {"responses": len(values), "mean": round(mean(values), 2) if values else None}
    if kind == "free_text":
        return {"responses": len(values), "themes": group_themes(values, REPORT_THEMES)}
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    return {"responses": len(values), "counts": dict(Counter(flat).most_common())}
