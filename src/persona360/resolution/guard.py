"""Guardrails: pairs the model likes that must not be merged without a person.

The model weighs evidence; it does not know that two profiles each stitched around
their own phone number are two people, nor that merging A with B and B with C makes
one profile of A and C. Both checks run on the model's pairs before anything is
merged, and a pair they stop goes to the review queue with the reason, never away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ScoredPair:
    """Two profiles the model compared, with its verdict and the reasons for it.

    ``conflict`` names an identifier clash (set by :func:`guard_pairs`) that keeps
    the pair out of automatic merges whatever its probability.
    """

    a_profile: int
    b_profile: int
    probability: float
    weights: dict[str, float]
    conflict: str | None = None


def conflict_between(a: Iterable[str], b: Iterable[str]) -> str | None:
    """Why two sets of phone identifiers say "two people", or None.

    Both hold phones and they share none. Most customers keep one number, and two
    profiles stitched around different ones are two people with alike names far
    more often than one person (the demo's people keep one number each).
    Compared on the last nine digits: a number typed without its country code is
    read in the workspace's region, so +48 577… and +380 577… are often one phone.

    Example:
        >>> conflict_between(["+380501234567"], ["+48501234567"]) is None
        True
        >>> conflict_between(["+380501234567"], ["+380671112233"])
        'different phones (+380501234567 / +380671112233)'
    """
    left, right = sorted(a), sorted(b)
    if left and right and not {p[-9:] for p in left} & {p[-9:] for p in right}:
        return f"different phones ({left[0]} / {right[0]})"
    return None


def held_phones(phones: Sequence[str] | None, phone: str | None) -> tuple[str, ...]:
    """A profile's phone identifiers, and its phone trait (last nine digits) when none of them is it.

    A number typed into an order form that the graph did not take as an identifier is
    still the person's (at 10,000 demo customers a wrong merge held a phone only as a
    trait, another number than the other side's).

    Example:
        >>> held_phones((), "607719537"), held_phones(("+48607719537",), "607719537")
        (('607719537',), ('+48607719537',))
    """
    phones = tuple(phones or ())
    if phone and not any(p.endswith(phone) for p in phones):
        return (*phones, phone)
    return phones


def guard_pairs(pairs: Sequence[ScoredPair], phones: Mapping[int, Sequence[str]], upper: float) -> list[ScoredPair]:
    """Mark the pairs that may not be merged automatically, most likely first.

    Sure pairs are joined in order of probability into clusters that collect their
    profiles' phones; a pair whose two clusters would then hold conflicting phones is
    marked, even when its own two profiles do not conflict (a small profile with no
    phone must not bridge two people who each have one). ``phones``: each profile's
    phones (``table.Records.phones``: its identifiers and its trait, see
    :func:`held_phones`; a profile without any may be left out).
    """
    held = {profile: set(numbers) for profile, numbers in phones.items()}
    parent: dict[int, int] = {}

    def root(profile: int) -> int:
        while parent.get(profile, profile) != profile:
            profile = parent[profile]
        return profile

    guarded = []
    for pair in sorted(pairs, key=lambda p: -p.probability):
        a, b = root(pair.a_profile), root(pair.b_profile)
        why = conflict_between(phones.get(pair.a_profile, ()), phones.get(pair.b_profile, ()))
        if not why and a != b and (why := conflict_between(held.get(a, ()), held.get(b, ()))):
            why = f"{why}, through profiles already matched in this run"
        if pair.probability >= upper and not why and a != b:
            parent[b] = a
            held[a] = held.get(a, set()) | held.pop(b, set())
        guarded.append(replace(pair, conflict=why) if why != pair.conflict else pair)
    return guarded
