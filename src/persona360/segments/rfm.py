r"""RFM: recency, frequency and monetary scores (1-5) and the standard named segments.

Scores are quintiles among profiles with at least one order, taken from the percent
rank so that ties share the lower score (most shops have many one-order customers:
they all get F = 1, where NTILE would split them arbitrarily):

    score = min(5, 1 + floor(5 * percent_rank()))

ordered by the last order time (R: more recent is better), the order count (F) and
the revenue (M). M ranks a profile among the profiles whose revenue is in the same
currency (``seg_profiles.currency``, see profiles/projection.py): with a reporting
currency and rates that is every customer, converted; without, a shop selling in UAH
and PLN scores each currency's customers against each other, as quintiles need no
common unit, where one ranking put every UAH customer (prices ~10x the PLN ones) on top.
In a shop with one currency there is one partition, and M is what it always was.
The named segment follows the widely used R x F grid:

| R \\ F | 1           | 2            | 3            | 4         | 5               |
|--------|-------------|--------------|--------------|-----------|-----------------|
| 5      | New         | Potential Loyalist | Potential Loyalist | Champions | Champions |
| 4      | Promising   | Potential Loyalist | Potential Loyalist | Loyal     | Loyal     |
| 3      | About to Sleep | About to Sleep | Need Attention | Loyal | Loyal           |
| 2      | Hibernating | Hibernating  | At Risk      | At Risk   | Can't Lose Them |
| 1      | Lost        | Hibernating  | At Risk      | At Risk   | Can't Lose Them |
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

RFM_TRAITS = ("rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_score", "rfm_segment")

GRID: dict[tuple[int, int], str] = {}
for _r in range(1, 6):
    for _f in range(1, 6):
        if _r == 5 and _f >= 4:
            GRID[(_r, _f)] = "Champions"
        elif _r >= 3 and _f >= 4:
            GRID[(_r, _f)] = "Loyal"
        elif _r >= 4 and _f in (2, 3):
            GRID[(_r, _f)] = "Potential Loyalist"
        elif _r == 5:
            GRID[(_r, _f)] = "New"
        elif _r == 4:
            GRID[(_r, _f)] = "Promising"
        elif _r == 3 and _f == 3:
            GRID[(_r, _f)] = "Need Attention"
        elif _r == 3:
            GRID[(_r, _f)] = "About to Sleep"
        elif _f == 5:
            GRID[(_r, _f)] = "Can't Lose Them"
        elif _f >= 3:
            GRID[(_r, _f)] = "At Risk"
        elif _r == 1 and _f == 1:
            GRID[(_r, _f)] = "Lost"
        else:
            GRID[(_r, _f)] = "Hibernating"

RFM_SEGMENTS = tuple(dict.fromkeys(GRID.values()))


def rfm_sql() -> exp.Expr:
    """One row per (profile, RFM trait) for every profile with an order.

    The query is fixed (no user input reaches it); it is parsed by SQLGlot so that each
    engine gets it in its own dialect, and the segment grid is built as a CASE node.
    """
    grid = exp.Case()
    for (r, f), name in sorted(GRID.items()):
        test = exp.and_(
            exp.EQ(this=exp.column("r"), expression=exp.Literal.number(r)),
            exp.EQ(this=exp.column("f"), expression=exp.Literal.number(f)),
        )
        grid = grid.when(test, exp.Literal.string(name))
    query = sqlglot.parse_one(_RFM, read="duckdb")
    for case in query.find_all(exp.Column):
        if case.name == "__grid__":
            case.replace(grid)
    return query


_RFM = """
WITH buyers AS (
    SELECT profile_id, last_order_at, orders_count, revenue, currency FROM seg_profiles WHERE orders_count > 0),
scored AS (
    SELECT profile_id,
        LEAST(5, 1 + CAST(FLOOR(5 * PERCENT_RANK() OVER (ORDER BY last_order_at)) AS INT)) AS r,
        LEAST(5, 1 + CAST(FLOOR(5 * PERCENT_RANK() OVER (ORDER BY orders_count)) AS INT)) AS f,
        LEAST(5, 1 + CAST(FLOOR(5 * PERCENT_RANK() OVER (PARTITION BY currency ORDER BY revenue)) AS INT)) AS m
    FROM buyers),
named AS (SELECT *, __grid__ AS segment FROM scored)
SELECT profile_id, 'rfm_recency' AS name, CAST(r AS VARCHAR) AS value_text, CAST(r AS DOUBLE) AS value_num FROM named
UNION ALL SELECT profile_id, 'rfm_frequency', CAST(f AS VARCHAR), CAST(f AS DOUBLE) FROM named
UNION ALL SELECT profile_id, 'rfm_monetary', CAST(m AS VARCHAR), CAST(m AS DOUBLE) FROM named
UNION ALL SELECT profile_id, 'rfm_score', CAST(r AS VARCHAR) || CAST(f AS VARCHAR) || CAST(m AS VARCHAR),
    CAST(100 * r + 10 * f + m AS DOUBLE) FROM named
UNION ALL SELECT profile_id, 'rfm_segment', segment, CAST(NULL AS DOUBLE) FROM named
"""
