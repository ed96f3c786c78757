"""Which of a trait's observed values a profile shows.

Every value stays stored with its source and times (``trait_values``); the policy
only decides the one shown. Source priority always breaks ties, so a trusted CRM
beats an old web form when both were seen at the same moment.

A row imported from a file with no timestamp column is observed at the import's time
(``ingest/importers/rows.py`` marks it undated) and ranks as such: an export holds
what its system knew when it was taken, which is when it was imported, so a CRM's
corrected phone replaces an older web form's, and a value dated after the import
replaces the CRM's. Ranking undated rows last instead would let a stale value beat
every correction a time-less export brings. The card still shows them as undated.
"""

from __future__ import annotations

# The key whose smallest value ranks first among a profile's candidate values for one
# trait (``arg_min`` in the projection: an aggregate, where a window's row_number cost
# about twice the CPU on a derivation's few hundred candidates). Columns: priority
# (position in the trusted-source list, 1000 when absent), last_observed, last_seq
# (commit order, which breaks ties between values observed at the same instant: the
# later write wins), frequency (times seen across the profile); a descending one is
# negated. Value and source end every ranking: rows can still tie on all of the above
# (one event carrying a trait for two identifiers of a profile), and without a total
# order DuckDB's threads would pick a different row from run to run, so a rebuild could differ.
_STABLE = "value, source"
_RECENT = "-epoch_us(last_observed), -last_seq"
POLICY_KEY: dict[str, str] = {
    "most_recent": f"({_RECENT}, priority, {_STABLE})",
    "most_trusted": f"(priority, {_RECENT}, {_STABLE})",
    "most_frequent": f"(-frequency, {_RECENT}, priority, {_STABLE})",
}


def policy_key(policy: str) -> str:
    """Return the ranking key for ``policy`` (smallest first); raise ``ValueError`` naming the choices."""
    try:
        return POLICY_KEY[policy]
    except KeyError:
        choices = ", ".join(POLICY_KEY)
        raise ValueError(f"unknown trait policy {policy!r}: use one of {choices}") from None
