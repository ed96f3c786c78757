"""Fingerprints of what a ``resolve`` run leaves behind, to prove a faster run changed nothing (bench only).

    .venv/bin/python bench/identity_fingerprint.py RESOLVED.duckdb > before.json
    ... resolve a fresh copy with the changed code ...
    .venv/bin/python bench/identity_fingerprint.py RESOLVED2.duckdb > after.json
    diff before.json after.json

Each part is an MD5 over its rows as text, sorted, with a row count: the stored pairs
(both identifiers, probability, status, explanation), the probabilistic edges, the
merge events' content (not their random message ids or times), every identifier's
profile, the redirects, and the profiles with their traits. Times the run stamps with
"now" (``created_at``, ``decided_at``) are left out, as two runs never share them.
"""

from __future__ import annotations

import json
import sys

import duckdb

PARTS = {
    # probabilities to 12 places: DuckDB's parallel sums in Splink move the last bits
    "pairs": "SELECT a_identifier_id, b_identifier_id, round(probability, 12), status, explanation::VARCHAR, "
    "decided_by FROM resolution_pairs",
    "edges": "SELECT edge_id, a, b, reason, status, detail, source_id FROM edges WHERE reason = 'probabilistic'",
    "merge_events": "SELECT seq, type, anchor_id, extra::VARCHAR, reason FROM events WHERE type = 'merge'",
    "identifiers": "SELECT identifier_id, profile_id FROM identifiers",
    "redirects": "SELECT old_id, new_id FROM profile_redirects",
    "profiles": "SELECT * EXCLUDE (first_seen, last_seen) FROM profiles",
    "profile_traits": "SELECT profile_id, name, value, source, observed_at, confidence, value_count "
    "FROM profile_traits",
}


def fingerprint(path: str) -> dict[str, list[object]]:
    con = duckdb.connect(path, read_only=True)
    try:
        found = {}
        for part, sql in PARTS.items():
            # ordered inside the aggregate: a subquery's ORDER BY does not survive DuckDB's threads
            text = "CAST(t AS VARCHAR)"
            digest = f"md5(string_agg({text}, '|' ORDER BY {text}))"
            row = con.execute(f"SELECT count(*), {digest} FROM ({sql}) t").fetchone()
            found[part] = list(row or ())
        return found
    finally:
        con.close()


if __name__ == "__main__":
    print(json.dumps(fingerprint(sys.argv[1]), indent=1))
