"""The surveys room's tables (migration ``surveys_1`` in ``store/tables/enrichment.py``).

``surveys`` holds definitions. ``survey_answers`` is derived from ``Survey Answered``
events by a writer fact hook, keyed by (anchor, survey, question): answering again
replaces the row, and a rebuild re-derives it from the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from persona360.errors import NotFoundError
from persona360.ingest.record import EventRecord
from persona360.store.database import Database, Transaction
from persona360.surveys.answers import ANSWERED
from persona360.surveys.definitions import SurveySpec

# One statement a batch: an import of a survey's answers writes thousands at once
_UPSERT = (
    "INSERT INTO survey_answers SELECT * FROM __p360__answers "
    "ON CONFLICT (anchor_id, survey_id, question) DO UPDATE SET "
    "answer = excluded.answer, answered_at = excluded.answered_at, seq = excluded.seq"
)


def save_survey(db: Database, spec: SurveySpec, now: datetime) -> None:
    """Insert or replace a survey definition (its answers are kept)."""
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO surveys VALUES (?, ?, ?, ?, ?) ON CONFLICT (survey_id) DO UPDATE SET "
            "name = excluded.name, definition = excluded.definition, updated_at = excluded.updated_at",
            [spec.id, spec.name, spec.model_dump_json(), now, now],
        )


def read_survey(db: Database, survey_id: str) -> SurveySpec:
    """The survey ``survey_id``; :class:`NotFoundError` naming the known ones otherwise."""
    rows = db.query("SELECT definition FROM surveys WHERE survey_id = ?", [survey_id])
    if not rows:
        known = ", ".join(row["survey_id"] for row in list_surveys(db)) or "none yet"
        raise NotFoundError(f"no survey {survey_id!r}; known surveys: {known}")
    return SurveySpec.model_validate_json(rows[0][0])


def list_surveys(db: Database) -> list[dict[str, Any]]:
    """Every survey with its question count and how many people answered it."""
    return db.query_dicts(
        "SELECT s.survey_id, s.name, len(CAST(json_extract(s.definition, '$.questions') AS JSON[])) "
        "AS questions, count(DISTINCT a.anchor_id) AS respondents, s.created_at, s.updated_at "
        "FROM surveys s LEFT JOIN survey_answers a USING (survey_id) "
        "GROUP BY ALL ORDER BY s.survey_id"
    )


def answer_rows(db: Database, survey_id: str, question: str | None = None) -> list[dict[str, Any]]:
    """Stored answers of a survey (optionally one question), oldest first, answers decoded."""
    rows = db.query_dicts(
        "SELECT anchor_id, question, answer, answered_at FROM survey_answers "
        "WHERE survey_id = ? AND (CAST(? AS VARCHAR) IS NULL OR question = ?) ORDER BY seq",
        [survey_id, question, question],
    )
    for row in rows:
        row["answer"] = orjson.loads(row["answer"])
    return rows


def profile_answer_rows(db: Database, profile_id: int, limit: int) -> list[dict[str, Any]]:
    """The newest answers given by any identifier of one profile, answers decoded."""
    rows = db.query_dicts(
        "SELECT a.survey_id, s.name AS survey, a.question, a.answer, a.answered_at FROM survey_answers a "
        "LEFT JOIN surveys s USING (survey_id) "
        "WHERE a.anchor_id IN (SELECT identifier_id FROM identifiers WHERE profile_id = ?) "
        "ORDER BY a.answered_at DESC, a.seq DESC LIMIT ?",
        [profile_id, limit],
    )
    for row in rows:
        row["answer"] = orjson.loads(row["answer"])
    return rows


def free_text_answers(db: Database, questions: Sequence[tuple[str, str]]) -> list[tuple[int, str]]:
    """``(profile_id, text)``: each profile's latest answer to each of ``(survey, question)``."""
    if not questions:
        return []
    rows = db.query(
        "SELECT i.profile_id, arg_max(a.answer, a.seq) FROM survey_answers a "
        "JOIN identifiers i ON i.identifier_id = a.anchor_id "
        "WHERE a.survey_id || chr(31) || a.question IN (SELECT unnest(CAST(? AS VARCHAR[]))) "
        "GROUP BY i.profile_id, a.survey_id, a.question ORDER BY i.profile_id, a.survey_id, a.question",
        [[f"{survey}\x1f{question}" for survey, question in questions]],
    )
    return [(profile_id, text) for profile_id, raw in rows if isinstance(text := orjson.loads(raw), str)]


def answers_stamp(db: Database) -> tuple[int, int]:
    """Changes whenever an answer is stored or removed: (rows, newest seq)."""
    count, newest = db.query("SELECT count(*), coalesce(max(seq), 0) FROM survey_answers")[0]
    return int(count), int(newest)


def record_answers(
    tx: Transaction, records: Sequence[EventRecord], anchors: Sequence[int], seqs: Sequence[int]
) -> None:
    """Writer fact hook: keep the latest answer per (anchor, survey, question).

    The last answer of a batch to each question wins, as if they were stored one by one.
    """
    latest: dict[tuple[int, str, str], tuple[Any, ...]] = {}
    # nearly no record is an answer: the test is inline, as a call per record cost more
    for index in [i for i, record in enumerate(records) if record.event == ANSWERED]:
        record, anchor, seq = records[index], anchors[index], seqs[index]
        fact = _answer_fact(record)
        if fact is not None:
            latest[(anchor, fact[0], fact[1])] = (anchor, *fact, record.timestamp, seq)
    if not latest:
        return
    rows = list(latest.values())
    table = pa.table(
        {
            "anchor_id": pa.array([row[0] for row in rows], pa.int64()),
            "survey_id": [row[1] for row in rows],
            "question": [row[2] for row in rows],
            "answer": [row[3] for row in rows],
            "answered_at": pa.array([row[4] for row in rows], pa.timestamp("us", "UTC")),
            "seq": pa.array([row[5] for row in rows], pa.int64()),
        }
    )
    tx.register("__p360__answers", table)
    tx.execute(_UPSERT)


def _answer_fact(record: EventRecord) -> tuple[str, str, str] | None:
    if record.type != "track" or record.event != ANSWERED:
        return None
    survey, question = record.properties.get("survey"), record.properties.get("question")
    if not isinstance(survey, str) or not isinstance(question, str) or "answer" not in record.properties:
        return None
    return survey, question, orjson.dumps(record.properties["answer"]).decode()
