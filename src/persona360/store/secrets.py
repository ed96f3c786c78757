"""Random secrets kept in the workspace file (``meta``), drawn once and then reused.

Some keys must outlive the process that made them: the web UI signs its session
cookies with one, so that a restart does not log everybody out. Keeping it in the
workspace means nothing has to be configured and every process that opens the file
agrees on it. Whoever can read the file can forge cookies with it, but such a person
already holds every token hash and every profile, so nothing is lost.
"""

from __future__ import annotations

import secrets

from persona360.store.database import Database

_PREFIX = "secret:"


def workspace_secret(db: Database, name: str) -> bytes:
    """The 32-byte secret called ``name``, created on first use.

    Example:
        >>> db = Database(":memory:")
        >>> workspace_secret(db, "web") == workspace_secret(db, "web") != workspace_secret(db, "other")
        True
    """
    key = _PREFIX + name
    with db.transaction() as tx:
        tx.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", [key, secrets.token_hex(32)])
        row = tx.fetchone("SELECT value FROM meta WHERE key = ?", [key])
    return bytes.fromhex(str(row[0]))  # type: ignore[index]
