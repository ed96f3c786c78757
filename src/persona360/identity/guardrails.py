"""Guardrails that stop one shared identifier from fusing strangers.

A family tablet's anonymous id, a shop's own test email or a placeholder phone
would otherwise join thousands of people into one profile. Two guards apply when an
edge would join two profiles: a blocklist of identifiers that never link, and a
limit on how many identifiers of one kind a single profile may hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

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
