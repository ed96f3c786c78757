"""Behaviour features per customer, computed in one DuckDB query.

Customers are profiles with at least one order. Every feature is a number per profile;
a value that cannot be computed (no tracked orders, fewer than three orders for a
regularity, no predictions) is NULL in SQL and becomes the median plus a ``*_missing``
flag in :func:`feature_matrix`, so that missingness is explicit, never silently zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from persona360.personas.holidays import DEFAULT_GIFT_DAYS, DEFAULT_WINDOW_DAYS, gift_window_dates
from persona360.store.database import Database

# Skewed amounts are clustered on a log scale (their raw values stay on the cards).
LOG_FEATURES = (
    "frequency", "monetary", "aov", "views_per_order", "reviews_per_order", "views_per_session", "event_gap",
    "tenure_days", "clv",
)  # fmt: skip
# Kept on the frame for the cards, never clustered on.
Columns = dict[str, list[Any]]
CARD_ONLY = ("profile_id", "usual_hour", "revenue", "category_shares")
TOP_CATEGORIES = 6

# Spend (``monetary``, ``aov``) is a profile's revenue in its currency (profiles/projection.py):
# the reporting currency when the user configured rates. When customers' revenue is in
# more than one currency (no rates, or orders the rates do not cover), amounts cannot be
# compared, so both become the customer's percentile among the customers of the same
# currency: "spends more than 80% of the shop's PLN customers" means the same in UAH.
# In a shop with one currency ``spend`` holds no rows (its filter is false before the
# window runs) and both features are the amounts, as before.
_FEATURES_SQL = """
WITH spend AS (
    SELECT profile_id,
        percent_rank() OVER (PARTITION BY currency ORDER BY revenue) AS monetary,
        CASE WHEN avg_order_value IS NOT NULL THEN percent_rank() OVER (
            PARTITION BY currency, avg_order_value IS NULL ORDER BY avg_order_value) END AS aov
    FROM profiles WHERE orders_count >= $min_orders
        AND (SELECT count(DISTINCT currency) FROM profiles WHERE orders_count >= $min_orders) > 1),
buyers AS (
    SELECT profile_id, orders_count, revenue, avg_order_value, first_seen, last_order_at
    FROM profiles WHERE orders_count >= $min_orders
        AND ($profiles IS NULL OR list_contains($profiles, profile_id))),
activity AS (
    -- the one pass over all of a customer's events: every per-event measure is a FILTERed
    -- aggregate, and each JSON document is parsed once (all its paths in one extract)
    SELECT profile_id,
        count(*) FILTER (WHERE event = 'Product Viewed') AS views,
        count(*) FILTER (WHERE event = 'Reviews Read') AS reviews,
        count(*) FILTER (WHERE event IN ('Product Shared', 'Referral Sent')) AS shares,
        count(*) FILTER (WHERE event = 'Product List Viewed') AS n_sessions,
        -- events tracked on the site or in the app (not imported records): without any, how a
        -- customer browses is unknown, not zero
        count(*) FILTER (WHERE coalesce(cx[1] ->> '$', '') <> 'import') AS tracked,
        avg(CASE WHEN (cx[2] ->> '$') = 'mobile' THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Product List Viewed') AS mobile_share,
        avg(CASE WHEN cx[3] IS NOT NULL THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Product List Viewed') AS app_share,
        avg(CASE WHEN (cx[4] ->> '$') = 'social' THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Product List Viewed') AS social_share,
        avg(CASE WHEN (cx[4] ->> '$') = 'email' THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Product List Viewed') AS email_share,
        avg(CASE WHEN (cx[4] ->> '$') = 'cpc' THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Product List Viewed') AS paid_share,
        -- a list, not mode(): DuckDB runs mode() with a FILTER as a second grouping over a
        -- materialised copy of every event row; sorted, so that a tie goes the same way every run
        list_aggregate(list_sort(list(hour(timezone('UTC', ts))) FILTER (WHERE event = 'Product List Viewed')), 'mode')
            AS usual_hour,
        avg(CASE WHEN coalesce(TRY_CAST(px[1] AS DOUBLE), 0) > 0 OR coalesce(px[2], '') <> '' THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Order Completed') AS discount_share,
        avg(CASE WHEN TRY_CAST(px[3] AS BOOLEAN) THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Order Completed') AS gift_share,
        -- shipped to someone else: the shipping name shares no name with the buyer's on the
        -- same order (unknown when the order carries no shipping name or no buyer name)
        avg(CASE WHEN coalesce(px[4], '') = '' OR coalesce(len(buyer), 0) = 0 THEN NULL
            WHEN list_has_any(string_split(lower(px[4]), ' '), buyer) THEN 0.0 ELSE 1.0 END)
            FILTER (WHERE event = 'Order Completed') AS other_recipient_share,
        -- an order is a gift when it is wrapped or sent to someone else
        avg(CASE WHEN TRY_CAST(px[3] AS BOOLEAN) OR coalesce(px[4], '') <> '' AND coalesce(len(buyer), 0) > 0
            AND NOT list_has_any(string_split(lower(px[4]), ' '), buyer) THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE event = 'Order Completed') AS gift_order_share,
        -- click times, for the pause between clicks: a list per customer sorted on its own,
        -- not a window sort over every event; imported records carry the time of the order,
        -- not of a click, and are left out
        list(epoch_us(ts)) FILTER (WHERE coalesce(cx[1] ->> '$', '') <> 'import') AS click_us
    FROM (SELECT b.profile_id, e.event, e."timestamp" AS ts,
            json_extract(e.context, ['$.channel', '$.device.type', '$.app', '$.campaign.medium']) AS cx,
            CASE WHEN e.event = 'Order Completed' THEN json_extract_string(e.properties,
                ['$.discount', '$.coupon', '$.gift_wrap', '$.ship_name']) END AS px,
            CASE WHEN e.event = 'Order Completed' THEN list_filter(
                list_transform(json_extract_string(e.traits, ['$.firstName', '$.lastName']), lambda n: lower(trim(n))),
                lambda n: coalesce(n, '') <> '') END AS buyer
        FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id JOIN buyers b ON b.profile_id = i.profile_id
        WHERE e.type IN ('track', 'page', 'screen'))
    GROUP BY profile_id),
pace AS (
    -- the typical pause between two of a person's clicks within a visit (under 30 minutes)
    SELECT profile_id, list_median(list_filter(
        list_transform(t[2:], lambda x, i: (x - t[i]) / 1e6), lambda gap: gap < 1800)) AS event_gap
    FROM (SELECT profile_id, list_sort(click_us) AS t FROM activity)),
gift_window AS (SELECT DISTINCT unnest($gift_dates::DATE[]) AS day),
bought AS (
    -- the one pass over orders: each customer's sorted order times, and the share of orders
    -- placed in a gift window (the days before a gift holiday of the shop's calendar)
    SELECT b.profile_id, list_sort(list(epoch_us(o.ordered_at))) AS t,
        avg(CASE WHEN g.day IS NULL THEN 0.0 ELSE 1.0 END) AS holiday_share
    FROM orders o JOIN identifiers i ON i.identifier_id = o.anchor_id
    JOIN buyers b ON b.profile_id = i.profile_id
    LEFT JOIN gift_window g ON g.day = timezone('UTC', o.ordered_at)::DATE
    WHERE o.ordered_at IS NOT NULL GROUP BY b.profile_id),
regularity AS (
    -- the CV of the days between a customer's orders (three orders or more), from their sorted times
    SELECT profile_id,
        list_aggregate(gaps, 'stddev_samp') / nullif(list_avg(gaps), 0) AS gap_cv
    FROM (SELECT profile_id, list_transform(t[2:], lambda x, i: (x - t[i]) / 86400e6) AS gaps
          FROM bought WHERE len(t) >= 3)),
items AS (
    -- one row per (order, item): a web order and the same order in the shop's export count once
    SELECT DISTINCT profile_id, order_id, item.brand AS brand, item.category AS category,
        coalesce(item.sku, item.product_id) AS product_id
    FROM (SELECT b.profile_id, coalesce(e.properties ->> 'order_id', e.properties::VARCHAR) AS order_id,
        unnest(from_json(e.properties -> 'products',
            '[{"product_id": "VARCHAR", "sku": "VARCHAR", "brand": "VARCHAR", "category": "VARCHAR"}]')) AS item
        FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
        JOIN buyers b ON b.profile_id = i.profile_id
        WHERE e.type IN ('track', 'page', 'screen') AND e.event = 'Order Completed')),
brands AS (
    -- loyalty to a brand is many *different* products of it: the top brand's share of the distinct
    -- products bought (one product re-ordered is replenishment, not brand loyalty), unknown under two
    SELECT profile_id, CASE WHEN sum(n) >= 2 THEN max(n) / sum(n) END AS top_brand_share
    FROM (SELECT profile_id, brand, count(DISTINCT product_id)::DOUBLE AS n FROM items GROUP BY profile_id, brand)
    GROUP BY profile_id),
repeats AS (
    SELECT profile_id, 1.0 - count(DISTINCT product_id) / count(*)::DOUBLE AS repeat_item_share
    FROM items GROUP BY profile_id),
categories AS (
    SELECT profile_id, map_from_entries(list({'k': category, 'v': n / total})) AS category_shares
    FROM (SELECT *, sum(n) OVER (PARTITION BY profile_id) AS total
          FROM (SELECT profile_id, category, count(*)::DOUBLE AS n FROM items
                WHERE category IS NOT NULL GROUP BY profile_id, category)) GROUP BY profile_id),
traits AS (
    SELECT profile_id,
        max(TRY_CAST(value ->> '$' AS TIMESTAMPTZ)) FILTER (WHERE name = 'createdAt') AS created_at,
        max(CASE WHEN (value ->> '$') IN ('true', 'yes', '1') THEN 1.0 WHEN (value ->> '$') IN ('false', 'no', '0')
            THEN 0.0 END) FILTER (WHERE name = 'loyaltyMember') AS loyalty_member,
        max(TRY_CAST(value ->> '$' AS DOUBLE)) FILTER (WHERE name = 'emailOpens')
            / nullif(max(TRY_CAST(value ->> '$' AS DOUBLE)) FILTER (WHERE name = 'emailSends'), 0)
            AS email_open_rate
    FROM profile_traits WHERE name IN ('createdAt', 'loyaltyMember', 'emailOpens', 'emailSends')
    GROUP BY profile_id)
SELECT b.profile_id,
    epoch($now - b.last_order_at) / 86400.0 AS recency_days,
    b.orders_count::DOUBLE AS frequency,
    CASE WHEN sp.profile_id IS NULL THEN coalesce(b.revenue, 0) ELSE sp.monetary END AS monetary,
    CASE WHEN sp.profile_id IS NULL THEN b.avg_order_value ELSE sp.aov END AS aov,
    r.gap_cv,
    a.discount_share, a.gift_share, a.other_recipient_share, a.gift_order_share, bo.holiday_share,
    br.top_brand_share, rp.repeat_item_share,
    CASE WHEN coalesce(a.tracked, 0) > 0 THEN coalesce(a.views, 0) / b.orders_count::DOUBLE END AS views_per_order,
    CASE WHEN coalesce(a.tracked, 0) > 0 THEN coalesce(a.reviews, 0) / b.orders_count::DOUBLE END AS reviews_per_order,
    coalesce(a.shares, 0) / nullif(a.views, 0)::DOUBLE AS share_rate,
    coalesce(a.reviews, 0) / nullif(a.views, 0)::DOUBLE AS review_rate,
    coalesce(a.views, 0) / nullif(a.n_sessions, 0)::DOUBLE AS views_per_session,
    pc.event_gap,
    a.mobile_share, a.app_share, a.social_share, a.email_share, a.paid_share,
    -- the account's age; unknown without it (first seen is when the data starts, not the customer)
    epoch($now - t.created_at) / 86400.0 AS tenure_days,
    t.loyalty_member, t.email_open_rate,
    p.clv, p.churn_risk,
    coalesce(b.revenue, 0) AS revenue, a.usual_hour, cat.category_shares
FROM buyers b
LEFT JOIN regularity r USING (profile_id) LEFT JOIN bought bo USING (profile_id) LEFT JOIN activity a USING (profile_id)
LEFT JOIN brands br USING (profile_id) LEFT JOIN repeats rp USING (profile_id)
LEFT JOIN categories cat USING (profile_id) LEFT JOIN pace pc USING (profile_id) LEFT JOIN traits t USING (profile_id)
LEFT JOIN profile_predictions p USING (profile_id) LEFT JOIN spend sp USING (profile_id)
ORDER BY b.profile_id
"""


@dataclass(frozen=True)
class GiftCalendar:
    """The shop's gift days (``MM-DD`` or ``black-friday``, comma-separated) and the days before them that count."""

    days: str = DEFAULT_GIFT_DAYS
    window: int = DEFAULT_WINDOW_DAYS


def features_sql() -> str:
    """The query behind :func:`read_features`; its parameters come from :func:`feature_params`."""
    return _FEATURES_SQL


def feature_params(
    now: datetime, min_orders: int = 1, profiles: list[int] | None = None, calendar: GiftCalendar | None = None
) -> dict[str, Any]:
    """The query's parameters.

    ``$now``, ``$min_orders``, ``$profiles`` (profile ids to restrict it to, or NULL for
    every customer) and ``$gift_dates`` (every date in a gift window of ``calendar``).
    """
    gifts = calendar or GiftCalendar()
    dates = gift_window_dates(gifts.days, gifts.window, now.date())
    return {"now": now, "min_orders": min_orders, "profiles": profiles, "gift_dates": dates}


def read_features(
    db: Database,
    now: datetime,
    min_orders: int = 1,
    profiles: list[int] | None = None,
    calendar: GiftCalendar | None = None,
) -> Columns:
    """One row per customer (or per customer among ``profiles``): the raw features, None where unknown."""
    table = db.query_arrow(_FEATURES_SQL, feature_params(now, min_orders, profiles, calendar))
    # through Arrow, column by column: a dict per row cost seconds at a million customers
    return {name: table.column(name).to_pylist() for name in table.column_names}


def keep_rows(columns: Columns, keep: list[bool]) -> Columns:
    """The rows of ``columns`` where ``keep`` is true."""
    return {name: [v for v, k in zip(values, keep, strict=True) if k] for name, values in columns.items()}


@dataclass
class FeatureMatrix:
    """The numbers k-means sees, and how they were made from the raw features."""

    profile_ids: np.ndarray
    names: list[str]
    values: np.ndarray  # after imputation and log transforms
    raw: np.ndarray  # after imputation, before log transforms (what cards report)
    observed: np.ndarray  # true where the value was known (a flag column is always known)
    imputed: dict[str, float]
    revenue: np.ndarray
    usual_hour: np.ndarray


def feature_matrix(
    table: Columns, names: list[str] | None = None, imputed: dict[str, float] | None = None
) -> FeatureMatrix:
    """Impute missing values with the median (or given values), flag them, log skewed amounts.

    Args:
        table: the output of :func:`read_features`.
        names: a stored model's feature list, to score new profiles the same way.
        imputed: that model's medians.
    """
    wanted = [n.removeprefix("category:") for n in names or [] if n.startswith("category:")]
    columns = _numeric_columns(table) | _category_columns(table, wanted if names is not None else None)
    fill = dict(imputed or {})
    out: dict[str, np.ndarray] = {}
    for name, column in columns.items():
        missing = np.isnan(column)
        if name not in fill:
            if missing.all():
                continue
            fill[name] = float(np.median(column[~missing]))
        out[name] = np.where(missing, fill[name], column)
        out[f"{name}_missing"] = missing.astype(float)
    if names is None:
        names = [n for n in out if not n.endswith("_missing") or 0 < out[n].sum() < len(out[n])]
    raw = np.column_stack([out[n] for n in names]) if names else np.zeros((len(table["profile_id"]), 0))
    return FeatureMatrix(
        profile_ids=np.asarray(table["profile_id"], dtype=np.int64),
        names=list(names),
        values=transform(raw, list(names)),
        raw=raw,
        observed=np.column_stack(
            [~np.isnan(columns[n]) if n in columns else np.ones(len(raw), dtype=bool) for n in names]
        )
        if names
        else np.ones(raw.shape, dtype=bool),
        imputed={n: fill[n] for n in names if n in fill},
        revenue=_floats(table["revenue"]),
        usual_hour=_floats(table["usual_hour"]),
    )


def transform(raw: np.ndarray, names: list[str]) -> np.ndarray:
    """The log transform of the skewed columns (``log1p``, negatives clipped to zero)."""
    values = raw.copy()
    for index, name in enumerate(names):
        if name in LOG_FEATURES:
            values[:, index] = np.log1p(np.clip(values[:, index], 0, None))
    return values


def _numeric_columns(table: Columns) -> dict[str, np.ndarray]:
    return {name: _floats(values) for name, values in table.items() if name not in CARD_ONLY}


def _category_columns(table: Columns, wanted: list[str] | None) -> dict[str, np.ndarray]:
    """The shop's most bought categories (or ``wanted``), one share column each (``category:NAME``)."""
    rows = [dict(m) if m else {} for m in table["category_shares"]]  # a map: a dict, or (key, value) pairs
    if wanted is None:
        totals: dict[str, float] = {}
        for row in rows:
            for name, share in row.items():
                totals[name] = totals.get(name, 0.0) + share
        wanted = sorted(sorted(totals, key=lambda name: (-totals[name], name))[:TOP_CATEGORIES])
    bought = np.array([bool(row) for row in rows], dtype=bool)
    return {
        f"category:{name}": np.where(bought, np.array([row.get(name, 0.0) for row in rows], dtype=float), np.nan)
        for name in wanted
    }


def _floats(values: list[Any]) -> np.ndarray:
    return np.array(values, dtype=np.float64)  # None becomes NaN
