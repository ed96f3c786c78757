"""Guardrails that stop one shared identifier from fusing strangers.

A family tablet's anonymous id, a shop's own test email or a placeholder phone
would otherwise join thousands of people into one profile. Three guards apply when an
edge would join two profiles: a blocklist of identifiers that never link, a limit on
how many identifiers of one kind a single profile may hold, and the weak-identifier
guard (:func:`account_clash`): an identifier several people can present (a family
tablet's anonymous id, a social handle) does not join two profiles that each hold
their own account id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from persona360.identity.normalise import normalise_identifier


def parse_blocklist(entries: Iterable[str], region: str) -> set[tuple[str, str]]:
    """Turn ``'kind:value'`` entries into normalised identifier keys.

    The value is normalised like any identifier, so ``phone:0000000000`` blocks
    every spelling that normalises to it; an entry that does not normalise is kept
    verbatim (it may be a placeholder such as ``user_id:undefined``).
    """
    keys = set()
    for entry in entries:
        kind, separator, value = entry.rpartition(":")
        if not separator or not kind:
            raise ValueError(f"blocklist entry {entry!r} must look like 'kind:value'")
        normalised = normalise_identifier(kind, value, region) or value.strip().lower()
        keys.add((kind, normalised))
    return keys


def limit_breach(left: Counter[str], right: Counter[str], limits: Mapping[str, int]) -> str | None:
    """Return why joining two profiles with these kind counts breaks a limit, or ``None``.

    A kind without its own limit takes its family's (``id:*`` for ``id:shop``), so one
    shared test email cannot gather a thousand shop customer ids into one profile.
    """
    for kind in sorted(set(left) | set(right)):
        limit = limits.get(kind, limits.get(kind.split(":", 1)[0] + ":*") if ":" in kind else None)
        total = left.get(kind, 0) + right.get(kind, 0)
        if limit is not None and total > limit:
            return f"the merged profile would hold {total} identifiers of kind {kind} (limit {limit})"
    return None


def kind_listed(kind: str, kinds: Collection[str]) -> bool:
    """``kind`` is in ``kinds`` itself or by its family (``id:shop`` when ``id:*`` is listed)."""
    return kind in kinds or (":" in kind and kind.split(":", 1)[0] + ":*" in kinds)


def account_clash(left: Counter[str], right: Counter[str], owner_kinds: Collection[str]) -> str | None:
    """Return which account kind both profiles already hold, or ``None``.

    Called when the edge to add touches a weak identifier (an anonymous id, a handle).
    Two profiles that each hold an identifier of one account kind (two different
    ``user_id`` values, two shop customer ids) are two accounts; a tablet both logged
    in on is a family device, and a handle both typed (``itsolena``) is a common
    choice, not proof of one person. The two profiles are different components, so
    their identifiers of that kind differ.

    The weak identifier stays where it joined first: events that carry only it (a
    family tablet's anonymous browsing) go to the account it was first identified
    with; later events that carry the other account's id go to that account. First,
    not most recent, because a rebuild replays events in order and must reach the
    same graph, and because moving the identifier would move past events with it.

    Example:
        >>> account_clash(Counter(user_id=1), Counter(user_id=1, email=1), ["user_id"])
        'user_id'
        >>> account_clash(Counter(user_id=1), Counter(email=1), ["user_id"]) is None
        True
        >>> account_clash(Counter({"id:shop": 1}), Counter({"id:shop": 2}), ["id:*"])
        'id:shop'
    """
    for kind in sorted(set(left) & set(right)):
        if left[kind] > 0 and right[kind] > 0 and kind_listed(kind, owner_kinds):
            return kind
    return None
