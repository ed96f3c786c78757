"""Later columns of the profile projection, as named migrations (see store/schema.py).

The projection's first tables live in ``store/schema.py`` (they predate per-room modules).
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "profiles_2",
        [
            # The currency a profile's revenue and average order are in, and the orders
            # left out of them (in another currency, with no rate to convert them; see
            # profiles/projection.py). Existing rows keep their figures until the workspace
            # opens: it recomputes the money columns of every profile from ``orders``
            # with its settings (projection.refresh_money), as no meta key says yet which
            # settings they were computed with.
            "ALTER TABLE profiles ADD COLUMN currency VARCHAR",
            "ALTER TABLE profiles ADD COLUMN uncounted_orders BIGINT",
            "DROP VIEW seg_profiles",
            """CREATE VIEW seg_profiles AS SELECT profile_id, event_count, n_identify, n_track, n_page,
                n_screen, orders_count, revenue, avg_order_value, identifier_count,
                epoch_us(first_seen) AS first_seen, epoch_us(last_seen) AS last_seen,
                epoch_us(first_order_at) AS first_order_at, epoch_us(last_order_at) AS last_order_at,
                channels, devices, sources, currency, uncounted_orders FROM profiles""",
        ],
    )
]

# Nothing new to empty on a rebuild: ``profiles`` is in store/schema.py's DERIVED_TABLES.
DERIVED: tuple[str, ...] = ()
