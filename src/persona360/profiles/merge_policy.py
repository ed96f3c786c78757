"""Which of a trait's observed values a profile shows.

Every value stays stored with its source and times (``trait_values``); the policy
only decides the one shown. Source priority always breaks ties, so a trusted CRM
beats an old web form when both were seen at the same moment.
"""

from __future__ import annotations

# ORDER BY of the window that ranks a profile's candidate values for one trait.
# Columns: priority (position in the trusted-source list, 1000 when absent),
# last_observed, last_seq (commit order, which breaks ties between values observed at
# the same instant: the later write wins), frequency (times seen across the profile).
# Value and source end every ranking: rows can still tie on all of the above (one event
# carrying a trait for two identifiers of a profile), and without a total order DuckDB's
# threads would pick a different row from run to run, so a rebuild could differ.
_STABLE = "value, source"
POLICY_ORDER: dict[str, str] = {
    "most_recent": f"last_observed DESC, last_seq DESC, priority, {_STABLE}",
    "most_trusted": f"priority, last_observed DESC, last_seq DESC, {_STABLE}",
    "most_frequent": f"frequency DESC, last_observed DESC, last_seq DESC, priority, {_STABLE}",
}


def policy_order(policy: str) -> str:
    """Return the ranking for ``policy``; raise ``ValueError`` naming the choices."""
    try:
        return POLICY_ORDER[policy]
    except KeyError:
        choices = ", ".join(POLICY_ORDER)
        raise ValueError(f"unknown trait policy {policy!r}: use one of {choices}") from None
