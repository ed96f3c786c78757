"""Grow a benchmark workspace to millions of profiles with set-based SQL (bench only).

Writing a million profiles through the writer takes hours on a small machine; the UI
benchmark only needs the tables in the shapes the writer leaves them in. So a base
workspace is built the honest way (``bench/ui.py``: the writer, segments, personas, a
campaign), and this module then copies every person-keyed table ``copies - 1`` times
in one ``INSERT … SELECT * REPLACE (…) … CROSS JOIN range(…)`` per table, shifting the
ids of each copy past the previous ones (profile, identifier/anchor, edge, event
sequence and message key) and prefixing identifier values with ``cN.`` so that every
copy's emails stay unique and searchable.

What is *not* copied, on purpose: campaigns and their messages (their size follows the
campaign, not the shop), review pairs, audit entries, segment counts and persona model
rows (one per version). Personas' assignments, segment memberships, consent and survey
answers are copied, so "who is in it", segment pages and the profile card read
million-row tables. Never used by persona360 itself, nor by the tests.
"""

from __future__ import annotations

from typing import Any

# table -> the columns to shift, as SQL over the copy number ``c`` and the offsets
# ``$p`` (profiles), ``$i`` (identifiers), ``$e`` (edges), ``$s`` (event seq), ``$m`` (message keys).
COPIES: dict[str, str] = {
    "identifiers": "identifier_id + c * $i AS identifier_id, profile_id + c * $p AS profile_id, "
    "'c' || c || '.' || value AS value",
    "edges": "edge_id + c * $e AS edge_id, a + c * $i AS a, b + c * $i AS b, "
    "CASE WHEN message_key IS NULL THEN NULL ELSE message_key + c * $m END AS message_key",
    "events": "seq + c * $s AS seq, message_key + c * $m AS message_key, message_id || '.c' || c AS message_id, "
    "anchor_id + c * $i AS anchor_id",
    "profile_redirects": "old_id + c * $p AS old_id, new_id + c * $p AS new_id",
    "trait_values": "anchor_id + c * $i AS anchor_id",
    "orders": "order_id || '.c' || c AS order_id, anchor_id + c * $i AS anchor_id, message_key + c * $m AS message_key",
    "anchor_stats": "anchor_id + c * $i AS anchor_id",
    "anchor_tags": "anchor_id + c * $i AS anchor_id",
    "anchor_event_counts": "anchor_id + c * $i AS anchor_id",
    "profiles": "profile_id + c * $p AS profile_id",
    "profile_traits": "profile_id + c * $p AS profile_id",
    "profile_event_counts": "profile_id + c * $p AS profile_id",
    "segment_memberships": "profile_id + c * $p AS profile_id",
    "computed_values": "profile_id + c * $p AS profile_id",
    "profile_predictions": "profile_id + c * $p AS profile_id",
    "persona_assignments": "profile_id + c * $p AS profile_id",
    "consent_ledger": "anchor_id + c * $i AS anchor_id",
    "survey_answers": "anchor_id + c * $i AS anchor_id",
}
OFFSETS = {
    # merged-away profile ids live on in profile_redirects, above every live profile id
    "p": "SELECT greatest((SELECT max(profile_id) FROM identifiers), (SELECT max(old_id) FROM profile_redirects), "
    "(SELECT max(new_id) FROM profile_redirects), 0) + 1",
    "i": "SELECT coalesce(max(identifier_id), 0) + 1 FROM identifiers",
    "e": "SELECT coalesce(max(edge_id), 0) + 1 FROM edges",
    "s": "SELECT coalesce(max(seq), 0) + 1 FROM events",
}
MESSAGE_KEY_STEP = 2**40  # keys are 63-bit hashes; copies shift them far apart (wrapping is harmless)


def existing_tables(db: Any) -> set[str]:
    return {str(row[0]) for row in db.query("SELECT table_name FROM information_schema.tables")}


def copy_sql(table: str, shifted: str, copies: int) -> str:
    """One statement that appends copies 1..copies-1 of ``table`` with shifted ids."""
    return f"INSERT INTO {table} SELECT t.* REPLACE ({shifted}) FROM {table} t CROSS JOIN range(1, {copies}) AS r(c)"


def scale_up(db: Any, copies: int) -> dict[str, int]:
    """Make ``copies`` copies of every person in the workspace; return rows per table afterwards."""
    params = {name: int(db.scalar(sql)) for name, sql in OFFSETS.items()}
    params["m"] = MESSAGE_KEY_STEP
    present = existing_tables(db)
    with db.transaction() as tx:
        for table, shifted in COPIES.items():
            if table in present:
                sql = copy_sql(table, shifted, copies).replace("$m", f"{MESSAGE_KEY_STEP}::UBIGINT")
                tx.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    db.checkpoint()
    return {table: int(db.scalar(f"SELECT count(*) FROM {table}")) for table in COPIES if table in present}
