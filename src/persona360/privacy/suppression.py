"""The suppression list: keyed hashes of erased people's identifiers, and the writer screen.

Erasure must forget a person and yet keep them from coming back through a later import
or a returning SDK cookie. The list holds an HMAC-SHA256 of each normalised identifier
(``kind:value``) keyed with ``PERSONA360_SUPPRESSION_SECRET``, never the value: someone
holding the file alone cannot test an email against it. The screen drops every incoming
record that carries a suppressed identifier, before anything is stored. A suppression
is lifted only on purpose (:meth:`SuppressionList.lift`), when the person asks to be
known again; a sign-up with identifiers never erased is a new person.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Iterable
from datetime import datetime

from persona360.errors import Persona360Error
from persona360.ingest.record import EventRecord
from persona360.settings import Settings
from persona360.store.database import Database, Transaction

log = logging.getLogger(__name__)
DEFAULT_SECRET = "dev-only-suppression-secret"  # noqa: S105 - the dev default, refused outside dev


class SuppressionError(ValueError, Persona360Error):
    """The suppression secret is unusable."""


def suppression_secret(settings: Settings) -> bytes:
    """The HMAC key; the shipped default is refused outside ``env=dev``."""
    if settings.suppression_secret == DEFAULT_SECRET and settings.env != "dev":
        raise SuppressionError(
            "PERSONA360_SUPPRESSION_SECRET still has its dev default: set a secret of your own "
            "(and keep it: changing it forgets every suppression)"
        )
    return settings.suppression_secret.encode()


class SuppressionList:
    """Keyed hashes of erased identifiers, kept in memory for the writer screen.

    The key is checked when first needed (an erasure, or a screen once the list holds
    something), so a workspace without a secret of its own still opens outside dev.

    Args:
        db: the workspace database (table ``suppressions``).
        settings: where the HMAC key comes from (:func:`suppression_secret`).
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self._settings = settings
        self._secret: bytes | None = None
        self._lock = threading.Lock()
        self._digests = {str(row[0]) for row in db.query("SELECT digest FROM suppressions")}
        self.dropped = 0  # records screened out since the workspace opened

    def digest(self, key: tuple[str, str]) -> str:
        """The keyed hash of a normalised identifier ``(kind, value)``."""
        if self._secret is None:
            self._secret = suppression_secret(self._settings)
        return hmac.new(self._secret, f"{key[0]}:{key[1]}".encode(), hashlib.sha256).hexdigest()

    def add(self, tx: Transaction, keys: Iterable[tuple[str, str]], at: datetime) -> int:
        """Suppress ``keys`` inside the caller's transaction; return how many are new."""
        rows = {self.digest(key): key[0] for key in keys}
        fresh = [(digest, kind) for digest, kind in rows.items() if digest not in self._digests]
        for digest, kind in fresh:
            tx.execute("INSERT OR IGNORE INTO suppressions VALUES (?, ?, ?)", [digest, kind, at])
        with self._lock:
            self._digests |= rows.keys()
        return len(fresh)

    def lift(self, tx: Transaction, key: tuple[str, str]) -> bool:
        """Forget the suppression of one identifier; return whether it was suppressed."""
        digest = self.digest(key)
        found = tx.fetchone("SELECT 1 FROM suppressions WHERE digest = ?", [digest]) is not None
        tx.execute("DELETE FROM suppressions WHERE digest = ?", [digest])
        with self._lock:
            self._digests.discard(digest)
        return found

    def suppressed(self, key: tuple[str, str]) -> bool:
        """Whether ``key`` belongs to an erased person."""
        return self.digest(key) in self._digests

    def screen(self, records: list[EventRecord]) -> list[EventRecord]:
        """The writer screen: drop the records that carry a suppressed identifier."""
        if not self._digests:
            return records
        kept = [record for record in records if not any(self.suppressed(key) for key in record.identifiers)]
        if len(kept) < len(records):
            self.dropped += len(records) - len(kept)
            log.info("dropped %d records of erased people", len(records) - len(kept))
        return kept
