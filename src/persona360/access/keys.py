"""Sources with their write keys, and admin tokens with scopes.

Keys and tokens are shown once, when created, and stored only as SHA-256 hashes:
a copy of the workspace file does not hand out access.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import duckdb

from persona360.clock import Clock
from persona360.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from persona360.store.database import Database

SCOPES: dict[str, str] = {
    "admin": "everything, including the scopes below",
    "profiles:read": "read profiles, timelines and identifiers",
    "profiles:write": "merge and unmerge profiles",
    "segments": "manage segments",
    "personas": "read persona cards, members and drift; build and refresh personas",
    "campaigns": "send campaigns",
    "privacy": "consent changes, erasure and access export",
    "identity": "review probabilistic matches: list, accept and reject pairs",
}
SYSTEM_SOURCE = "persona360"


@dataclass(frozen=True)
class Source:
    source_id: int
    name: str


@dataclass(frozen=True)
class Token:
    token_id: int
    name: str
    scopes: tuple[str, ...]

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Keys:
    """Creates and checks write keys and admin tokens of one workspace."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._sources: dict[str, Source] = {}
        self._by_key_hash: dict[str, Source] = {}  # write keys never change once issued

    # -- sources -----------------------------------------------------------------
    def add_source(self, name: str) -> tuple[Source, str]:
        """Create source ``name``; return it and its write key (shown only now)."""
        name = name.strip()
        if not name or len(name) > 64 or not all(c.isalnum() or c in "-_." for c in name):
            raise ValueError(f"source name {name!r} must be 1-64 letters, digits, '-', '_' or '.'")
        write_key = "wk_" + secrets.token_urlsafe(24)
        with self.db.transaction() as tx:
            next_id = tx.fetchone("SELECT coalesce(max(source_id), 0) + 1 FROM sources")
            source_id = int(next_id[0])  # type: ignore[index]
            try:
                tx.execute(
                    "INSERT INTO sources VALUES (?, ?, ?, ?)",
                    [source_id, name, hash_secret(write_key), self.clock.now()],
                )
            except duckdb.ConstraintException:
                raise ValueError(f"a source named {name!r} already exists") from None
        return Source(source_id, name), write_key

    def ensure_source(self, name: str) -> Source:
        """Return source ``name``, creating it (with an unused key) when missing."""
        try:
            return self.source(name)
        except NotFoundError:
            return self.add_source(name)[0]

    def source(self, name: str) -> Source:
        """The source called ``name``."""
        cached = self._sources.get(name)
        if cached:
            return cached
        row = self.db.query("SELECT source_id, name FROM sources WHERE name = ?", [name])
        if not row:
            raise NotFoundError(f"no source named {name!r}: create it with `persona360 sources add {name}`")
        source = Source(int(row[0][0]), str(row[0][1]))
        self._sources[name] = source
        return source

    def sources(self) -> list[dict[str, object]]:
        """Every source that sends data, with its event count and last event time.

        The system source (manual merges and unmerges) is left out: it is no data source.
        """
        return self.db.query_dicts(
            "SELECT s.source_id, s.name, s.created_at, count(e.seq) AS events, "
            "max(e.received_at) AS last_event_at FROM sources s "
            "LEFT JOIN events e USING (source_id) WHERE s.name <> ? GROUP BY ALL ORDER BY s.source_id",
            [SYSTEM_SOURCE],
        )

    def source_for_write_key(self, write_key: str | None) -> Source:
        """The source a write key belongs to; :class:`AuthenticationError` when none."""
        if not write_key:
            raise AuthenticationError("a write key is required (HTTP Basic user name or writeKey)")
        key_hash = hash_secret(write_key)
        cached = self._by_key_hash.get(key_hash)
        if cached is not None:
            return cached
        row = self.db.query(
            "SELECT source_id, name FROM sources WHERE write_key_hash = ? AND name <> ?",
            [key_hash, SYSTEM_SOURCE],
        )
        if not row:
            raise AuthenticationError("the write key is not known to this workspace")
        self._by_key_hash[key_hash] = Source(int(row[0][0]), str(row[0][1]))
        return self._by_key_hash[key_hash]

    # -- tokens ------------------------------------------------------------------
    def create_token(self, scopes: list[str], name: str = "") -> str:
        """Create an admin token with ``scopes``; return it (shown only now)."""
        unknown = [scope for scope in scopes if scope not in SCOPES]
        if unknown or not scopes:
            raise ValueError(f"unknown scope(s) {', '.join(unknown) or '(none given)'}: use {', '.join(SCOPES)}")
        token = "p360_" + secrets.token_urlsafe(32)
        with self.db.transaction() as tx:
            token_id = int(tx.fetchall("SELECT coalesce(max(token_id), 0) + 1 FROM tokens")[0][0])
            tx.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, NULL)",
                [
                    token_id,
                    name or f"token-{token_id}",
                    hash_secret(token),
                    sorted(scopes),
                    self.clock.now(),
                ],
            )
        return token

    def check_token(self, token: str | None, scope: str) -> Token:
        """Return the token when it is valid and allows ``scope``.

        Raises:
            AuthenticationError: no token, or an unknown or revoked one (HTTP 401).
            PermissionDeniedError: a valid token without the scope (HTTP 403).
        """
        if not token:
            raise AuthenticationError("an admin token is required (Authorization: Bearer TOKEN)")
        row = self.db.query(
            "SELECT token_id, name, scopes FROM tokens WHERE token_hash = ? AND revoked_at IS NULL",
            [hash_secret(token)],
        )
        if not row:
            raise AuthenticationError("the admin token is not known or was revoked")
        found = Token(int(row[0][0]), str(row[0][1]), tuple(row[0][2]))
        if not found.allows(scope):
            raise PermissionDeniedError(f"the token lacks the scope {scope!r}")
        return found

    def tokens(self) -> list[dict[str, object]]:
        return self.db.query_dicts(
            "SELECT token_id, name, scopes, created_at, revoked_at FROM tokens ORDER BY token_id"
        )

    def revoke_token(self, token_id: int) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE tokens SET revoked_at = ? WHERE token_id = ?", [self.clock.now(), token_id])
