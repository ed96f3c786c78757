"""The identity graph: identifiers, the edges between them, profiles as components.

The writer keeps the graph in memory (one writer per workspace, design rule 5) so
that stitching an event costs a few dictionary look-ups; every change is also
collected as a :class:`GraphDelta` that the writer commits in the same transaction
as the events that caused it, or, for the server's appends, with their next
derivation (``ingest/writer.py``). The database stays the truth:
:meth:`IdentityGraph.load` rebuilds the memory from it.

A profile is a connected component of *active* edges. Its id is the id of one of
its identifiers (the representative); when two components join, the larger one
keeps its id (ties: the smaller id) and the other id is redirected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from persona360.errors import IdentityError
from persona360.identity.groups import Groups, Pairs
from persona360.identity.guardrails import account_clash, kind_listed, limit_breach

IdentifierKey = tuple[str, str]


@dataclass
class EdgeRow:
    edge_id: int
    a: int
    b: int
    reason: str
    status: str
    detail: str | None
    source_id: int
    message_key: int | None
    created_at: datetime


@dataclass
class IdentifierBlock:
    """Identifiers first seen together in :meth:`IdentityGraph.observe_many`, as columns.

    Their ids are ``first``, ``first + 1``, ... in the order of ``kinds`` and ``values``.
    """

    first: int
    kinds: list[str]
    values: list[str]
    at: datetime
    source_id: int

    def ids(self) -> range:
        return range(self.first, self.first + len(self.kinds))


@dataclass
class EdgeBlock:
    """Active edges added by :meth:`IdentityGraph.observe_many`, as columns; edge ids from ``first_edge``."""

    first_edge: int
    a: np.ndarray
    b: np.ndarray
    reason: str
    source_id: int
    message_keys: np.ndarray  # uint64, one per edge
    at: datetime


@dataclass
class GraphDelta:
    """What one batch changed in the graph, to be written with its events.

    New identifiers and edges come one by one (``new_identifiers``, ``new_edges``) or,
    from :meth:`IdentityGraph.observe_many`, as blocks of columns.
    """

    new_identifiers: list[tuple[int, str, str, datetime, int]] = field(default_factory=list)
    new_edges: list[EdgeRow] = field(default_factory=list)
    identifier_blocks: list[IdentifierBlock] = field(default_factory=list)
    edge_blocks: list[EdgeBlock] = field(default_factory=list)
    merges: dict[int, int] = field(default_factory=dict)  # old profile id -> new profile id
    log: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    relabels: dict[int, int] = field(default_factory=dict)  # identifier id -> profile id (unmerge)
    removed_edges: list[tuple[int, int, str]] = field(default_factory=list)
    dropped_redirects: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)

    def absorb(self, later: GraphDelta) -> None:
        """Add the changes of ``later`` (collected after this one): both become one write.

        The server's appends keep their graph changes in memory and the next derivation
        writes them at once (``ingest/writer.py``). Merges chain (``final_profile``
        follows them across both), a later relabel of an identifier wins, lists append.
        """
        self.new_identifiers += later.new_identifiers
        self.new_edges += later.new_edges
        self.identifier_blocks += later.identifier_blocks
        self.edge_blocks += later.edge_blocks
        self.merges.update(later.merges)
        self.log += later.log
        self.relabels.update(later.relabels)
        self.removed_edges += later.removed_edges
        self.dropped_redirects |= later.dropped_redirects
        self.touched |= later.touched

    def new_identifier_ids(self) -> set[int]:
        """The ids of the identifiers first seen in this delta."""
        new = {row[0] for row in self.new_identifiers}
        for block in self.identifier_blocks:
            new.update(block.ids())
        return new

    def final_profile(self, profile_id: int) -> int:
        """Follow this batch's merges to the profile an old id now belongs to."""
        seen = set()
        while profile_id in self.merges and profile_id not in seen:
            seen.add(profile_id)
            profile_id = self.merges[profile_id]
        return profile_id


class IdentityGraph:
    """Identifiers and their components, with guardrails applied on every join.

    Args:
        limits: most identifiers of one kind per profile.
        blocklist: identifier keys that never link.
        weak_kinds: identifier kinds several people can present (anonymous ids of a
            family tablet, social handles) that must not join two profiles each
            holding an account of one of ``owner_kinds`` (``guardrails.account_clash``;
            empty turns the guard off).
        owner_kinds: account kinds (``user_id``, ``id:*`` for every namespace).
        shared_kinds: identifier kinds two people may both give (a family email or home phone, an
            address typed by the wrong person): one joins two profiles that each hold
            an account of one of ``owner_kinds`` only when another identifier of the
            same record already sits in its profile (``_uncorroborated``).
    """

    def __init__(
        self,
        limits: Mapping[str, int],
        blocklist: set[IdentifierKey],
        weak_kinds: Collection[str] = (),
        owner_kinds: Collection[str] = (),
        shared_kinds: Collection[str] = (),
    ) -> None:
        self.limits = dict(limits)
        self.blocklist = blocklist
        self.weak_kinds = frozenset(weak_kinds)
        self.owner_kinds = frozenset(owner_kinds)
        self.shared_kinds = frozenset(shared_kinds)
        self._witnesses: list[int] = []  # the identifiers of the record being observed
        self._ids: dict[IdentifierKey, int] = {}
        self._keys: list[IdentifierKey] = [("", "")]  # index = identifier id; 0 unused
        self._profile: list[int] = [0]
        self._members = Groups()
        self._kinds: dict[int, Counter[str]] = {}  # a cache: see _kinds_of
        self._pairs = Pairs()
        self._splits: dict[int, set[int]] = {}
        self._next_edge = 1
        self._retired: set[int] = set()
        self._kinds_allowed: dict[frozenset[str], bool] = {}  # see _all_new
        self.delta = GraphDelta()

    def retire(self, identifier_ids: Iterable[int]) -> None:
        """Never issue these ids again (they named people who were erased).

        Audit entries say ``profile:ID``; a newcomer given an erased person's id would be
        named by them. Skipping the retired ids also keeps a rebuild's ids equal to the
        ones first issued, since it replays the remaining events in the same order.
        """
        self._retired.update(identifier_ids)

    # -- loading ---------------------------------------------------------------
    def load(
        self,
        identifiers: Iterable[tuple[int, str, str, int]],
        pairs: Iterable[tuple[int, int]],
        splits: Iterable[tuple[int, int]],
        next_edge: int,
    ) -> None:
        """Fill the memory from stored rows (identifier_id, kind, value, profile_id)."""
        rows = list(identifiers)
        edges = list(pairs)
        self.load_columns(
            np.array([row[0] for row in rows], dtype=np.int64),
            [row[1] for row in rows],
            [row[2] for row in rows],
            np.array([row[3] for row in rows], dtype=np.int64),
            (np.array([a for a, _ in edges], dtype=np.int64), np.array([b for _, b in edges], dtype=np.int64)),
            splits,
            next_edge,
        )

    def load_columns(
        self,
        identifier_ids: np.ndarray,
        kinds: list[str],
        values: list[str],
        profile_ids: np.ndarray,
        edges: tuple[np.ndarray, np.ndarray],
        splits: Iterable[tuple[int, int]],
        next_edge: int,
    ) -> None:
        """Fill the memory from stored columns, replacing whatever it held.

        ``edges`` are the two ends (smaller id first) of every stored edge.

        Column-wise, because a workspace of a million people holds three million
        identifiers and every process that writes opens it: a loop building a list and
        a ``Counter`` per profile took 56 s there. The members of a profile are kept as
        sorted arrays and become a list only when a write reaches that profile
        (:class:`Groups`); the kinds per profile are counted when a guardrail asks.
        """
        size = int(identifier_ids.max()) + 1 if len(identifier_ids) else 1
        ids = identifier_ids.tolist()
        keys = list(zip(kinds, values, strict=True))
        self._keys = [("", "")] * size
        for identifier_id, key in zip(ids, keys, strict=True):
            self._keys[identifier_id] = key
        self._ids = dict(zip(keys, ids, strict=True))
        profile = np.zeros(size, dtype=np.int64)
        profile[identifier_ids] = profile_ids
        self._profile = profile.tolist()
        self._members = Groups.from_columns(profile_ids, identifier_ids)
        self._kinds = {}
        self._pairs = Pairs(*edges)
        self._splits = {}
        for a, b in splits:
            self._add_split(a, b)
        self._next_edge = next_edge

    def take_delta(self) -> GraphDelta:
        """Hand over the changes collected since the last call and start afresh."""
        delta, self.delta = self.delta, GraphDelta()
        return delta

    # -- queries ---------------------------------------------------------------
    def identifier_id(self, key: IdentifierKey) -> int | None:
        return self._ids.get(key)

    def key_of(self, identifier_id: int) -> IdentifierKey:
        return self._keys[identifier_id]

    def profile_of(self, identifier_id: int) -> int:
        return self._profile[identifier_id]

    def profiles_of(self, ids: range) -> list[int]:
        """The profile of each identifier of a run of ids (an :class:`IdentifierBlock`)."""
        return self._profile[ids.start : ids.stop]

    def members(self, profile_id: int) -> list[int]:
        return list(self._members.get(profile_id) or ())

    # -- stitching -------------------------------------------------------------
    def observe(
        self,
        keys: list[IdentifierKey],
        reason: str,
        source_id: int,
        message_key: int | None,
        at: datetime,
    ) -> int:
        """Record the identifiers one event carries and link them; return its anchor.

        ``keys`` come most trusted first (user id, external ids, email, phone,
        handles, anonymous id); the first one that is not blocklisted anchors the
        event and every other identifier is linked to it.
        """
        if not keys:
            raise IdentityError("an event reached the identity graph without any identifier")
        if self._all_new(keys):
            return self._observe_new(keys, reason, source_id, message_key, at)
        resolved = [self._resolve_previous(key) if key[0] == "previous_id" else key for key in keys]
        ordered = sorted(resolved, key=lambda key: key in self.blocklist)
        ids = [self._ensure(key, source_id, at) for key in ordered]
        anchor = ids[0]
        self._witnesses = ids
        try:
            for other in ids[1:]:
                self.link(anchor, other, reason, source_id, message_key, at)
        finally:
            self._witnesses = []
        return anchor

    def _all_new(self, keys: Sequence[IdentifierKey], pending: Collection[IdentifierKey] = ()) -> bool:
        """Whether ``keys`` can take :meth:`_observe_new`, the shortcut of :meth:`observe`.

        When they are all new, none blocklisted and each of another kind (an import's
        new customer: a shop id, an email, a phone; a new visitor's anonymous id), no
        guard can fire between them: the per-kind limits count one each, the account
        guards look for a kind both sides hold, no split names a new id. Only a limit
        below one, or a retired id in the way, sends them the long way round.
        ``pending``: identifiers :meth:`observe_many` has taken but not yet recorded
        (they share none, so they will use as many ids).
        """
        known, blocklist = self._ids, self.blocklist
        for key in keys:
            if key in known or key in blocklist or key in pending:
                return False
        kinds = frozenset(kind for kind, _ in keys)
        if len(kinds) != len(keys) or "previous_id" in kinds:
            return False
        allowed = self._kinds_allowed.get(kinds)
        if allowed is None:  # a limit below one would block even these joins
            allowed = self._kinds_allowed[kinds] = limit_breach(Counter(kinds), Counter(), self.limits) is None
        next_id = len(self._keys) + len(pending)
        return allowed and not (self._retired and any(next_id + i in self._retired for i in range(len(keys))))

    def observe_many(
        self,
        sets: Sequence[Sequence[IdentifierKey]],
        reason: str,
        source_id: int,
        message_keys: Sequence[int],
        at: datetime,
    ) -> list[int]:
        """:meth:`observe` each of ``sets`` in turn (one record's identifiers, with its message key); their anchors.

        Ids, edges, profiles and the delta end as :meth:`observe` leaves them, set by
        set. A run of sets that each take its shortcut (:meth:`_all_new`) and share no
        identifier is recorded at once, as columns (:meth:`_observe_new_run`): a
        million-line orders import meets ~80,000 new customers, which cost ~8 µs each
        one by one, and as many objects again to write them.
        """
        anchors: list[int] = []
        run: list[int] = []  # positions in ``sets`` taken but not yet recorded
        pending: set[IdentifierKey] = set()

        def record_run() -> None:
            chosen, chosen_keys = [sets[p] for p in run], [message_keys[p] for p in run]
            anchors.extend(self._observe_new_run(chosen, reason, source_id, chosen_keys, at))
            run.clear()
            pending.clear()

        for position, keys in enumerate(sets):
            if self._all_new(keys, pending):
                run.append(position)
                pending.update(keys)
                continue
            if run:
                record_run()
            anchors.append(self.observe(list(keys), reason, source_id, message_keys[position], at))
        if run:
            record_run()
        return anchors

    def _observe_new_run(
        self,
        sets: Sequence[Sequence[IdentifierKey]],
        reason: str,
        source_id: int,
        message_keys: Sequence[int],
        at: datetime,
    ) -> list[int]:
        """:meth:`_observe_new` for each of ``sets`` (all new, none sharing an identifier), as columns."""
        start = len(self._keys)
        sizes = np.fromiter((len(keys) for keys in sets), dtype=np.int64, count=len(sets))
        anchors = start + np.cumsum(sizes) - sizes
        flat = [key for keys in sets for key in keys]
        ids = np.arange(start, start + len(flat), dtype=np.int64)
        owner = np.repeat(anchors, sizes)  # each new identifier's profile: its set's anchor
        self._keys.extend(flat)
        self._profile.extend(owner.tolist())
        self._ids.update(zip(flat, ids.tolist(), strict=True))
        anchor_list: list[int] = anchors.tolist()
        for anchor, size in zip(anchor_list, sizes.tolist(), strict=True):
            self._members[anchor] = list(range(anchor, anchor + size))
        joined = owner != ids
        a, b = owner[joined], ids[joined]  # every other identifier of a set, to its anchor
        a_list, b_list = a.tolist(), b.tolist()
        self._pairs.update(zip(a_list, b_list, strict=True))
        delta = self.delta
        delta.merges.update(zip(b_list, a_list, strict=True))
        delta.relabels.update(zip(b_list, a_list, strict=True))
        delta.touched.update(anchor_list)
        delta.identifier_blocks.append(
            IdentifierBlock(start, [kind for kind, _ in flat], [value for _, value in flat], at, source_id)
        )
        edge_keys = np.repeat(np.asarray(message_keys, dtype=np.uint64), sizes - 1)
        delta.edge_blocks.append(EdgeBlock(self._next_edge, a, b, reason, source_id, edge_keys, at))
        self._next_edge += len(b_list)
        return anchor_list

    def _observe_new(
        self, keys: Sequence[IdentifierKey], reason: str, source_id: int, message_key: int | None, at: datetime
    ) -> int:
        """What ``observe`` does the long way for keys :meth:`_all_new` accepts, step for step in its result.

        Each identifier gets the next id; the first anchors the record and links every
        other (edge ids in turn, all active); each join keeps the anchor's profile (the
        larger, or at one member each the smaller id) and redirects the other's. The
        kind counts are left for ``_kinds_of`` to count from the members when asked.
        The long way costs ~40 µs a record more: most of a million-line import's stitching.
        """
        anchor = len(self._keys)
        ids = range(anchor, anchor + len(keys))
        self._keys.extend(keys)
        self._profile.extend([anchor] * len(keys))
        self._ids.update(zip(keys, ids, strict=True))
        self._members[anchor] = list(ids)
        delta = self.delta
        delta.new_identifiers.extend(
            (i, kind, value, at, source_id) for i, (kind, value) in zip(ids, keys, strict=True)
        )
        delta.touched.add(anchor)
        edge = self._next_edge
        for other in ids[1:]:
            self._pairs.add((anchor, other))
            delta.new_edges.append(EdgeRow(edge, anchor, other, reason, "active", None, source_id, message_key, at))
            edge += 1
            delta.merges[other] = anchor
            delta.relabels[other] = anchor
        self._next_edge = edge
        return anchor

    def link(
        self,
        a: int,
        b: int,
        reason: str,
        source_id: int,
        message_key: int | None,
        at: datetime,
        *,
        force: bool = False,
    ) -> str:
        """Add the edge a-b unless it exists; return its status (active or blocked)."""
        pair = (a, b) if a < b else (b, a)
        if a == b or (not force and pair in self._pairs):
            return "active"
        self._pairs.add(pair)
        blocked = None if force else self._why_blocked(a, b)
        status = "blocked" if blocked else "active"
        self._record_edge(pair, reason, status, blocked, source_id, message_key, at)
        if blocked:
            detail = {"a": self._label(a), "b": self._label(b), "why": blocked, "reason": reason}
            self.delta.log.append((at, "merge_blocked", detail))
        else:
            self._union(self._profile[a], self._profile[b], at, reason)
        return status

    def split(self, identifier_id: int, active_edges: list[tuple[int, int]], at: datetime) -> int:
        """Detach ``identifier_id`` from its profile; return the new profile id.

        The identifier leaves together with whatever was only attached to the
        profile through it; the largest remaining part keeps the profile. The two
        parts are remembered as a cannot-link pair so that later events do not fuse
        them again; a manual merge lifts that.
        """
        profile_id = self._profile[identifier_id]
        members = set(self._members[profile_id])
        side = self.split_side(identifier_id, active_edges)
        main = members - side
        for a, b in active_edges:
            if (a in side) != (b in side):
                self.delta.removed_edges.append((a, b, "unmerged"))
        keep, other = (main, side) if profile_id in main else (side, main)
        new_id = min(other)
        self._relabel(other, new_id)
        self._members[profile_id] = sorted(keep)
        self._kinds[profile_id] = Counter(self._keys[i][0] for i in keep)
        self._kinds.pop(new_id, None)  # counted again from its members when asked
        self._add_split(identifier_id, min(main))
        self.delta.log.append((at, "split", {"a": identifier_id, "b": min(main)}))
        self.delta.dropped_redirects.add(new_id)
        self.delta.touched.update((profile_id, new_id))
        self.delta.log.append(
            (
                at,
                "unmerge",
                {"identifier": self._label(identifier_id), "profiles": [profile_id, new_id]},
            )
        )
        return new_id

    def split_side(self, identifier_id: int, active_edges: list[tuple[int, int]]) -> set[int]:
        """The identifiers :meth:`split` would detach with ``identifier_id`` (changes nothing).

        Raises:
            ValueError: the identifier is alone in its profile.
        """
        members = set(self._members[self._profile[identifier_id]])
        main = _largest_part(members - {identifier_id}, active_edges)
        if not main:
            raise ValueError(f"identifier {self._label(identifier_id)} is alone in its profile")
        return members - main

    def lift_split(self, a: int, b: int, at: datetime) -> None:
        """Forget any cannot-link between the profiles of ``a`` and ``b`` (manual merge)."""
        if not self._splits:  # nothing was ever unmerged: a run of accepted matches skips the two member sets
            return
        left, right = set(self._members[self._profile[a]]), set(self._members[self._profile[b]])
        for member in left:
            partners = self._splits.get(member, set())
            for partner in sorted(partners & right):
                partners.discard(partner)
                self._splits.get(partner, set()).discard(member)
                for x, y in ((member, partner), (partner, member)):
                    self.delta.log.append((at, "split_lifted", {"a": x, "b": y}))

    # -- internals -------------------------------------------------------------
    def _resolve_previous(self, key: IdentifierKey) -> IdentifierKey:
        """An alias call's ``previousId`` is whichever id the workspace knows it as."""
        for kind in ("user_id", "anonymous_id"):
            if (kind, key[1]) in self._ids:
                return (kind, key[1])
        return ("user_id", key[1])

    def _ensure(self, key: IdentifierKey, source_id: int, at: datetime) -> int:
        identifier_id = self._ids.get(key)
        if identifier_id is not None:
            return identifier_id
        while len(self._keys) in self._retired:
            self._keys.append(("", ""))
            self._profile.append(0)
        identifier_id = len(self._keys)
        self._ids[key] = identifier_id
        self._keys.append(key)
        self._profile.append(identifier_id)
        self._members[identifier_id] = [identifier_id]
        kinds: Counter[str] = Counter()  # not Counter({...}): its isinstance(Mapping) check is slow
        kinds[key[0]] = 1
        self._kinds[identifier_id] = kinds
        self.delta.new_identifiers.append((identifier_id, key[0], key[1], at, source_id))
        self.delta.touched.add(identifier_id)
        return identifier_id

    def _why_blocked(self, a: int, b: int) -> str | None:
        for identifier_id in (a, b):
            if self._keys[identifier_id] in self.blocklist:
                return f"{self._label(identifier_id)} is on the blocklist"
        left, right = self._profile[a], self._profile[b]
        if left == right:
            return None
        if self._splits and self._has_split(left, right):
            return "the two profiles were unmerged by hand"
        breach = limit_breach(self._kinds_of(left), self._kinds_of(right), self.limits)
        if breach:
            return breach
        return self._shared_weak(a, b, left, right) or self._uncorroborated(a, b, left, right)

    def _shared_weak(self, a: int, b: int, left: int, right: int) -> str | None:
        """A weak identifier stays with the account it joined first (see ``guardrails.account_clash``)."""
        for identifier_id in (a, b):
            if kind_listed(self._keys[identifier_id][0], self.weak_kinds):
                kind = account_clash(self._kinds_of(left), self._kinds_of(right), self.owner_kinds)
                if kind:
                    return f"{self._label(identifier_id)} is shared by two profiles that each hold their own {kind}"
                return None
        return None

    def _uncorroborated(self, a: int, b: int, left: int, right: int) -> str | None:
        """A shared-kind identifier joins two accounts only with a second tie from its record.

        Two people given one address (a family email; in the demo, ``ivan1991@gmail.com``
        built for two Ivans born in 1991) must not fuse their accounts, while one person's
        guest checkout (a new customer id with their own email, from the browser or phone
        already in their profile) must. The record tells them apart: the guest's other
        identifiers are already in the address's profile, the other person's are not.
        A link the record does not corroborate is blocked and left to probabilistic
        matching, which compares names, phones and birthdays.
        """
        for shared, other in ((a, b), (b, a)):
            if not kind_listed(self._keys[shared][0], self.shared_kinds):
                continue
            kind = account_clash(self._kinds_of(left), self._kinds_of(right), self.owner_kinds)
            home = self._profile[shared]
            if not kind or any(self._profile[w] == home for w in self._witnesses if w not in (shared, other)):
                return None
            return (
                f"{self._label(shared)} is given by two profiles that each hold their own {kind}, "
                "and nothing else in the record ties them"
            )
        return None

    def _has_split(self, left: int, right: int) -> bool:
        small, big = sorted((left, right), key=lambda p: len(self._members[p]))
        for member in self._members[small]:
            for partner in self._splits.get(member, ()):
                if self._profile[partner] == big:
                    return True
        return False

    def _union(self, left: int, right: int, at: datetime, reason: str) -> None:
        if left == right:
            return
        size_l, size_r = len(self._members[left]), len(self._members[right])
        keep, gone = (left, right) if (size_l, -left) >= (size_r, -right) else (right, left)
        kinds, gone_kinds = self._kinds.get(keep), self._kinds.pop(gone, None)
        if kinds is not None and gone_kinds is not None:  # both counted (a guarded link asked): keep it current
            kinds += gone_kinds
        else:  # a forced link (a merge) asked for neither: counted from the members when next asked
            self._kinds.pop(keep, None)
        self._relabel(self._members.pop(gone), keep)
        self.delta.merges[gone] = keep
        self.delta.touched.discard(gone)
        self.delta.touched.add(keep)
        if reason == "manual_merge":
            self.delta.log.append((at, "merge", {"profiles": [keep, gone]}))

    def _relabel(self, identifier_ids: Iterable[int], profile_id: int) -> None:
        members = self._members.setdefault(profile_id, [])
        for identifier_id in identifier_ids:
            if self._profile[identifier_id] != profile_id:
                self.delta.relabels[identifier_id] = profile_id
            self._profile[identifier_id] = profile_id
            if identifier_id not in members:
                members.append(identifier_id)

    def _kinds_of(self, profile_id: int) -> Counter[str]:
        """How many identifiers of each kind the profile holds (counted once, then kept up to date)."""
        kinds = self._kinds.get(profile_id)
        if kinds is None:
            kinds = self._kinds[profile_id] = Counter(self._keys[i][0] for i in self._members.get(profile_id) or ())
        return kinds

    def _record_edge(
        self,
        pair: tuple[int, int],
        reason: str,
        status: str,
        detail: str | None,
        source_id: int,
        message_key: int | None,
        at: datetime,
    ) -> None:
        edge = EdgeRow(self._next_edge, *pair, reason, status, detail, source_id, message_key, at)
        self._next_edge += 1
        self.delta.new_edges.append(edge)

    def _add_split(self, a: int, b: int) -> None:
        self._splits.setdefault(a, set()).add(b)
        self._splits.setdefault(b, set()).add(a)

    def _label(self, identifier_id: int) -> str:
        kind, value = self._keys[identifier_id]
        return f"{kind}:{value}"


def _largest_part(nodes: set[int], edges: list[tuple[int, int]]) -> set[int]:
    """Return the largest connected part of ``nodes`` (ties: the one with the smallest id)."""
    adjacency: dict[int, list[int]] = {node: [] for node in nodes}
    for a, b in edges:
        if a in adjacency and b in adjacency:
            adjacency[a].append(b)
            adjacency[b].append(a)
    best: set[int] = set()
    unseen = set(nodes)
    while unseen:
        start = min(unseen)
        part, stack = {start}, [start]
        while stack:
            for neighbour in adjacency[stack.pop()]:
                if neighbour not in part:
                    part.add(neighbour)
                    stack.append(neighbour)
        unseen -= part
        if len(part) > len(best):
            best = part
    return best
