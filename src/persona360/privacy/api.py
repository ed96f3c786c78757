"""``ws.privacy``: consent checks and changes, contact addresses, the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from persona360.errors import NotFoundError
from persona360.identity.normalise import EMAIL, PHONE, normalise_identifier, split_identifier
from persona360.identity.persistence import retire_ids
from persona360.ingest.record import anchor_rank
from persona360.privacy import contact_retention
from persona360.privacy import retention as retention_rules
from persona360.privacy.addresses import addresses_for
from persona360.privacy.audit import AuditLog
from persona360.privacy.consent import ConsentLedger, consent_record
from persona360.privacy.erasure import ErasureReport, delete_person, find_person, kinds_of
from persona360.privacy.export import export_person
from persona360.privacy.purposes import PURPOSES, ConsentError, ConsentFact, check_purpose
from persona360.privacy.suppression import SuppressionList

if TYPE_CHECKING:
    from persona360.workspace import Workspace

# Audit actions that are privacy acts (a person's request, or the shop's rules), not reads.
REQUEST_ACTIONS = (
    "erasure.completed",
    "export.person",
    "consent.grant",
    "consent.withdraw",
    "suppression.lifted",
    "retention.run",
)
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
        self.suppression = SuppressionList(ws.db, ws.settings)
        self.rules = retention_rules.parse_rules(ws.settings.retention_days)
        self._retention_at: datetime | None = None
        ws.writer.fact_hooks.append(self.ledger)
        ws.writer.screens.append(self.suppression.screen)

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
        """The profile's normalised emails (``email``) or E.164 phones (``sms``, ``viber``) usable for ``purpose``.

        An address is usable when a source that supplied it collected it for ``purpose``
        (``PERSONA360_SOURCE_PURPOSES``; a source not named there: every purpose), or
        when the person granted ``purpose`` on ``channel`` itself (a live grant for that
        channel, not a purpose-wide one). Does not check consent otherwise (call
        :meth:`may` first). ``push`` and ``webhook`` have no address here: ``[]``.
        """
        return self.addresses_many([profile_id], purpose, channel).get(profile_id, [])

    def addresses_many(self, profile_ids: Iterable[int], purpose: str, channel: str) -> dict[int, list[str]]:
        """:meth:`addresses` of many profiles in one query, with the same purpose limits.

        Profiles without a usable address are left out.
        """
        check_purpose(purpose, channel)
        kind = ADDRESS_KINDS.get(channel)
        if kind is None:
            return {}
        settings = self._ws.settings
        return addresses_for(
            self._ws.db, profile_ids, kind, purpose, channel, settings.source_purposes, self._ws.clock.now()
        )

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

    def consent_counts(self) -> list[dict[str, Any]]:
        """Consent across people: per purpose and channel, how many profiles' latest decision is each state.

        Returns:
            ``{purpose, channel, granted, expired, withdrawn, never, default}`` rows, by
            purpose then channel; ``channel`` None is the every-channel decision, present for
            every purpose; a specific channel only where someone decided on it. ``never``
            counts profiles without a decision for the purpose on that channel, and
            ``default`` says whether such a profile is allowed (``consent_default_allow``).
        """
        rows = self.ledger.counts(self._ws.clock.now())
        people = self.ledger.people()
        present = {(row["purpose"], row["channel"]) for row in rows}
        rows += [
            {"purpose": purpose, "channel": None, "granted": 0, "expired": 0, "withdrawn": 0, "never": people}
            for purpose in PURPOSES
            if (purpose, None) not in present
        ]
        rows.sort(key=lambda row: (PURPOSES.index(row["purpose"]), row["channel"] or ""))
        return [{**row, "default": row["purpose"] in self.ledger.default_allow} for row in rows]

    def consent_holders(
        self, purpose: str, channel: str | None, state: str, limit: int = 100, offset: int = 0
    ) -> dict[str, Any]:
        """The profiles whose latest decision for ``purpose`` on ``channel`` is ``state``, a page at a time.

        Args:
            purpose: one of the purposes.
            channel: one of the channels, or None for the every-channel decision.
            state: ``granted``, ``expired`` (granted, but lapsed), ``withdrawn`` or
                ``never`` (no decision: the purpose's default applies).
            limit: profile ids returned.
            offset: ids skipped, in ascending order.

        Returns:
            ``{total, profile_ids}``.

        Raises:
            ConsentError: an unknown purpose, channel or state.
        """
        total, ids = self.ledger.holders(purpose, channel, state, self._ws.clock.now(), limit, offset)
        return {"total": total, "profile_ids": ids}

    def requests(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest privacy acts from the audit trail: erasures, access exports, consent changes, lifts, retention.

        Reads are left out (see :data:`REQUEST_ACTIONS`); entries are the audit log's rows.
        """
        found = [row for action in REQUEST_ACTIONS for row in self.audit_log(limit, action=action)]
        return sorted(found, key=lambda row: -row["audit_id"])[:limit]

    # -- erasure, access export, retention -----------------------------------------
    def erase(self, profile_id: int, *, actor: str = "cli", rewrite: bool = True) -> ErasureReport:
        """Erase a person: every row about them goes, a keyed hash of each identifier stays.

        Writes wait meanwhile; incoming records carrying an erased identifier are dropped
        from then on (see ``privacy/suppression.py``). Then the file is rewritten so the
        deleted bytes are gone too (:meth:`Database.rewrite`); pass ``rewrite=False`` when
        erasing many people, and call ``ws.db.rewrite()`` once at the end.

        Raises:
            NotFoundError: no such profile.
        """
        profile_id = self._ws.profiles.resolve(profile_id)
        with self._ws.writer.paused(), self._ws.db.transaction() as tx:
            person = find_person(tx.fetchall, profile_id)
            report = ErasureReport(profile_id, len(person.keys), kinds_of(person.keys))
            report.suppressed = self.suppression.add(tx, person.keys, self._ws.clock.now())
            report.rows = delete_person(tx, person)
            retire_ids(tx, sorted({*person.identifier_ids, *person.profile_ids}), self._ws.clock.now())
            self.audit(actor, "erasure.completed", f"profile:{profile_id}", report.detail())
        if rewrite:
            self._ws.db.rewrite()
            report.rewritten = True
        return report

    def lift_suppression(self, identifier: str, *, actor: str = "cli") -> bool:
        """Let an erased identifier in again (the person asked to come back); audited."""
        kind, value = split_identifier(identifier)
        normalised = normalise_identifier(kind, value, self._ws.settings.default_region)
        if normalised is None:
            raise ConsentError(f"{value!r} is not a valid {kind}")
        key = (kind, normalised)
        with self._ws.db.transaction() as tx:
            found = self.suppression.lift(tx, key)
            if found:
                self.audit(actor, "suppression.lifted", f"suppression:{self.suppression.digest(key)[:16]}")
        return found

    def export(self, profile_id: int, *, actor: str = "cli") -> dict[str, Any]:
        """Everything held about the person, with sources and times; audited."""
        profile_id = self._ws.profiles.resolve(profile_id)
        document = export_person(self._ws, find_person(self._ws.db.query, profile_id))
        self.audit(actor, "export.person", f"profile:{profile_id}")
        return document

    def retention(self, *, dry_run: bool = False, actor: str = "cli") -> retention_rules.RetentionReport:
        """Apply the retention rules (``PERSONA360_RETENTION_DAYS``), or list what they would delete.

        Event rules delete expired events; ``identifiers:SOURCE`` rules delete contact
        identifiers that source alone supplied (``privacy/contact_retention.py``), after
        which the file is rewritten, as after an erasure.
        """
        now = self._ws.clock.now()
        report = retention_rules.plan(self._ws.db, self.rules, now)
        expired = contact_retention.find_expired(self._ws.db, self.rules, now, report)
        report.dry_run = dry_run
        if dry_run or not (report.events or expired):
            return report
        graph = self._ws.writer.graph
        # deleting identifiers changes the graph: the writer must reload it afterwards
        with self._ws.writer.paused() if expired else nullcontext(), self._ws.db.transaction() as tx:
            anchors = set(retention_rules.delete_expired(tx, self.rules, now))
            anchors |= contact_retention.delete_identifiers(tx, expired, self._ws.settings.default_region)
            retire_ids(tx, [item.identifier_id for item in expired], now)
            members = retention_rules.members_of(tx, {graph.profile_of(anchor) for anchor in anchors})
            retention_rules.rederive(tx, sorted(anchors), members, self._ws.settings)
            self.audit(actor, "retention.run", "events", report.as_dict())
        self._ws.segments.on_batch(members)
        if expired:
            self._ws.db.rewrite()
        return report

    def retention_if_due(self, every: timedelta) -> retention_rules.RetentionReport | None:
        """Run retention when the last run is older than ``every`` (the server's schedule)."""
        now = self._ws.clock.now()
        if not self.rules or (self._retention_at is not None and now - self._retention_at < every):
            return None
        self._retention_at = now
        return self.retention(actor="schedule")

    # -- audit -----------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        """Append an entry to the audit trail (``action`` like ``profile.read``)."""
        self.audit_trail.write(actor, action, target, detail)

    def audit_log(
        self, limit: int = 100, target: str | None = None, *, actor: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest audit entries, newest first; ``actor`` exact, ``action`` a prefix.

        The one query behind the web's audit page and ``persona360 audit``: a filter left
        blank (or only spaces, as a form sends it) filters nothing; spaces around one go.
        """
        filters = (value.strip() if value else None for value in (target, actor, action))
        return self.audit_trail.read(limit, *(value or None for value in filters))

    def _anchor_identifier(self, profile_id: int) -> tuple[str, str]:
        rows = self._ws.db.query("SELECT kind, value FROM identifiers WHERE profile_id = ?", [profile_id])
        if not rows:
            raise NotFoundError(f"no profile {profile_id} in this workspace")
        return min(((str(k), str(v)) for k, v in rows), key=lambda key: (anchor_rank(key[0]), key))
