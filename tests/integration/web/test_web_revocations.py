"""The revocation list in ``meta``: kept across opens, expired entries dropped, bad kinds refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from persona360.store.database import Database
from persona360.store.revocations import revoke, revoked


def test_revocations_outlive_the_connection_and_expire(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    db = Database(path)
    revoke(db, "web-session", "gone-soon", time.time() - 1)
    revoke(db, "web-session", "kept", time.time() + 60)
    revoke(db, "other", "kept", time.time() + 60)
    db.close()
    reopened = Database(path)
    assert list(revoked(reopened, "web-session")) == ["kept"]
    revoke(reopened, "web-session", "later", time.time() + 60)
    rows = reopened.query("SELECT key FROM meta WHERE starts_with(key, 'revoked:') ORDER BY key")
    assert [r[0] for r in rows] == ["revoked:other:kept", "revoked:web-session:kept", "revoked:web-session:later"]


def test_a_kind_with_a_colon_is_refused() -> None:
    db = Database(":memory:")
    with pytest.raises(ValueError, match="revocation kind 'a:b' must not contain ':'"):
        revoke(db, "a:b", "x", time.time())
