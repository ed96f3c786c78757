"""One enrichment run: select, check consent, ask the providers, store the answers.

Answers are stored as identify events of the source ``enrich.NAME``, one event per
profile and confidence, with the confidence in the event (``extra.confidence``, which
the trait facts carry). So provenance, erasure and rebuild treat them like any
other event. The event is anchored on the profile's most trusted identifier and
timed at the profile's newest event, so a run does not make a profile look recently
active (``last_seen``) and a later real observation of the same trait wins; a profile
with no dated event (only a customers file without times) gets an undated one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any

import orjson

from persona360.enrichment.provider import Inferred, ProfileView, Provider
from persona360.enrichment.selection import consented, load_views, select_profiles
from persona360.ingest.record import UNDATED, EventRecord, order_identifiers
from persona360.ingest.validate import infer_channel

if TYPE_CHECKING:
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)
# Trait names that are identifiers elsewhere: an inferred value must never look like one.
RESERVED_TRAITS = frozenset({"email", "phone", "userId", "user_id", "anonymousId", "anonymous_id", "id"})
# Profiles read, enriched and written together: big enough that the three batched reads
# and the one write are amortised, small enough that a progress bar moves.
BATCH = 500
# Profiles whose views are read together. Reading a batch's recent events is a pass over
# the whole events table, so reading 500 at a time made the run's cost the number of
# profiles times the size of the store (a million-person shop: hours). A pass for
# 20,000 holds their views in memory (a few hundred bytes each) and is still one scan.
READ_AHEAD = 20_000


@dataclass
class EnrichmentReport:
    """What a run did."""

    profiles: int = 0
    enriched: int = 0
    traits_written: int = 0
    skipped_no_consent: int = 0
    kept_observed: int = 0
    consent_checked: bool = False
    by_trait: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "by_trait": dict(sorted(self.by_trait.items()))}


def run_enrichment(
    ws: Workspace,
    providers: Sequence[Provider],
    *,
    profile_ids: Sequence[int] | None = None,
    segment: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> EnrichmentReport:
    """Enrich the selected profiles with every provider; see ``EnrichmentAPI.run``.

    Works a batch of profiles at a time: one batched read of their views, one
    ``enrich_many`` call per provider, one write of all the answers.
    """
    selected = select_profiles(ws, profile_ids, segment)
    allowed, checked = consented(ws, selected)
    report = EnrichmentReport(len(selected), skipped_no_consent=len(selected) - len(allowed), consent_checked=checked)
    sources = {provider.name: ws.access.ensure_source(provider.source).source_id for provider in providers}
    with_events = any(provider.reads_events for provider in providers)
    batch = max(batch, 1)
    ahead_size = max(READ_AHEAD, batch)
    done = 0
    for ahead in range(0, len(allowed), ahead_size):
        chunk = allowed[ahead : ahead + ahead_size]
        views = {view.profile_id: view for view in load_views(ws, chunk, with_events=with_events)}
        for start in range(0, len(chunk), batch):
            ids = chunk[start : start + batch]
            records = _batch_records(ws, [views[p] for p in ids if p in views], providers, sources, report)
            if records:
                ws.ingest.write(records)
            done += len(ids)
            if progress:
                progress(done, len(allowed))
    return report


def _batch_records(
    ws: Workspace,
    views: list[ProfileView],
    providers: Sequence[Provider],
    sources: dict[str, int],
    report: EnrichmentReport,
) -> list[EventRecord]:
    views = [view for view in views if view.identifiers]
    answers = {provider.name: provider.enrich_many(views) for provider in providers}
    records = []
    for i, view in enumerate(views):
        anchor = order_identifiers(list(view.identifiers))[0]
        mine = []
        for provider in providers:
            kept = _to_write(view, answers[provider.name][i], report)
            mine.extend(_records(ws, view, anchor, provider, sources[provider.name], kept))
        report.enriched += bool(mine)
        records.extend(mine)
    for record in records:
        for name in record.traits:
            report.by_trait[name] = report.by_trait.get(name, 0) + 1
            report.traits_written += 1
    return records


def _to_write(view: ProfileView, answers: list[Inferred], report: EnrichmentReport) -> list[Inferred]:
    kept = []
    for answer in answers:
        if answer.trait in view.observed:
            report.kept_observed += 1  # never overwrite what a real source said
        elif answer.trait in view.inferred and view.traits.get(answer.trait) == answer.value:
            continue  # already shown: writing it again would only add an event
        elif _acceptable(answer):
            kept.append(answer)
    return kept


def _acceptable(answer: Inferred) -> bool:
    problem = None
    if answer.trait in RESERVED_TRAITS or not answer.trait:
        problem = "its name is empty or an identifier's"
    elif not 0 < answer.confidence <= 1:
        problem = "its confidence is not in (0, 1]"
    else:
        try:
            orjson.dumps(answer.value)
        except TypeError:
            problem = "its value is not JSON"
    if problem:
        log.warning("enrichment answer %r dropped: %s", answer.trait, problem)
    return problem is None


def _records(
    ws: Workspace,
    view: ProfileView,
    anchor: tuple[str, str],
    provider: Provider,
    source_id: int,
    answers: list[Inferred],
) -> list[EventRecord]:
    now = ws.clock.now()
    timestamp = view.last_event_at or now
    # a profile never seen active (only undated imports) is not made so by its enrichment
    undated = {UNDATED: True} if view.last_event_at is None else {}
    records = []
    ordered = sorted(answers, key=lambda answer: -answer.confidence)
    for confidence, group in groupby(ordered, key=lambda answer: answer.confidence):
        traits = {answer.trait: answer.value for answer in group}
        digest = hashlib.blake2b(
            orjson.dumps([provider.name, anchor, traits, confidence, now.isoformat()], option=orjson.OPT_SORT_KEYS),
            digest_size=12,
        ).hexdigest()
        records.append(
            EventRecord(
                message_id=f"enrich-{digest}",
                source_id=source_id,
                type="identify",
                timestamp=timestamp,
                received_at=now,
                identifiers=[anchor],
                reason="identify",
                traits=traits,
                extra={"confidence": confidence, "provider": provider.name, **undated},
                channel=infer_channel("identify", {}),
            )
        )
    return records
