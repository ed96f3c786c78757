"""Money is summed exactly, then handed out as a float.

A DOUBLE ``sum`` depends on the order DuckDB's threads add the rows in, so two runs
over the same orders could differ in the last digits, and 10.1 + 20.2 showed as
30.299999999999997 in a report. Summing as DECIMAL(38, 6) is exact for every
currency's cents (and a thousandth of them) up to 10^32, and gives the same figure
whatever the order; the result is cast back to DOUBLE because every reader
(reports, charts, models) works in floats.
"""

from __future__ import annotations

MONEY = "DECIMAL(38, 6)"


def money_sum(amount: str, *, where: str | None = None) -> str:
    """SQL for the exact sum of the ``amount`` expression (only rows meeting ``where``)."""
    only = f" FILTER (WHERE {where})" if where else ""
    return f"(sum(({amount})::{MONEY}){only})::DOUBLE"
