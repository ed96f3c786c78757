"""``ws.resolution``: probabilistic matching of profiles, and the review queue.

Pairs at or above ``resolution_upper`` are merged at once, as merge events with the
reason ``probabilistic`` (so ``persona360 unmerge`` undoes them like any merge);
pairs between ``resolution_lower`` and ``resolution_upper`` wait in the review
queue. Every pair is remembered, so a rejected or unmerged pair is never proposed
again.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc

from persona360.collector import collector_paused
from persona360.errors import IdentityError
from persona360.identity.actions import merge_record
from persona360.resolution import queue, stored
from persona360.resolution.queue import PairRow

if TYPE_CHECKING:
    from persona360.resolution.guard import ScoredPair
    from persona360.resolution.table import Records
    from persona360.workspace import Workspace

_KEYS = "SELECT identifier_id, kind, value, profile_id FROM identifiers WHERE identifier_id IN (SELECT unnest(?))"


@dataclass(frozen=True)
class ResolveReport:
    """What one ``resolve`` run did."""

    records: int
    candidates: int
    merged: int
    queued: int
    skipped: int
    trained: bool
    incremental: bool = False
    handovers: int = 0  # anonymous-only profiles joined by the device rule (``devices.py``)
    homes: int = 0  # anonymous-only profiles joined to the one customer on their home network (``networks.py``)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ResolutionAPI:
    """``ws.resolution``: find profiles of one person that no shared identifier joined."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def resolve(self, *, train: bool | None = None, retrain: bool = False, actor: str = "resolve") -> ResolveReport:
        """Score profiles against their blocked neighbours; merge or queue the likely ones.

        The first run (or one with ``retrain``, or an explicit ``train``) scores every
        profile and keeps its model; later runs score only the profiles that hold an
        identifier created since the last run, against all the others, with the kept
        model and without training (``stored.py``).

        Args:
            train: estimate the model's u and m from the data first. ``None`` (the
                default) trains whenever there are ``MIN_RECORDS_TO_TRAIN`` profiles or
                more; smaller workspaces always use the priors, ``False`` forces them.
                Either value asks for a full run.
            retrain: score every profile again with a newly estimated model.
            actor: who the merge events and decisions are attributed to (and the
                ``resolution.run`` audit entry of a run that merged or queued pairs).

        Returns:
            Counts of records compared, candidate pairs, merges, queued pairs and
            pairs skipped because they were decided before; ``incremental`` says
            which kind of run it was.
        """
        # Its records, pairs and merge events are built by the hundred thousand, none in a
        # reference cycle; what Splink leaves in cycles is collected once it is done. The
        # collector's full passes during the run walked every module imported (Splink,
        # pandas, SQLGlot) again: 0.18-0.26 s of FEBRL3's 1.5-1.9 s resolve (see
        # persona360.collector).
        with collector_paused():
            report = self._resolve(train, retrain, actor)
        if report.merged or report.queued or report.handovers or report.homes:  # a run that changed nothing is no act
            self._ws.privacy.audit(actor, "resolution.run", "profiles", report.as_dict())
        return report

    def _resolve(self, train: bool | None, retrain: bool, actor: str) -> ResolveReport:
        from persona360.resolution.model import MIN_RECORDS_TO_TRAIN
        from persona360.resolution.table import load_records

        db = self._ws.db
        mark = stored.identifier_mark(db)
        records = load_records(db, self._ws.settings.default_region)
        model, since = stored.load_model(db)
        incremental = model is not None and train is None and not retrain
        if model is not None and incremental:
            count, pairs, trained = self._score_new(records, model, stored.new_profiles(db, since))
        else:
            count, trained = len(records), len(records) >= MIN_RECORDS_TO_TRAIN and train is not False
            pairs, model = self._score_every(records, trained)
        # Splink leaves its SQL trees and linker in reference cycles (22k objects on FEBRL3,
        # 27k at 95,220 profiles); they go before the merge writes make the run's peak. The
        # young generation holds all the run made while the collector is paused, and none
        # of the modules: 0.03-0.04 s, where a full pass took 0.12 s.
        gc.collect(0)
        profiles = {profile for p in pairs for profile in (p.a_profile, p.b_profile)}
        anchors, phones = records.anchors(profiles), records.phones(profiles)
        del records  # a million rows the writes below do not need, while they make the run's peak memory
        merged, queued, skipped = self._decide(pairs, anchors, phones, actor)
        handed, homes = self._join_by_networks(actor)
        stored.save_model(db, model, mark)
        return ResolveReport(count, len(pairs), merged, queued, skipped, trained, incremental, handed, homes)

    def _join_by_networks(self, actor: str) -> tuple[int, int]:
        """The device handovers, then the home networks; neither when no event has an address."""
        from persona360.resolution.networks import any_address

        if not any_address(self._ws.db):
            return 0, 0
        return self._hand_over(actor), self._join_homes(actor)

    def _hand_over(self, actor: str) -> int:
        """Join anonymous-only profiles to the profile their device was handed over from (``devices.py``).

        Runs after the model's merges, on the profiles as they now are, over every
        anonymous-only profile (it is one query over the events, incremental run or
        not). A pair decided before (merged, rejected, unmerged) is left alone.
        """
        from persona360.resolution.devices import handovers

        found = handovers(self._ws.db, self._ws.settings.resolution_device_hours)
        return self._join_rule([(h.old_profile, h.new_profile, h.explanation()) for h in found], actor)

    def _join_homes(self, actor: str) -> int:
        """Join anonymous-only profiles to the one customer seen on their home network (``networks.py``).

        Runs after the device handovers, so a browser that cleared its cookies is
        already with its owner and counts once.
        """
        from persona360.resolution.networks import home_links

        if not self._ws.settings.resolution_home_network:
            return 0
        found = home_links(self._ws.db)
        return self._join_rule([(h.customer_profile, h.anonymous_profile, h.explanation()) for h in found], actor)

    def _join_rule(self, found: list[tuple[int, int, dict[str, Any]]], actor: str) -> int:
        """Merge the pairs a rule found (old or customer profile, anonymous one, explanation), as ``merged`` pairs.

        A pair decided before (merged, rejected, unmerged) is left alone, and a pair
        found twice is merged once.
        """
        from persona360.resolution.devices import anchors_of

        if not found:
            return 0
        known = queue.known_profile_pairs(self._ws.db)
        chosen: dict[frozenset[int], tuple[int, int, dict[str, Any]]] = {}
        for a_profile, b_profile, explanation in found:
            key = frozenset((a_profile, b_profile))
            if key not in known:
                chosen.setdefault(key, (a_profile, b_profile, explanation))
        if not chosen:
            return 0
        anchors = anchors_of(self._ws.db, {p for key in chosen for p in key})
        keys = self._keys(list(anchors.values()))
        records, rows = [], []
        for a_profile, b_profile, explanation in chosen.values():
            a, b = anchors[a_profile], anchors[b_profile]
            records.append(self._merge_record(keys[a][:2], keys[b][:2], actor, explanation))
            rows.append(PairRow(a, b, 1.0, {**explanation, "profiles": [a_profile, b_profile]}, "merged"))
        self._ws.ingest.write(records)
        queue.add_pairs(self._ws.db, rows, self._ws.clock.now(), actor)
        return len(records)

    def _score_every(self, records: Records, trained: bool) -> tuple[list[ScoredPair], dict[str, Any] | None]:
        from persona360.resolution.model import score_all

        settings = self._ws.settings
        return score_all(
            records,
            train=trained,
            threshold=settings.resolution_lower,
            backend=settings.resolution_backend,
            memory_limit=settings.memory_limit,
        )

    def _score_new(self, records: Records, model: dict[str, Any], new: set[int]) -> tuple[int, list[ScoredPair], bool]:
        from persona360.resolution.model import score_new

        settings = self._ws.settings
        pairs = score_new(records, new, model, threshold=settings.resolution_lower, memory_limit=settings.memory_limit)
        return int(pc.sum(records.held(new)).as_py() or 0), pairs, False

    def _decide(
        self, pairs: list[ScoredPair], anchors: dict[int, int], phones: dict[int, tuple[str, ...]], actor: str
    ) -> tuple[int, int, int]:
        """Merge the sure pairs and queue the likely ones, leaving out those decided before.

        Returns the counts merged, queued, and skipped as decided before.
        """
        from persona360.resolution.guard import guard_pairs

        known = queue.known_profile_pairs(self._ws.db)
        upper = self._ws.settings.resolution_upper
        unseen = [p for p in pairs if frozenset((p.a_profile, p.b_profile)) not in known]
        fresh = guard_pairs(unseen, phones, upper)
        sure = [p for p in fresh if p.probability >= upper and not p.conflict]
        merged = self._merge(sure, anchors, actor)
        queued = self._queue([p for p in fresh if p.probability < upper or p.conflict], anchors)
        # one transaction for both (the merged pairs first, as their ids always were)
        queue.add_pairs(self._ws.db, merged + queued, self._ws.clock.now(), actor)
        return len(merged), len(queued), len(pairs) - len(fresh)

    def pairs(self, status: str | None = "pending", limit: int = 50) -> list[dict[str, Any]]:
        """Stored pairs (``pending`` by default; ``None`` for all), most likely first.

        Raises:
            ValueError: ``status`` is not one of ``queue.STATUSES``.
        """
        self._check_status(status)
        return queue.list_pairs(self._ws.db, status, limit)

    @staticmethod
    def _check_status(status: str | None) -> None:
        if status is not None and status not in queue.STATUSES:
            raise ValueError(f"status {status!r} is not a pair status: use {', '.join(queue.STATUSES)} or all")

    def count(self, status: str | None = "pending") -> int:
        """How many stored pairs have ``status`` (``pending``: the review queue's length; ``None``: all).

        Raises:
            ValueError: ``status`` is not one of ``queue.STATUSES``.
        """
        self._check_status(status)
        return queue.count_pairs(self._ws.db, status)

    def decided(self, limit: int = 20) -> list[dict[str, Any]]:
        """Pairs decided by a person or merged by ``resolve``, the latest decision first."""
        return queue.list_decided(self._ws.db, limit)

    def pair(self, pair_id: int) -> dict[str, Any]:
        """One stored pair, whatever its status; NotFoundError when there is none."""
        return queue.get_pair(self._ws.db, pair_id)

    def accept(self, pair_id: int, actor: str = "cli") -> int:
        """Merge the two profiles of a pending pair; return the profile id. Audited (``resolution.accept``)."""
        pair = self._pending(pair_id)
        detail = {"probability": pair["probability"], "pair_id": pair_id}
        record = self._merge_record((pair["a_kind"], pair["a_value"]), (pair["b_kind"], pair["b_value"]), actor, detail)
        self._ws.ingest.write([record])
        queue.decide(self._ws.db, pair_id, "accepted", self._ws.clock.now(), actor)
        graph = self._ws.writer.graph
        merged = graph.profile_of(graph.identifier_id(record.identifiers[0]) or 0)
        # the two profiles it joined: the trail of either finds the entry (privacy/audit.py)
        joined = [pair["a_profile"], pair["b_profile"]]
        self._ws.privacy.audit(actor, "resolution.accept", f"pair:{pair_id}", {"profile_id": merged, "joined": joined})
        return merged

    def reject(self, pair_id: int, actor: str = "cli") -> None:
        """Reject a pending pair: it stays apart and is never proposed again. Audited, as accepting is."""
        self._pending(pair_id)
        queue.decide(self._ws.db, pair_id, "rejected", self._ws.clock.now(), actor)
        self._ws.privacy.audit(actor, "resolution.reject", f"pair:{pair_id}")

    def _pending(self, pair_id: int) -> dict[str, Any]:
        pair = queue.get_pair(self._ws.db, pair_id)
        if pair["status"] != "pending":
            raise IdentityError(f"review pair {pair_id} is already {pair['status']}: only pending pairs are decided")
        if pair["a_profile"] == pair["b_profile"]:
            raise IdentityError(
                f"review pair {pair_id} is one profile already (#{pair['a_profile']}, joined since it was queued): "
                "nothing is left to decide"
            )
        return pair

    def _merge_record(self, a: tuple[str, str], b: tuple[str, str], actor: str, detail: dict[str, object]) -> Any:
        now = self._ws.clock.now()
        return merge_record(a, b, self._ws.system_source.source_id, now, actor, "probabilistic", detail)

    def _keys(self, ids: Sequence[int]) -> dict[int, tuple[str, str, int]]:
        rows = self._ws.db.query(_KEYS, [list(ids)])
        return {int(i): (str(kind), str(value), int(profile)) for i, kind, value, profile in rows}

    def _merge(self, pairs: list[ScoredPair], anchors: dict[int, int], actor: str) -> list[PairRow]:
        """Write the merge events of ``pairs``; return their rows for ``resolution_pairs``."""
        if not pairs:
            return []
        # An identifier's kind and value never change: the writer's graph, which this
        # write reads anyway, names them without a query of thousands of ids (~0.01 s on FEBRL3).
        key_of = self._ws.writer.graph.key_of
        records, rows = [], []
        for pair in pairs:
            a, b = key_of(anchors[pair.a_profile]), key_of(anchors[pair.b_profile])
            detail = {"probability": round(pair.probability, 6), "weights": pair.weights}
            records.append(self._merge_record(a, b, actor, detail))
            rows.append(self._row(pair, anchors, "merged"))
        self._ws.ingest.write(records)
        return rows

    def _queue(self, pairs: list[ScoredPair], anchors: dict[int, int]) -> list[PairRow]:
        """The ``resolution_pairs`` rows of ``pairs`` whose profiles the merges left apart."""
        keys = self._keys([anchors[p.a_profile] for p in pairs] + [anchors[p.b_profile] for p in pairs])
        # An automatic merge above may already have joined both sides.
        return [
            self._row(p, anchors, "pending")
            for p in pairs
            if keys[anchors[p.a_profile]][2] != keys[anchors[p.b_profile]][2]
        ]

    @staticmethod
    def _row(pair: ScoredPair, anchors: dict[int, int], status: str) -> PairRow:
        explanation: dict[str, Any] = {"match_weights": pair.weights, "profiles": [pair.a_profile, pair.b_profile]}
        if pair.conflict:
            explanation["conflict"] = pair.conflict
        return PairRow(anchors[pair.a_profile], anchors[pair.b_profile], pair.probability, explanation, status)
