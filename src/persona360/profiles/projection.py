"""The profile projection: re-aggregate per-anchor facts for the touched profiles.

A profile row, its shown traits and its event counts are a pure function of the
identity graph and the per-anchor facts, so the writer recomputes exactly the
profiles a batch touched, and ``rebuild`` recomputes all of them, with the same SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import pyarrow as pa

from persona360.profiles.merge_policy import policy_key
from persona360.store.database import Transaction
from persona360.store.money import money_sum

# The writer knows each touched profile's identifiers from its in-memory graph and
# hands them over, which saves a scan of `identifiers` per statement: as one Arrow table
# read by replacement scan (p360_rows, see _touched), where a profile without members
# (merged away) has one row with no identifier, so the same table names the rows to drop.
_MEMBERS = """
members AS (SELECT identifier_id, profile_id FROM p360_rows WHERE identifier_id IS NOT NULL)
"""

# Revenue is summed exactly (store/money.py): a DOUBLE sum made a derive and a rebuild
# (or two rebuilds) differ in the last digits, and 0.1 + 0.2 showed as 0.30000000000000004.
_PROFILES = f"""
INSERT INTO profiles
WITH {_MEMBERS},
stats AS (
    SELECT m.profile_id, min(s.first_seen) AS first_seen, max(s.last_seen) AS last_seen,
           sum(s.n_identify) AS n_identify, sum(s.n_track) AS n_track,
           sum(s.n_page) AS n_page, sum(s.n_screen) AS n_screen,
           sum(s.n_group) AS n_group, sum(s.n_alias) AS n_alias
    FROM members m JOIN anchor_stats s ON s.anchor_id = m.identifier_id GROUP BY 1),
tags AS (
    SELECT m.profile_id,
           list_sort(list_distinct(list(t.value) FILTER (t.tag = 'channel'))) AS channels,
           list_sort(list_distinct(list(t.value) FILTER (t.tag = 'device'))) AS devices,
           list_sort(list_distinct(list(t.value) FILTER (t.tag = 'source'))) AS sources
    FROM members m JOIN anchor_tags t ON t.anchor_id = m.identifier_id GROUP BY 1),
ords AS (
    SELECT m.profile_id, count(*) AS orders_count, {money_sum("o.revenue")} AS revenue,
           min(o.ordered_at) AS first_order_at, max(o.ordered_at) AS last_order_at
    FROM members m JOIN orders o ON o.anchor_id = m.identifier_id GROUP BY 1),
ids AS (SELECT profile_id, count(*) AS identifier_count FROM members GROUP BY 1)
SELECT ids.profile_id, stats.first_seen, stats.last_seen,
       coalesce(n_identify + n_track + n_page + n_screen + n_group + n_alias, 0),
       coalesce(n_identify, 0), coalesce(n_track, 0), coalesce(n_page, 0),
       coalesce(n_screen, 0), coalesce(n_group, 0), coalesce(n_alias, 0),
       coalesce(orders_count, 0), coalesce(revenue, 0),
       CASE WHEN orders_count > 0 THEN revenue / orders_count END,
       first_order_at, last_order_at,
       coalesce(channels, []), coalesce(devices, []), coalesce(sources, []),
       identifier_count
FROM ids LEFT JOIN stats USING (profile_id) LEFT JOIN ords USING (profile_id)
LEFT JOIN tags USING (profile_id)
"""

# Value counts and frequencies come from GROUP BY, not from windows: DuckDB's windowed
# count(DISTINCT) and partitioned sum cost ~7 ms each on the ~3k candidate rows of a
# 200-profile batch, about a third of a derive's CPU, where the aggregates cost ~1 ms.
# The shown value is an aggregate too (arg_min over the policy's key, merge_policy.py):
# the window that ranked it (row_number) cost about twice the CPU.
_TRAITS = """
INSERT INTO profile_traits
WITH {members},
candidates AS (
    SELECT m.profile_id, t.name, t.value, src.name AS source, t.last_observed,
           t.last_seq, t.times_seen, t.confidence,
           coalesce(list_position($priority, src.name), 1000) AS priority
    FROM members m JOIN trait_values t ON t.anchor_id = m.identifier_id
    JOIN sources src ON src.source_id = t.source_id),
per_value AS (
    SELECT profile_id, name, value, sum(times_seen) AS frequency FROM candidates GROUP BY ALL),
per_name AS (SELECT profile_id, name, count(*) AS value_count FROM per_value GROUP BY ALL),
shown AS (
    SELECT c.profile_id, c.name,
           arg_min({{'value': c.value, 'source': c.source, 'observed_at': c.last_observed,
                     'confidence': c.confidence}}, {key}) AS s
    FROM {ranked}
    GROUP BY c.profile_id, c.name)
SELECT profile_id, name, s.value, s.source, s.observed_at, s.confidence, value_count
FROM shown JOIN per_name USING (profile_id, name) WHERE s.value <> 'null'
"""

_DROP = "DELETE FROM {table} WHERE profile_id IN (SELECT profile_id FROM p360_rows)"


def reproject(
    tx: Transaction,
    members: Mapping[int, Sequence[int]],
    *,
    policy: str,
    priority: list[str],
    traits_of: Collection[int] | None = None,
) -> None:
    """Recompute the projection of the profiles in ``members`` (profile id -> identifier ids).

    A profile with no members left (merged away) loses its rows. ``traits_of`` limits
    the shown traits to those profiles (the caller knows the others' traits did not
    change); None recomputes them for all.
    """
    if not members:
        return
    touched = _touched(members)
    tx.execute_arrow(_DROP.format(table="profiles"), touched)
    tx.execute_arrow(_PROFILES, touched)
    if traits_of is not None:
        subset = {profile: members[profile] for profile in traits_of if profile in members}
        if not subset:
            return
        if len(subset) < len(members):
            touched = _touched(subset)
    tx.execute_arrow(_DROP.format(table="profile_traits"), touched)
    tx.execute_arrow(_traits_sql(policy), touched, {"priority": priority})


def _traits_sql(policy: str) -> str:
    """The shown traits' SQL for ``policy``.

    Only a ranking by frequency needs each value's count beside its candidates; for
    the others the join to ``per_value`` cost a quarter of the statement (FEBRL3's
    import: 0.057 -> 0.042 s) and chose among the same rows.
    """
    key = policy_key(policy)
    ranked = "candidates c JOIN per_value v USING (profile_id, name, value)" if "frequency" in key else "candidates c"
    return _TRAITS.format(members=_MEMBERS, key=key, ranked=ranked)


def _touched(members: Mapping[int, Sequence[int]]) -> pa.Table:
    """``members`` as (identifier_id, profile_id) pairs; a profile without members has one row with no identifier.

    Read by replacement scan, not registered as a view: registering cost ~0.7 ms of
    CPU each, and a derivation registered up to four such tables.
    """
    pairs = [(member, profile) for profile in sorted(members) for member in members[profile] or (None,)]
    return pa.table(
        {
            "identifier_id": pa.array([m for m, _ in pairs], pa.int64()),
            "profile_id": pa.array([p for _, p in pairs], pa.int64()),
        }
    )
