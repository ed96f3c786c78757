"""Importing survey answers from a file (a survey tool's CSV export, Parquet, JSON Lines).

It follows the importers' conventions: ``--map COLUMN=ROLE`` flags, files read in
chunks with their line numbers (``store/files.py``), good rows committed through the
one writer, bad rows written to ``FILE.rejects.csv`` (line, reason, row) so one bad
row never costs the good ones, and stable message ids so importing the same file
again stores nothing new. Each row is one respondent's answers and goes through the
same checks and the same Segment-spec calls as an answer sent to the API.

Roles: ``user_id``, ``anonymous_id``, ``email`` (who answers; the first filled one in
that order is used), ``timestamp`` (when; default now), ``message_id`` (the survey
tool's response id: the calls a row becomes are keyed by it, so a response can be
found by its id, as with the other importers), ``answer:QUESTION`` and ``ignore``.
Columns named like a question id, an identifier role or ``timestamp`` need no flag.
A multiple-choice cell lists its choices separated by ``;``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from persona360.enrichment.provider import INFERRED_SOURCE_PREFIX as INFERRED_PREFIX
from persona360.errors import InvalidEventError, MappingError, SurveyError
from persona360.ingest.importers.rejects import RejectFile
from persona360.ingest.importers.run import ImportReport
from persona360.ingest.validate import to_record
from persona360.store.files import LINE, ExportFile
from persona360.surveys.answers import IDENTIFIER_KINDS, answer_messages, check_answers
from persona360.surveys.definitions import SurveySpec

if TYPE_CHECKING:
    from persona360.ingest.record import EventRecord
    from persona360.workspace import Workspace

ANSWER = "answer:"
WRITE_ROWS = 2_000


def parse_answer_mapping(flags: Iterable[str], columns: list[str], survey: SurveySpec) -> dict[str, str]:
    """Roles by column: the flags, then columns named like a role or question.

    Raises:
        MappingError: a malformed flag, an unknown role or question, a column the file
            lacks, a column left without a role, or no identifier column; the message
            names it and the fix.
    """
    roles = _default_roles(columns, survey)
    for flag in flags:
        column, separator, role = flag.rpartition("=")
        if not separator or not column.strip():
            raise MappingError(f"--map {flag!r} must look like COLUMN=ROLE")
        roles[column.strip()] = _check_role(role.strip(), column.strip(), survey)
    missing = [column for column in roles if column not in columns]
    if missing:
        raise MappingError(
            f"the mapping names column(s) {', '.join(map(repr, missing))} that the file does not have; "
            f"its columns are {', '.join(columns)}"
        )
    unmapped = [column for column in columns if column not in roles]
    if unmapped:
        raise MappingError(
            f"column(s) {', '.join(map(repr, unmapped))} have no role: map each with --map COLUMN=answer:QUESTION "
            f"or --map COLUMN=ignore (questions: {', '.join(q.id for q in survey.questions)})"
        )
    if not any(role in IDENTIFIER_KINDS for role in roles.values()):
        raise MappingError(f"no column says who answers: map one to {', '.join(IDENTIFIER_KINDS)}")
    return roles


def _default_roles(columns: list[str], survey: SurveySpec) -> dict[str, str]:
    questions = {q.id for q in survey.questions}
    roles = {}
    for column in columns:
        if column in IDENTIFIER_KINDS or column == "timestamp":
            roles[column] = column
        elif column in questions:
            roles[column] = ANSWER + column
    return roles


def _check_role(role: str, column: str, survey: SurveySpec) -> str:
    if role in IDENTIFIER_KINDS or role in ("timestamp", "message_id", "ignore"):
        return role
    if role.startswith(ANSWER):
        try:
            survey.question(role[len(ANSWER) :])
        except SurveyError as error:
            raise MappingError(f"column {column!r}: {error}") from None
        return role
    raise MappingError(
        f"column {column!r} has unknown role {role!r}: use one of {', '.join(IDENTIFIER_KINDS)}, "
        "timestamp, message_id, answer:QUESTION or ignore"
    )


def import_answers(
    ws: Workspace,
    path: Path,
    survey: SurveySpec,
    flags: Iterable[str] = (),
    *,
    source: str = "surveys",
    rejects_path: Path | None = None,
) -> ImportReport:
    """Import the answers in ``path``; see the module docstring for roles and rejects."""
    export = ExportFile(path, ws.settings.memory_limit)
    try:
        roles = parse_answer_mapping(flags, export.columns, survey)
        source_id = ws.access.ensure_source(source).source_id
        report = ImportReport(str(path), source, f"survey:{survey.id}", rows=export.rows)
        rejects = RejectFile(rejects_path or path.with_name(path.name + ".rejects.csv"))
        inferable = _inferred_anywhere(ws, survey)
        pending: list[EventRecord] = []
        for chunk in export.chunks():
            for row in chunk:
                records = _row_records(ws, survey, roles, row, source_id, rejects, inferable)
                report.records += bool(records)  # a record here is one respondent's answers
                pending.extend(records)
            if len(pending) >= WRITE_ROWS:
                _flush(ws, pending, report)
        _flush(ws, pending, report)
    finally:
        export.close()
    report.rejected, report.rejects_sample, report.rejects_path = rejects.count, rejects.sample, rejects.close()
    return report


def _inferred_anywhere(ws: Workspace, survey: SurveySpec) -> set[str]:
    """The survey's traits that some profile shows as inferred: only those can be replaced.

    Asking each respondent's traits costs a profile read per row; a survey whose traits
    no enrichment provider infers (most of them) skips that altogether.
    """
    traits = {question.trait for question in survey.questions}
    return {trait for trait in traits if ws.profiles.trait_holders(trait, source_prefix=INFERRED_PREFIX, limit=1)}


def _row_records(
    ws: Workspace,
    survey: SurveySpec,
    roles: dict[str, str],
    row: dict[str, Any],
    source_id: int,
    rejects: RejectFile,
    inferable: set[str],
) -> list[EventRecord]:
    try:
        identifier = _respondent(roles, row)
        answers = check_answers(survey, _answers(survey, roles, row))
        asked = {survey.question(name).trait for name in answers}
        replaces = ws.surveys.inferred_before(survey, identifier, answers) if asked & inferable else {}
        messages = answer_messages(survey, identifier, answers, _timestamp(ws, roles, row), replaces)
        limits = ws.limits()
        return [
            to_record({**message, "messageId": message_id}, source_id=source_id, limits=limits)
            for message, message_id in zip(messages, _message_ids(survey, roles, row, messages), strict=True)
        ]
    except (SurveyError, InvalidEventError) as error:
        rejects.add(row, str(error))
        return []


def _respondent(roles: dict[str, str], row: dict[str, Any]) -> tuple[str, str]:
    for kind in IDENTIFIER_KINDS:
        for column, role in roles.items():
            if role == kind and not _blank(row.get(column)):
                return kind, str(row[column]).strip()
    columns = [column for column, role in roles.items() if role in IDENTIFIER_KINDS]
    raise SurveyError(f"the row names no respondent: {', '.join(map(repr, columns))} are empty", field="identifier")


def _answers(survey: SurveySpec, roles: dict[str, str], row: dict[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for column, role in roles.items():
        if role.startswith(ANSWER) and not _blank(row.get(column)):
            question = survey.question(role[len(ANSWER) :])
            value = row[column]
            if question.kind == "multiple_choice" and isinstance(value, str):
                value = [part.strip() for part in value.split(";") if part.strip()]
            answers[question.id] = value.strip() if isinstance(value, str) else value
    if not answers:
        raise SurveyError("the row answers no question: every answer column is empty", field="answers")
    return answers


def _timestamp(ws: Workspace, roles: dict[str, str], row: dict[str, Any]) -> str:
    column = next((column for column, role in roles.items() if role == "timestamp"), None)
    if column is None or _blank(row.get(column)):
        return ws.clock.now().isoformat()
    value = row[column]
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidEventError(
            f"column {column!r} holds {str(value)[:40]!r}, not a time like 2026-11-23 10:15:00", field=column
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _message_ids(
    survey: SurveySpec, roles: dict[str, str], row: dict[str, Any], messages: list[dict[str, Any]]
) -> list[str]:
    """Stable ids: from the ``message_id`` column (the identify gets the id itself), else the row's digest."""
    column = next((column for column, role in roles.items() if role == "message_id"), None)
    if column is not None and not _blank(row.get(column)):
        key = str(row[column]).strip()
        return [f"{key}:{m['properties']['question']}" if m["type"] == "track" else key for m in messages]
    digest = _row_digest(survey, row)
    return [f"survey-import-{digest}-{i}" for i in range(len(messages))]


def _row_digest(survey: SurveySpec, row: dict[str, Any]) -> str:
    content = {key: value for key, value in row.items() if key != LINE}
    data = orjson.dumps([survey.id, content], default=str, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def _flush(ws: Workspace, pending: list[EventRecord], report: ImportReport) -> None:
    if pending:
        result = ws.ingest.write(pending)
        report.stored += result.stored
        report.duplicates += result.duplicates
        pending.clear()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
