"""``ws.privacy``: consent checks and changes, contact addresses, the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from persona360.errors import NotFoundError
from persona360.identity.normalise import EMAIL, PHONE, split_identifier
from persona360.ingest.record import anchor_rank
from persona360.privacy.audit import AuditLog
from persona360.privacy.consent import ConsentLedger, consent_record
from persona360.privacy.purposes import ConsentFact, check_purpose

if TYPE_CHECKING:
    from persona360.workspace import Workspace

# The identifier kind that holds a channel's address; channels not listed have none.
ADDRESS_KINDS = {"email": EMAIL, "sms": PHONE, "viber": PHONE}


class PrivacyAPI:
    """``ws.privacy``: may we use this person's data for a purpose, and who did what.

    Consent defaults: ``transactional`` and ``analytics`` are allowed without a grant;
    ``marketing``, ``profiling`` and ``enrichment`` need one
    (setting ``PERSONA360_CONSENT_DEFAULT_ALLOW``).
    """

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self.ledger = ConsentLedger(ws.db, ws.system_source.source_id, ws.settings.consent_default_allow)
        self.audit_trail = AuditLog(ws.db, ws.clock)
        ws.writer.fact_hooks.append(self.ledger)

    # -- checks --------------------------------------------------------------------
    def may(self, profile_id: int, purpose: str, channel: str | None = None) -> bool:
        """Whether the profile's live consent allows ``purpose`` (on ``channel``).

        The latest unexpired grant or withdrawal for (purpose, channel) or for
        (purpose, any channel) wins; without one, the purpose's default applies. With
        ``channel=None`` only purpose-wide decisions count. A profile the workspace
        does not hold is never allowed.

        Raises:
            ConsentError: unknown purpose or channel.

        Example:
            >>> from persona360 import Workspace
            >>> ws = Workspace.open(":memory:")
            >>> ws.privacy.may(1, "marketing", "email")
            False
        """
        return profile_id in self.may_many([profile_id], purpose, channel)

    def may_many(self, profile_ids: Iterable[int], purpose: str, channel: str | None = None) -> set[int]:
        """The ids among ``profile_ids`` that :meth:`may` allows, in one query."""
        return self.ledger.allowed(list(profile_ids), purpose, channel, self._ws.clock.now())

    def may_all(self, profile_id: int) -> dict[str, dict[str | None, bool]]:
        """:meth:`may` for every purpose and channel of one profile, in one query.

        ``may_all(p)[purpose][channel]``; the key ``None`` holds the purpose-wide answer.
        For a profile's page, where thirty calls to :meth:`may` would cost thirty queries.
        """
        return self.ledger.matrix(self._ws.profiles.resolve(profile_id), self._ws.clock.now())

    def addresses(self, profile_id: int, purpose: str, channel: str) -> list[str]:
        """The profile's normalised emails (``email``) or E.164 phones (``sms``, ``viber``).

        Does not check consent (call :meth:`may` first) and does not yet limit by the
        purposes a source declared: every address of the profile comes back.
        ``push`` and ``webhook`` have no address here: the list is empty.
        """
        check_purpose(purpose, channel)
        kind = ADDRESS_KINDS.get(channel)
        if kind is None:
            return []
        rows = self._ws.db.query(
            "SELECT value FROM identifiers WHERE profile_id = ? AND kind = ? ORDER BY first_seen, value",
            [profile_id, kind],
        )
        return [row[0] for row in rows]

    # -- changes -------------------------------------------------------------------
    def grant(self, profile_id: int, purpose: str, channel: str | None = None, **change: Any) -> None:
        """Record that the person granted ``purpose`` (see :meth:`change`)."""
        self.change(profile_id, purpose, channel, granted=True, **change)

    def withdraw(self, profile_id: int, purpose: str, channel: str | None = None, **change: Any) -> None:
        """Record that the person withdrew ``purpose`` (see :meth:`change`)."""
        self.change(profile_id, purpose, channel, granted=False, **change)

    def change(
        self,
        profile_id: int,
        purpose: str,
        channel: str | None,
        *,
        granted: bool,
        basis: str = "consent",
        expires_at: datetime | None = None,
        actor: str = "cli",
    ) -> None:
        """Store a consent change as an event of the system source, and audit it.

        Args:
            profile_id: the person; the change is kept on their most trusted identifier.
            purpose: one of ``PURPOSES``.
            channel: one of ``CHANNELS``, or None for every channel.
            granted: grant (True) or withdrawal (False).
            basis: the legal basis (``consent``, ``contract``, ``legitimate_interest``...).
            expires_at: when a grant lapses, or None.
            actor: who made the change (for the audit trail).

        Raises:
            ConsentError: unknown purpose or channel.
            NotFoundError: the profile does not exist.
        """
        check_purpose(purpose, channel)
        profile_id = self._ws.profiles.resolve(profile_id)
        identifier = self._anchor_identifier(profile_id)
        fact = ConsentFact(purpose, channel, granted, basis, self._ws.clock.now(), expires_at)
        self._ws.writer.write([consent_record(identifier, fact, self._ws.system_source.source_id, actor)])
        action = "consent.grant" if granted else "consent.withdraw"
        detail = {"purpose": purpose, "channel": channel, "basis": basis, "expires_at": expires_at}
        self.audit(actor, action, f"profile:{profile_id}", detail)

    def consent(self, profile_id: int, *, history: bool = False) -> list[dict[str, Any]]:
        """The profile's current decision per (purpose, channel), or its whole history."""
        profile_id = self._ws.profiles.resolve(profile_id)
        return self.ledger.history(profile_id) if history else self.ledger.current(profile_id)

    def profile_of(self, identifier: str) -> int:
        """The profile holding ``identifier``, written ``kind:value`` (or a bare email/phone)."""
        return self._ws.profiles.find(*split_identifier(identifier))

    # -- audit -----------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        """Append an entry to the audit trail (``action`` like ``profile.read``)."""
        self.audit_trail.write(actor, action, target, detail)

    def audit_log(
        self, limit: int = 100, target: str | None = None, *, actor: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest audit entries, newest first; ``actor`` exact, ``action`` a prefix."""
        return self.audit_trail.read(limit, target, actor, action)

    def _anchor_identifier(self, profile_id: int) -> tuple[str, str]:
        rows = self._ws.db.query("SELECT kind, value FROM identifiers WHERE profile_id = ?", [profile_id])
        if not rows:
            raise NotFoundError(f"no profile {profile_id} in this workspace")
        return min(((str(k), str(v)) for k, v in rows), key=lambda key: (anchor_rank(key[0]), key))
