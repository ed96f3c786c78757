"""The tables of the enrichment room, as named migrations (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = []

# The surveys room (persona360.surveys) keeps its two tables here too.
MIGRATIONS.append(
    (
        "surveys_1",
        [
            "CREATE TABLE IF NOT EXISTS surveys (survey_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, "
            "definition VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)",
            "CREATE TABLE IF NOT EXISTS survey_answers (anchor_id BIGINT NOT NULL, survey_id VARCHAR NOT NULL, "
            "question VARCHAR NOT NULL, answer VARCHAR NOT NULL, answered_at TIMESTAMPTZ NOT NULL, "
            "seq BIGINT NOT NULL, PRIMARY KEY (anchor_id, survey_id, question))",
        ],
    )
)

# Tables this room derives from events inside the write (writer fact hooks): a rebuild
# empties them before it replays the events.
DERIVED: tuple[str, ...] = ()
DERIVED += ("survey_answers",)  # surveys room: one row per (anchor, survey, question)
