"""The tables of the personas room, as named migrations (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "personas_1",
        [
            # one row per discovered model: centroids, scaler, features, cards (JSON)
            """CREATE TABLE persona_models (
            version INTEGER PRIMARY KEY, built_at TIMESTAMPTZ NOT NULL, k INTEGER NOT NULL,
            profiles BIGINT NOT NULL, model JSON NOT NULL, report JSON NOT NULL, cards JSON NOT NULL)""",
            """CREATE TABLE persona_assignments (
            version INTEGER NOT NULL, profile_id BIGINT NOT NULL, persona INTEGER NOT NULL,
            distance DOUBLE NOT NULL, PRIMARY KEY (version, profile_id))""",
        ],
    ),
    (
        "personas_2",
        [
            # one row per refresh: customers scored in SQL against a stored model between rebuilds
            """CREATE TABLE persona_refreshes (
            version INTEGER NOT NULL, refreshed_at TIMESTAMPTZ NOT NULL, profiles BIGINT NOT NULL)""",
        ],
    ),
]

# Tables this room derives from events inside the write (writer fact hooks): a rebuild
# empties them before it replays the events.
DERIVED: tuple[str, ...] = ()
