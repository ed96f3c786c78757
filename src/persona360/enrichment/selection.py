"""Which profiles a run enriches, and what each provider may read of one profile.

Everything here goes through the public functions of ``ws.profiles`` (its batched
``snapshots`` reader), ``ws.segments`` and ``ws.privacy``; the enrichment room reads
no tables itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from persona360.enrichment.provider import INFERRED_SOURCE_PREFIX, ProfileView
from persona360.errors import NotFoundError

if TYPE_CHECKING:
    from persona360.profiles.snapshots import ProfileSnapshot
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)
# How many recent events are read for context.ip and context.userAgent.
RECENT_EVENTS = 100


def select_profiles(ws: Workspace, profile_ids: Sequence[int] | None, segment: str | None) -> list[int]:
    """The live ids to enrich: the given ids, a segment's members, or every profile."""
    if profile_ids is not None:
        # one query for all: the automatic enricher hands every batch's consenting profiles here
        live = ws.profiles.live_ids(profile_ids)
        unknown = [profile_id for profile_id in profile_ids if profile_id not in live]
        if unknown:
            raise NotFoundError(f"no profile with id {unknown[0]}")
        return sorted(set(live.values()))
    if segment is not None:
        return ws.segments.member_ids(segment)
    return ws.profiles.ids()


def consented(ws: Workspace, profile_ids: list[int]) -> tuple[list[int], bool]:
    """The ids whose person allows ``enrichment``, and whether consent was checked.

    Without a privacy room (``ws.privacy``) every id is kept and a warning is logged.
    """
    privacy = getattr(ws, "privacy", None)
    if privacy is None:
        log.warning("enrichment consent unchecked: this workspace has no privacy room (ws.privacy)")
        return profile_ids, False
    allowed = privacy.may_many(profile_ids, "enrichment")
    return [profile_id for profile_id in profile_ids if profile_id in allowed], True


def load_views(ws: Workspace, profile_ids: Sequence[int], *, with_events: bool = True) -> list[ProfileView]:
    """What providers may read of each profile, as of now, for a batch in three queries.

    Without ``with_events`` the views have no ``ips``/``user_agents``. Their
    ``last_event_at`` is the profile's ``last_seen``, its newest activity: not a merge
    or a consent decision made later, which are events too. Unknown or merged-away ids
    are left out.
    """
    snapshots = ws.profiles.snapshots(list(profile_ids), recent_events=RECENT_EVENTS if with_events else 0)
    return [_view(snapshot) for snapshot in snapshots]


def load_view(ws: Workspace, profile_id: int, *, with_events: bool = True) -> ProfileView:
    """The view of one profile (see :func:`load_views`); raise if it is unknown."""
    views = load_views(ws, [ws.profiles.resolve(profile_id)], with_events=with_events)
    return views[0]


def _view(snapshot: ProfileSnapshot) -> ProfileView:
    traits = snapshot.traits
    return ProfileView(
        profile_id=snapshot.profile_id,
        traits={name: trait["value"] for name, trait in traits.items()},
        inferred=frozenset(name for name, trait in traits.items() if is_inferred_source(trait["source"])),
        observed=frozenset(
            name for name, trait in traits.items() if any(not is_inferred_source(s) for s in trait["sources"])
        ),
        confidence={name: trait["confidence"] for name, trait in traits.items()},
        identifiers=tuple(snapshot.identifiers),
        ips=snapshot.recent.ips if snapshot.recent else (),
        user_agents=snapshot.recent.user_agents if snapshot.recent else (),
        last_event_at=snapshot.last_seen,
    )


def is_inferred_source(source: str | None) -> bool:
    """Whether ``source`` is an enrichment provider's (``enrich.NAME``)."""
    return bool(source) and str(source).startswith(INFERRED_SOURCE_PREFIX)
