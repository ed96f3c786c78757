"""The tables of the activation room, as named migrations (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "activation_1",
        [
            """CREATE TABLE campaigns (
                campaign_id INTEGER PRIMARY KEY, name VARCHAR UNIQUE NOT NULL, segment VARCHAR NOT NULL,
                template VARCHAR NOT NULL, channel VARCHAR NOT NULL, control_share DOUBLE NOT NULL,
                event VARCHAR, created_at TIMESTAMPTZ NOT NULL)""",
            """CREATE TABLE campaign_assignments (
                campaign_id INTEGER NOT NULL, profile_id BIGINT NOT NULL, arm VARCHAR NOT NULL,
                bucket DOUBLE NOT NULL, assigned_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (campaign_id, profile_id))""",
            """CREATE TABLE activation_messages (
                message_id BIGINT PRIMARY KEY, campaign_id INTEGER NOT NULL, profile_id BIGINT NOT NULL,
                channel VARCHAR NOT NULL, address VARCHAR NOT NULL, subject VARCHAR, body VARCHAR,
                traits_used VARCHAR[], status VARCHAR NOT NULL, attempts INTEGER NOT NULL,
                error VARCHAR, created_at TIMESTAMPTZ NOT NULL, next_attempt_at TIMESTAMPTZ,
                sent_at TIMESTAMPTZ, updated_at TIMESTAMPTZ NOT NULL)""",
            """CREATE TABLE activation_events (
                message_id BIGINT NOT NULL, profile_id BIGINT NOT NULL, kind VARCHAR NOT NULL,
                url VARCHAR, occurred_at TIMESTAMPTZ NOT NULL)""",
        ],
    ),
    (
        "activation_2",
        [
            # the provider's id of a message (Twilio's SID, Infobip's messageId), for support cases
            "ALTER TABLE activation_messages ADD COLUMN provider_id VARCHAR",
            # saved templates, which campaigns copy when created (a later edit never changes a sent campaign)
            """CREATE TABLE activation_templates (
                name VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL)""",
        ],
    ),
    (
        "activation_3",
        [
            # the purpose consent is asked for (marketing, or transactional for an order confirmation)
            "ALTER TABLE campaigns ADD COLUMN purpose VARCHAR DEFAULT 'marketing'",
            # an always-on trigger: each new event of this name sends the campaign (NULL: segment campaign)
            "ALTER TABLE campaigns ADD COLUMN trigger_event VARCHAR",
            # the seq of the last event a trigger campaign has handled (its watermark)
            "ALTER TABLE campaigns ADD COLUMN trigger_seq BIGINT DEFAULT 0",
            # send each message at the profile's best hour instead of at once
            "ALTER TABLE campaigns ADD COLUMN send_time BOOLEAN DEFAULT false",
            # the event that triggered a message (its message key), for trigger campaigns
            "ALTER TABLE activation_messages ADD COLUMN trigger_key VARCHAR",
        ],
    ),
    (
        "activation_4",
        [
            # what each queue run of a campaign did with its candidates (a send, a segment
            # trigger's hand-off, or the event trigger worker): the skipped ones by reason,
            # which the message log cannot tell (no message is written for them)
            """CREATE TABLE campaign_runs (
                campaign_id INTEGER NOT NULL, ran_at TIMESTAMPTZ NOT NULL, kind VARCHAR NOT NULL,
                members INTEGER NOT NULL, new INTEGER NOT NULL, no_consent INTEGER NOT NULL,
                no_address INTEGER NOT NULL, capped INTEGER NOT NULL, control INTEGER NOT NULL,
                queued INTEGER NOT NULL, deferred INTEGER NOT NULL, render_failed INTEGER NOT NULL)""",
        ],
    ),
]

# Tables this room derives from events inside the write (writer fact hooks): a rebuild
# empties them before it replays the events.
DERIVED: tuple[str, ...] = ()
