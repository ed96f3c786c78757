"""Revocation lists kept in the workspace file (``meta``): ids refused until they expire.

The web UI signs its session cookies, so a logged-out cookie stays well signed until it
expires; only a list of ended sessions can refuse it. Kept in memory alone, that list
died with the process and a copied cookie worked again after a restart. Here each entry
is a ``meta`` row ``revoked:KIND:ID`` holding its expiry (Unix seconds); entries past
their expiry are pruned whenever one is added, so the list stays as short as the
number of logouts in one session lifetime.
"""

from __future__ import annotations

import time

from persona360.store.database import Database

_PREFIX = "revoked:"


def revoke(db: Database, kind: str, ident: str, until: float) -> None:
    """Refuse ``ident`` of ``kind`` until ``until`` (Unix seconds); drop expired entries.

    Example:
        >>> db = Database(":memory:")
        >>> revoke(db, "web-session", "abc", time.time() + 60)
        >>> list(revoked(db, "web-session"))
        ['abc']
    """
    if ":" in kind:
        raise ValueError(f"revocation kind {kind!r} must not contain ':'")
    with db.transaction() as tx:
        tx.execute(
            "DELETE FROM meta WHERE starts_with(key, ?) AND TRY_CAST(value AS DOUBLE) < ?",
            [f"{_PREFIX}{kind}:", time.time()],
        )
        tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [f"{_PREFIX}{kind}:{ident}", repr(float(until))])


def revoked(db: Database, kind: str) -> dict[str, float]:
    """The unexpired revoked ids of ``kind`` with their expiry times."""
    prefix = f"{_PREFIX}{kind}:"
    rows = db.query(
        "SELECT key, value FROM meta WHERE starts_with(key, ?) AND TRY_CAST(value AS DOUBLE) >= ?",
        [prefix, time.time()],
    )
    return {str(key)[len(prefix) :]: float(value) for key, value in rows}
