"""``observe_sets`` leaves the graph and its delta exactly as one ``observe`` per set does.

Its shortcut takes sets whose identifiers are all new and of distinct kinds; every
other set (a known identifier, a blocklisted one, two of one kind, a limit below one,
an id that must be skipped) goes through ``observe``. Both graphs are compared whole.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persona360.identity.graph import IdentityGraph

AT = datetime(2026, 3, 1, tzinfo=UTC)
SETS = [
    (("id:shop", "c1"), ("email", "ann@x.org"), ("phone", "+380501112233")),  # new: the shortcut
    (("id:shop", "c2"), ("email", "bob@x.org")),  # new
    (("email", "bob@x.org"), ("phone", "+380501112244")),  # a known email: observe
    (("id:shop", "c3"), ("email", "test@example.com")),  # blocklisted: observe
    (("email", "a@x.org"), ("email", "b@x.org")),  # two emails: observe
    (("id:shop", "c4"),),  # one new identifier
    (("user_id", "u1"), ("id:shop", "c5"), ("anonymous_id", "d1")),  # new, guarded kinds
    (("user_id", "u2"), ("anonymous_id", "d1")),  # a weak id both accounts present: blocked
    (("id:shop", "c6"), ("email", "ann@x.org")),  # a second shop id on ann's profile
]


def graph(limits: dict[str, int] | None = None, retired: tuple[int, ...] = ()) -> IdentityGraph:
    made = IdentityGraph(
        limits if limits is not None else {"id:*": 1, "email": 3},
        {("email", "test@example.com")},
        ["anonymous_id"],
        ["user_id", "id:*"],
        ["email"],
    )
    made.retire(retired)
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
def test_observe_sets_ends_as_observe_one_by_one(limits: dict[str, int] | None, retired: tuple[int, ...]) -> None:
    one_by_one, at_once = graph(limits, retired), graph(limits, retired)
    keys = [100 + i for i in range(len(SETS))]
    expected = [one_by_one.observe(list(s), "record", 2, k, AT) for s, k in zip(SETS, keys, strict=True)]
    assert at_once.observe_sets(SETS, "record", 2, keys, AT) == expected
    assert state(at_once) == state(one_by_one)
    # and the next record, which links two of those profiles, too
    nxt = [("email", "ann@x.org"), ("id:shop", "c4")]
    assert at_once.observe(nxt, "record", 2, 1, AT) == one_by_one.observe(nxt, "record", 2, 1, AT)
    assert state(at_once) == state(one_by_one)
