"""``observe``'s shortcut for all-new identifiers leaves the graph exactly as the long way does.

The shortcut takes identifiers that are all new and each of another kind; every other
record (a known identifier, a blocklisted one, two of one kind, a limit below one, an
id that must be skipped) goes the long way. A graph whose shortcut is switched off
observes the same records, and both graphs and their deltas are compared whole.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persona360.identity.graph import EdgeRow, IdentityGraph

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


MANY = [
    *SETS[:2],
    [("id:shop", "c7"), ("email", "cy@x.org"), ("phone", "+380501112255")],  # a run of new customers...
    [("id:shop", "c8"), ("email", "dee@x.org")],
    [("id:shop", "c9"), ("email", "cy@x.org")],  # ...broken by one sharing an email with the run
    [("id:shop", "c10"), ("phone", "+380501112266")],
    *SETS[2:],
    [("id:shop", "c11"), ("email", "eve@x.org")],
    [("id:shop", "c12"), ("email", "eve@x.org")],  # two new sets sharing an email at the end
]


def flattened(g: IdentityGraph) -> tuple[object, ...]:
    """:func:`state`, with the delta's blocks of columns read as the rows observe() writes."""
    blocks, edge_blocks = list(g.delta.identifier_blocks), list(g.delta.edge_blocks)
    g.delta.identifier_blocks, g.delta.edge_blocks = [], []
    for block in blocks:
        ids = block.ids()
        g.delta.new_identifiers += [
            (i, kind, value, block.at, block.source_id)
            for i, kind, value in zip(ids, block.kinds, block.values, strict=True)
        ]
    for block in edge_blocks:
        for n, (a, b, key) in enumerate(
            zip(block.a.tolist(), block.b.tolist(), block.message_keys.tolist(), strict=True)
        ):
            g.delta.new_edges.append(
                EdgeRow(block.first_edge + n, a, b, block.reason, "active", None, block.source_id, key, block.at)
            )
    g.delta.new_identifiers.sort()
    g.delta.new_edges.sort(key=lambda edge: edge.edge_id)
    return state(g)


@pytest.mark.parametrize(
    ("limits", "retired"),
    [(None, ()), (None, (3, 4, 9)), ({"id:*": 1, "email": 3, "phone": 0}, ())],
    ids=["plain", "retired ids in the way", "a limit of zero"],
)
def test_observing_many_at_once_ends_as_one_by_one(limits: dict[str, int] | None, retired: tuple[int, ...]) -> None:
    many, single = graph(limits, retired, shortcut=True), graph(limits, retired, shortcut=False)
    keys = [500 + n for n in range(len(MANY))]
    anchors = many.observe_many([tuple(keys_) for keys_ in MANY], "record", 2, keys, AT)
    assert anchors == [single.observe(list(s), "record", 2, k, AT) for s, k in zip(MANY, keys, strict=True)]
    assert flattened(many) == state(single)
    assert many.observe_many([tuple(MANY[0])], "record", 2, [9], AT) == [
        single.observe(list(MANY[0]), "record", 2, 9, AT)
    ]
    assert flattened(many) == state(single)


def test_a_run_of_new_customers_is_written_as_columns() -> None:
    g = graph(None, (), shortcut=True)
    g.observe_many([tuple(MANY[2]), tuple(MANY[3])], "record", 2, [1, 2], AT)
    delta = g.delta
    assert not delta.new_identifiers and not delta.new_edges
    assert [list(block.ids()) for block in delta.identifier_blocks] == [[1, 2, 3, 4, 5]]
    assert [(block.a.tolist(), block.b.tolist(), block.message_keys.tolist()) for block in delta.edge_blocks] == [
        ([1, 1, 4], [2, 3, 5], [1, 1, 2])
    ]
    assert delta.new_identifier_ids() == {1, 2, 3, 4, 5}
