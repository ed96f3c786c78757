"""``observe``'s shortcut for all-new identifiers leaves the graph exactly as the long way does.

The shortcut takes identifiers that are all new and each of another kind; every other
record (a known identifier, a blocklisted one, two of one kind, a limit below one, an
id that must be skipped) goes the long way. A graph whose shortcut is switched off
observes the same records, and both graphs and their deltas are compared whole.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persona360.identity.graph import IdentityGraph

AT = datetime(2026, 3, 1, tzinfo=UTC)
SETS = [
    [("id:shop", "c1"), ("email", "ann@x.org"), ("phone", "+380501112233")],  # new: the shortcut
    [("id:shop", "c2"), ("email", "bob@x.org")],  # new
    [("email", "bob@x.org"), ("phone", "+380501112244")],  # a known email: the long way
    [("id:shop", "c3"), ("email", "test@example.com")],  # blocklisted
    [("email", "a@x.org"), ("email", "b@x.org")],  # two emails
    [("id:shop", "c4")],  # one new identifier
    [("user_id", "u1"), ("id:shop", "c5"), ("anonymous_id", "d1")],  # new, guarded kinds
    [("user_id", "u2"), ("anonymous_id", "d1")],  # a weak id both accounts present: blocked
    [("id:shop", "c6"), ("email", "ann@x.org")],  # a second shop id on ann's profile
    [("anonymous_id", "d2")],  # a new visitor
    [("previous_id", "d2"), ("user_id", "u3")],  # an alias: the long way
    [("email", "ann@x.org"), ("id:shop", "c4")],  # joins two profiles made by the shortcut
]


def graph(limits: dict[str, int] | None, retired: tuple[int, ...], *, shortcut: bool) -> IdentityGraph:
    made = IdentityGraph(
        limits if limits is not None else {"id:*": 1, "email": 3},
        {("email", "test@example.com")},
        ["anonymous_id"],
        ["user_id", "id:*"],
        ["email"],
    )
    made.retire(retired)
    if not shortcut:
        made._all_new = lambda keys: False  # type: ignore[method-assign]
    return made


def state(g: IdentityGraph) -> tuple[object, ...]:
    delta = g.take_delta()
    profiles = {i: g.profile_of(i) for i in range(1, len(g._keys))}
    members = {p: sorted(g.members(p)) for p in set(profiles.values())}
    kinds = {p: dict(g._kinds_of(p)) for p in members}
    return (
        g._keys,
        profiles,
        members,
        kinds,
        g._next_edge,
        delta.new_identifiers,
        [vars(edge) for edge in delta.new_edges],
        list(delta.merges.items()),
        delta.relabels,
        delta.touched,
        delta.log,
    )


@pytest.mark.parametrize(
    ("limits", "retired"),
    [(None, ()), (None, (3, 4)), ({"id:*": 1, "email": 3, "phone": 0}, ())],
    ids=["plain", "retired ids in the way", "a limit of zero"],
)
def test_the_shortcut_ends_as_the_long_way(limits: dict[str, int] | None, retired: tuple[int, ...]) -> None:
    fast, slow = graph(limits, retired, shortcut=True), graph(limits, retired, shortcut=False)
    for n, keys in enumerate(SETS):
        assert fast.observe(keys, "record", 2, 100 + n, AT) == slow.observe(keys, "record", 2, 100 + n, AT)
        if n in (1, 5, 9):  # deltas taken between records, as the writer takes them per batch
            assert state(fast) == state(slow)
    assert state(fast) == state(slow)


def test_the_shortcut_is_taken_for_new_customers() -> None:
    fast = graph(None, (), shortcut=True)
    assert fast._all_new(SETS[0]) and fast._all_new(SETS[6])
    fast.observe(SETS[0], "record", 2, 1, AT)
    assert not fast._all_new(SETS[8])  # ann's email is known now
