"""What a provider reads (:class:`ProfileView`) and answers (:class:`Inferred`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Source names allow only letters, digits, "-", "_" and "." (access/keys.py), so not
# the "enrich:" of the design brief.
INFERRED_SOURCE_PREFIX = "enrich."


@dataclass(frozen=True, slots=True)
class Inferred:
    """One inferred trait: its name, value and how sure the provider is (0-1]."""

    trait: str
    value: Any
    confidence: float


@dataclass(frozen=True, slots=True)
class ProfileView:
    """What providers may read of one profile.

    Args:
        profile_id: the profile.
        traits: the shown value of each trait.
        inferred: names of traits whose shown value an ``enrich.`` source gave.
        observed: names of traits with a value from a source that is not an enrichment
            (a run never writes those).
        confidence: the confidence of each shown trait's value (1 for observed ones).
        identifiers: ``(kind, value)`` pairs, normalised (email lower case, phone E.164).
        ips: distinct ``context.ip`` values of its recent events, newest first.
        user_agents: distinct ``context.userAgent`` values, newest first.
        last_event_at: the profile's last seen, its newest activity (merges, consent
            decisions and undated imports are none); None when it was never seen active.
    """

    profile_id: int
    traits: dict[str, Any] = field(default_factory=dict)
    inferred: frozenset[str] = frozenset()
    observed: frozenset[str] = frozenset()
    confidence: dict[str, float | None] = field(default_factory=dict)
    identifiers: tuple[tuple[str, str], ...] = ()
    ips: tuple[str, ...] = ()
    user_agents: tuple[str, ...] = ()
    last_event_at: datetime | None = None

    def identifier(self, kind: str) -> str | None:
        """The first identifier of ``kind``, or None."""
        return next((value for k, value in self.identifiers if k == kind), None)

    def text(self, *names: str) -> str | None:
        """The first of ``names`` whose shown value is a non-empty string."""
        for name in names:
            value = self.traits.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None


class Provider(ABC):
    """An enrichment provider: reads a profile, answers inferred traits.

    Subclasses set ``name`` (results are stored under the source ``enrich.NAME``) and
    ``traits`` (every trait name it may answer, for docs and the CLI), and
    ``reads_events = True`` when it reads ``ips`` or ``user_agents``.

    Example:
        >>> class Constant(Provider):
        ...     name, traits = "constant", ("answer",)
        ...     def enrich(self, profile):
        ...         return [Inferred("answer", 42, 1.0)]
        >>> Constant().enrich(ProfileView(1))
        [Inferred(trait='answer', value=42, confidence=1.0)]
    """

    name: str = ""
    traits: tuple[str, ...] = ()
    # Whether it reads ``ips``/``user_agents``: reading the events costs a query per profile.
    reads_events: bool = False

    @abstractmethod
    def enrich(self, profile: ProfileView) -> list[Inferred]:
        """The traits this provider infers for ``profile`` (empty when it cannot)."""

    def enrich_many(self, profiles: Sequence[ProfileView]) -> list[list[Inferred]]:
        """The answers for a batch of profiles, in order.

        A run calls this once per batch; the default asks :meth:`enrich` for each.
        Override it when the provider can answer many at once (a remote API with a
        bulk endpoint, a model scored on a matrix).
        """
        return [self.enrich(profile) for profile in profiles]

    @property
    def source(self) -> str:
        """The source name the results are stored under."""
        return f"{INFERRED_SOURCE_PREFIX}{self.name}"
