"""The tables of a workspace, as ordered migrations.

Each migration is a name and a list of statements, applied once, in order, and
recorded in ``meta`` under ``migration:NAME``. Tables belong to rooms (see each room's
README); the first three migrations are written here, later rooms keep theirs in
``store/tables/ROOM.py`` so that each room's schema reads next to nothing else. Only the
store applies them, so that a workspace file is always complete.
"""

from __future__ import annotations

from persona360.store.tables import ROOM_DERIVED, ROOM_MIGRATIONS

Migration = tuple[str, list[str]]

_CORE: list[list[str]] = [
    [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        # access room
        """CREATE TABLE sources (
            source_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE,
            write_key_hash VARCHAR NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE tokens (
            token_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
            token_hash VARCHAR NOT NULL UNIQUE, scopes VARCHAR[] NOT NULL,
            created_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ)""",
        # ingest room: the append-only truth
        """CREATE TABLE events (
            seq BIGINT NOT NULL, message_key UBIGINT PRIMARY KEY, message_id VARCHAR NOT NULL,
            source_id INTEGER NOT NULL, type VARCHAR NOT NULL, event VARCHAR,
            user_id VARCHAR, anonymous_id VARCHAR, anchor_id BIGINT NOT NULL,
            "timestamp" TIMESTAMPTZ NOT NULL, original_timestamp TIMESTAMPTZ,
            sent_at TIMESTAMPTZ, received_at TIMESTAMPTZ NOT NULL,
            properties JSON, traits JSON, context JSON, extra JSON,
            identifiers JSON NOT NULL, reason VARCHAR NOT NULL)""",
        # identity room
        """CREATE TABLE identifiers (
            identifier_id BIGINT PRIMARY KEY, kind VARCHAR NOT NULL, value VARCHAR NOT NULL,
            profile_id BIGINT NOT NULL, first_seen TIMESTAMPTZ NOT NULL,
            source_id INTEGER NOT NULL)""",
        """CREATE TABLE edges (
            edge_id BIGINT PRIMARY KEY, a BIGINT NOT NULL, b BIGINT NOT NULL,
            reason VARCHAR NOT NULL, status VARCHAR NOT NULL, detail VARCHAR,
            source_id INTEGER NOT NULL, message_key UBIGINT, created_at TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE profile_redirects (
            old_id BIGINT PRIMARY KEY, new_id BIGINT NOT NULL, changed_at TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE identity_log (
            logged_at TIMESTAMPTZ NOT NULL, code VARCHAR NOT NULL, detail JSON NOT NULL)""",
        # profiles room: per-anchor facts (never touched by merges) ...
        """CREATE TABLE trait_values (
            anchor_id BIGINT NOT NULL, name VARCHAR NOT NULL, value VARCHAR NOT NULL,
            source_id INTEGER NOT NULL, first_observed TIMESTAMPTZ NOT NULL,
            last_observed TIMESTAMPTZ NOT NULL, times_seen BIGINT NOT NULL,
            confidence DOUBLE NOT NULL, last_seq BIGINT NOT NULL,
            PRIMARY KEY (anchor_id, name, value, source_id))""",
        """CREATE TABLE orders (
            order_id VARCHAR PRIMARY KEY, anchor_id BIGINT NOT NULL, source_id INTEGER NOT NULL,
            message_key UBIGINT NOT NULL, revenue DOUBLE, currency VARCHAR,
            ordered_at TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE anchor_stats (
            anchor_id BIGINT PRIMARY KEY, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ,
            n_identify BIGINT, n_track BIGINT, n_page BIGINT, n_screen BIGINT,
            n_group BIGINT, n_alias BIGINT)""",
        """CREATE TABLE anchor_tags (
            anchor_id BIGINT NOT NULL, tag VARCHAR NOT NULL, value VARCHAR NOT NULL,
            PRIMARY KEY (anchor_id, tag, value))""",
        """CREATE TABLE anchor_event_counts (
            anchor_id BIGINT NOT NULL, event VARCHAR NOT NULL, n BIGINT NOT NULL,
            last_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (anchor_id, event))""",
        # ... and the projection rebuilt from them for the profiles a batch touched
        """CREATE TABLE profiles (
            profile_id BIGINT PRIMARY KEY, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ,
            event_count BIGINT, n_identify BIGINT, n_track BIGINT, n_page BIGINT,
            n_screen BIGINT, n_group BIGINT, n_alias BIGINT, orders_count BIGINT,
            revenue DOUBLE, avg_order_value DOUBLE, first_order_at TIMESTAMPTZ,
            last_order_at TIMESTAMPTZ, channels VARCHAR[], devices VARCHAR[],
            sources VARCHAR[], identifier_count BIGINT)""",
        """CREATE TABLE profile_traits (
            profile_id BIGINT NOT NULL, name VARCHAR NOT NULL, value VARCHAR NOT NULL,
            source VARCHAR NOT NULL, observed_at TIMESTAMPTZ NOT NULL, confidence DOUBLE,
            value_count BIGINT NOT NULL, PRIMARY KEY (profile_id, name))""",
    ],
    [
        # segments room
        """CREATE TABLE segments (
            segment_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE,
            definition VARCHAR NOT NULL, tree JSON NOT NULL, description VARCHAR,
            created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
            evaluated_at TIMESTAMPTZ, swept_at TIMESTAMPTZ, active BOOLEAN NOT NULL)""",
        """CREATE TABLE segment_memberships (
            segment_id INTEGER NOT NULL, profile_id BIGINT NOT NULL,
            entered_at TIMESTAMPTZ NOT NULL, exited_at TIMESTAMPTZ,
            enter_reason VARCHAR NOT NULL, exit_reason VARCHAR)""",
        """CREATE TABLE segment_counts (
            segment_id INTEGER NOT NULL, counted_at TIMESTAMPTZ NOT NULL, members BIGINT NOT NULL)""",
        """CREATE TABLE segment_triggers (
            trigger_id INTEGER PRIMARY KEY, segment_id INTEGER NOT NULL, on_change VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, url VARCHAR, secret VARCHAR, max_attempts INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL, active BOOLEAN NOT NULL)""",
        """CREATE TABLE trigger_deliveries (
            delivery_id BIGINT PRIMARY KEY, trigger_id INTEGER NOT NULL, segment_id INTEGER NOT NULL,
            profile_id BIGINT NOT NULL, change VARCHAR NOT NULL, payload JSON NOT NULL,
            status VARCHAR NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TIMESTAMPTZ NOT NULL,
            last_error VARCHAR, created_at TIMESTAMPTZ NOT NULL, delivered_at TIMESTAMPTZ)""",
        # The relations every segment engine provides under the same names (see segments/compile.py).
        """CREATE VIEW seg_profiles AS SELECT profile_id, event_count, n_identify, n_track, n_page,
            n_screen, orders_count, revenue, avg_order_value, identifier_count,
            epoch_us(first_seen) AS first_seen, epoch_us(last_seen) AS last_seen,
            epoch_us(first_order_at) AS first_order_at, epoch_us(last_order_at) AS last_order_at,
            channels, devices, sources FROM profiles""",
        """CREATE TABLE computed_traits (
            name VARCHAR PRIMARY KEY, definition VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE computed_values (
            profile_id BIGINT NOT NULL, name VARCHAR NOT NULL, value_text VARCHAR NOT NULL,
            value_num DOUBLE, computed_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (profile_id, name))""",
        """CREATE VIEW seg_traits AS SELECT profile_id, name, value ->> '$' AS value_text,
            TRY_CAST(value ->> '$' AS DOUBLE) AS value_num FROM profile_traits
            WHERE name NOT IN (SELECT name FROM computed_traits)
            UNION ALL SELECT profile_id, name, value_text, value_num FROM computed_values""",
        """CREATE VIEW seg_events AS SELECT i.profile_id, e.type,
            CASE WHEN e.type = 'track' THEN e.event ELSE e.type END AS event,
            epoch_us(e.timestamp) AS ts, e.properties
            FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
            WHERE e.type NOT IN ('merge', 'unmerge')""",
        """CREATE VIEW seg_members AS SELECT s.name AS segment, m.profile_id
            FROM segment_memberships m JOIN segments s USING (segment_id)
            WHERE m.exited_at IS NULL""",
    ],
    [
        # predict room
        """CREATE TABLE profile_predictions (
        profile_id BIGINT PRIMARY KEY, fitted_at TIMESTAMPTZ NOT NULL,
        as_of TIMESTAMPTZ NOT NULL, model_version VARCHAR NOT NULL,
        frequency INTEGER NOT NULL, recency_days INTEGER NOT NULL, age_days INTEGER NOT NULL,
        average_spend DOUBLE, expected_purchases_30d DOUBLE NOT NULL,
        expected_purchases_90d DOUBLE NOT NULL, expected_purchases_365d DOUBLE NOT NULL,
        p_alive DOUBLE NOT NULL, churn_risk DOUBLE NOT NULL, churn_bucket VARCHAR NOT NULL,
        p_purchase_30d DOUBLE NOT NULL, expected_spend DOUBLE NOT NULL, clv DOUBLE NOT NULL,
        clv_horizon_months INTEGER NOT NULL, monthly_discount DOUBLE NOT NULL)""",
        """CREATE TABLE prediction_fits (
        fit_id INTEGER PRIMARY KEY, fitted_at TIMESTAMPTZ NOT NULL, as_of TIMESTAMPTZ NOT NULL,
        model_version VARCHAR NOT NULL, customers BIGINT NOT NULL, report JSON NOT NULL)""",
        # predictions are traits too: segments and templates read them like any other
        "DROP VIEW seg_traits",
        """CREATE VIEW seg_traits AS SELECT profile_id, name, value ->> '$' AS value_text,
            TRY_CAST(value ->> '$' AS DOUBLE) AS value_num FROM profile_traits
            WHERE name NOT IN (SELECT name FROM computed_traits)
            UNION ALL SELECT profile_id, name, value_text, value_num FROM computed_values
            UNION ALL SELECT profile_id, unnest(['clv', 'p_alive', 'churn_risk', 'p_purchase_30d',
                'expected_purchases_30d', 'expected_purchases_90d']),
                unnest([clv, p_alive, churn_risk, p_purchase_30d, expected_purchases_30d,
                expected_purchases_90d])::VARCHAR,
                unnest([clv, p_alive, churn_risk, p_purchase_30d, expected_purchases_30d,
                expected_purchases_90d])
            FROM profile_predictions
            UNION ALL SELECT profile_id, 'churn_bucket', churn_bucket, NULL FROM profile_predictions""",
    ],
]

# The settings of the shop's data a workspace keeps (store/stored_settings.py): never derived.
_SETTINGS: Migration = (
    "workspace_settings",
    [
        """CREATE TABLE workspace_settings (
            name VARCHAR PRIMARY KEY, value JSON NOT NULL, changed_at TIMESTAMPTZ NOT NULL)"""
    ],
)

MIGRATIONS: list[Migration] = [
    *zip(("core", "segments", "predict"), _CORE, strict=True),
    *ROOM_MIGRATIONS,
    _SETTINGS,
]

# Tables holding the projection and identity state: emptied and refilled by a rebuild.
DERIVED_TABLES: tuple[str, ...] = (
    "identifiers",
    "edges",
    "profile_redirects",
    "identity_log",
    "trait_values",
    "orders",
    "anchor_stats",
    "anchor_tags",
    "anchor_event_counts",
    "profiles",
    "profile_traits",
    *ROOM_DERIVED,
)
