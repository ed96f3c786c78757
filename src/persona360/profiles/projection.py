"""The profile projection: re-aggregate per-anchor facts for the touched profiles.

A profile row, its shown traits and its event counts are a pure function of the
identity graph and the per-anchor facts, so the writer recomputes exactly the
profiles a batch touched, and ``rebuild`` recomputes all of them, with the same SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import pyarrow as pa

from persona360.profiles.merge_policy import policy_key
from persona360.store.database import Database, Transaction
from persona360.store.money import Money, money_sum

# The writer knows each touched profile's identifiers from its in-memory graph and
# hands them over, which saves a scan of `identifiers` per statement: as one Arrow table
# read by replacement scan (p360_rows, see _touched), where a profile without members
# (merged away) has one row with no identifier, so the same table names the rows to drop.
_MEMBERS = """
members AS (SELECT identifier_id, profile_id FROM p360_rows WHERE identifier_id IS NOT NULL)
"""

# Revenue is summed exactly (store/money.py): a DOUBLE sum made a derive and a rebuild
# (or two rebuilds) differ in the last digits, and 0.1 + 0.2 showed as 0.30000000000000004.
#
# A profile's revenue is in one currency, ``currency``, so that anything comparing
# profiles by revenue compares amounts of one currency. Each order is first put in its
# reporting currency (Money.orders_sql: converted at the rate of its day when the user
# configured rates, else its own), then the profile keeps one of those currencies: the
# reporting currency when any order is in it, else the currency of most of its orders
# (ties by name). Orders in another currency are neither added raw nor dropped unseen:
# they are counted in ``uncounted_orders`` and shown per currency on the profile
# (ProfileReader._with_currencies). ``orders_count`` and the order dates count every order.
# In a shop with one currency and no rates this is the old sum, to the bit.
_ORDERS = """
paid AS (
    SELECT profile_id, report_currency, count(*) AS n, {amount} AS amount,
           min(ordered_at) AS first_at, max(ordered_at) AS last_at
    FROM {orders} GROUP BY ALL),
ords AS (
    SELECT profile_id, sum(n)::BIGINT AS orders_count,
           arg_min({{'currency': report_currency, 'n': n, 'amount': amount}},
                   {{'other': {other}, 'fewer': -n, 'currency': report_currency}}) AS kept,
           min(first_at) AS first_order_at, max(last_at) AS last_order_at
    FROM paid GROUP BY 1)
"""

_PROFILES = """
INSERT INTO profiles
WITH {members},
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
{ords},
ids AS (SELECT profile_id, count(*) AS identifier_count FROM members GROUP BY 1)
SELECT ids.profile_id, stats.first_seen, stats.last_seen,
       coalesce(n_identify + n_track + n_page + n_screen + n_group + n_alias, 0),
       coalesce(n_identify, 0), coalesce(n_track, 0), coalesce(n_page, 0),
       coalesce(n_screen, 0), coalesce(n_group, 0), coalesce(n_alias, 0),
       {money_columns},
       first_order_at, last_order_at,
       coalesce(channels, []), coalesce(devices, []), coalesce(sources, []),
       identifier_count, {currency_columns}
FROM ids LEFT JOIN stats USING (profile_id) LEFT JOIN ords USING (profile_id)
LEFT JOIN tags USING (profile_id)
"""

# orders_count, revenue, avg_order_value, then (at the end, where the migration added
# them) currency and uncounted_orders, from ``ords`` LEFT JOINed to every profile.
_MONEY_COLUMNS = (
    "coalesce(orders_count, 0), coalesce(kept.amount, 0), CASE WHEN orders_count > 0 THEN kept.amount / kept.n END"
)
_CURRENCY_COLUMNS = "kept.currency, coalesce(orders_count - kept.n, 0)"

# The same figures for every profile at once, when the currency settings changed (see refresh_money).
_REFRESH = """
UPDATE profiles SET orders_count = r.orders_count, revenue = r.revenue, avg_order_value = r.avg_order_value,
    currency = r.currency, uncounted_orders = r.uncounted_orders
FROM (
    WITH members AS (SELECT identifier_id, profile_id FROM identifiers), {ords}
    SELECT p.profile_id, {money_columns}, {currency_columns}
    FROM (SELECT profile_id FROM profiles) p LEFT JOIN ords USING (profile_id)
) AS r(profile_id, orders_count, revenue, avg_order_value, currency, uncounted_orders)
WHERE profiles.profile_id = r.profile_id
"""
_MONEY_KEY = "projection:money"

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
    money: Money,
    traits_of: Collection[int] | None = None,
) -> None:
    """Recompute the projection of the profiles in ``members`` (profile id -> identifier ids).

    A profile with no members left (merged away) loses its rows. ``traits_of`` limits
    the shown traits to those profiles (the caller knows the others' traits did not
    change); None recomputes them for all. ``money`` says which currency each profile's
    revenue is kept in (``Money.from_settings``).
    """
    if not members:
        return
    touched = _touched(members)
    tx.execute_arrow(_DROP.format(table="profiles"), touched)
    tx.execute_arrow(_profiles_sql(money), touched)
    if traits_of is not None:
        subset = {profile: members[profile] for profile in traits_of if profile in members}
        if not subset:
            return
        if len(subset) < len(members):
            touched = _touched(subset)
    tx.execute_arrow(_DROP.format(table="profile_traits"), touched)
    tx.execute_arrow(_traits_sql(policy), touched, {"priority": priority})


def refresh_money(db: Database, money: Money) -> bool:
    """Recompute every profile's revenue columns if ``money`` is not what they were computed with.

    The projection's revenue depends on the currency settings (the reporting currency and
    its rates), so a change of them would leave the stored figures in the old terms, and
    the writer would mix old and new as it re-projects touched profiles. The settings
    each projection was computed with are kept in ``meta``; on opening a workspace whose
    settings differ (or that predates the ``currency`` column), one UPDATE recomputes the
    money columns of every profile from ``orders``, which the writer keeps per anchor.
    Nothing else of the projection depends on them. Returns whether it recomputed.
    """
    key = money.key()
    if db.scalar("SELECT value FROM meta WHERE key = ?", [_MONEY_KEY]) == key:
        return False
    with db.transaction() as tx:
        tx.execute(
            _REFRESH.format(ords=_ords_sql(money), money_columns=_MONEY_COLUMNS, currency_columns=_CURRENCY_COLUMNS)
        )
        tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_MONEY_KEY, key])
    return True


def _ords_sql(money: Money) -> str:
    """The ``paid`` and ``ords`` CTEs over ``members`` (see _ORDERS)."""
    orders = money.orders_sql(
        "(SELECT m.profile_id, o.* FROM members m JOIN orders o ON o.anchor_id = m.identifier_id)"
    )
    other = f"report_currency <> '{money.reporting_currency}'" if money.reporting_currency else "false"
    return _ORDERS.format(amount=money_sum("report_amount"), orders=orders, other=other)


def _profiles_sql(money: Money) -> str:
    return _PROFILES.format(
        members=_MEMBERS,
        ords=_ords_sql(money),
        money_columns=_MONEY_COLUMNS,
        currency_columns=_CURRENCY_COLUMNS,
    )


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
