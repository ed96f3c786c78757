"""A graph loaded from columns behaves like the graph that was built by observing.

The loaded graph keeps its bulk in numpy arrays (``identity.groups``) and counts kinds
only when a guardrail asks, so every path that reads them is driven here on both.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from persona360.identity.graph import IdentityGraph
from persona360.identity.groups import Groups, Pairs

AT = datetime(2026, 1, 1, tzinfo=UTC)


def guarded() -> IdentityGraph:
    return IdentityGraph({"user_id": 3, "email": 2}, set(), ["anonymous_id"], ["user_id"])


def observe(g: IdentityGraph, *keys: tuple[str, str]) -> int:
    return g.observe(list(keys), "record", 1, None, AT)


def history(g: IdentityGraph) -> None:
    observe(g, ("user_id", "mum"), ("anonymous_id", "tablet"), ("email", "mum@x.org"))
    observe(g, ("user_id", "son"), ("email", "son@x.org"))
    observe(g, ("email", "lone@x.org"))
    observe(g, ("user_id", "dad"), ("phone", "+380671234567"))


def copy_of(built: IdentityGraph) -> IdentityGraph:
    """A fresh graph loaded from the built one's state, as ``load_graph`` would read it."""
    delta = built.take_delta()
    ids = [row[0] for row in delta.new_identifiers]
    loaded = guarded()
    loaded.load_columns(
        np.array(ids, dtype=np.int64),
        [row[1] for row in delta.new_identifiers],
        [row[2] for row in delta.new_identifiers],
        np.array([built.profile_of(i) for i in ids], dtype=np.int64),
        (np.array([e.a for e in delta.new_edges]), np.array([e.b for e in delta.new_edges])),
        [],
        len(delta.new_edges) + 1,
    )
    return loaded


def state(g: IdentityGraph, keys: list[tuple[str, str]]) -> list[tuple[int, list[int]]]:
    ids = [g.identifier_id(key) or 0 for key in keys]
    return [(g.profile_of(i), sorted(g.members(g.profile_of(i)))) for i in ids]


def test_loaded_graph_stitches_guards_and_splits_like_the_built_one() -> None:
    built = guarded()
    history(built)
    loaded = copy_of(built)
    keys = [
        ("user_id", "mum"),
        ("anonymous_id", "tablet"),
        ("user_id", "son"),
        ("email", "son@x.org"),
        ("email", "lone@x.org"),
        ("user_id", "dad"),
        ("email", "new@x.org"),
    ]
    for g in (built, loaded):
        observe(g, ("user_id", "mum"), ("anonymous_id", "tablet"))  # known edge: nothing new
        observe(g, ("user_id", "son"), ("anonymous_id", "tablet"))  # weak id, two accounts: blocked
        observe(g, ("email", "lone@x.org"), ("user_id", "dad"))  # a merge of two loaded profiles
        observe(g, ("email", "new@x.org"), ("user_id", "dad"))  # a third email would pass the limit of 2
    assert state(loaded, keys) == state(built, keys)
    built_delta, loaded_delta = built.take_delta(), loaded.take_delta()
    assert [(e.a, e.b, e.status) for e in loaded_delta.new_edges] == [
        (e.a, e.b, e.status) for e in built_delta.new_edges
    ]
    assert loaded_delta.merges == built_delta.merges
    tablet = loaded.identifier_id(("anonymous_id", "tablet")) or 0
    mum = loaded.identifier_id(("user_id", "mum")) or 0
    edges = [(mum, tablet), (mum, loaded.identifier_id(("email", "mum@x.org")) or 0)]
    assert loaded.split(tablet, edges, AT) == built.split(tablet, edges, AT)
    assert state(loaded, keys) == state(built, keys)
    observe(loaded, ("user_id", "mum"), ("anonymous_id", "tablet"))  # the unmerge is remembered
    assert loaded.profile_of(mum) != loaded.profile_of(tablet)


def test_groups_build_a_profile_list_once_and_forget_a_popped_profile() -> None:
    groups = Groups.from_columns(np.array([7, 3, 7, 3]), np.array([9, 3, 7, 4]))
    assert groups[7] == [7, 9]
    assert groups[3] is groups[3]
    assert groups.get(5) is None and 5 not in groups
    assert groups.pop(7) == [7, 9]
    assert groups.get(7) is None
    assert groups.setdefault(7, [1]) == [1]
    with pytest.raises(KeyError):
        groups[11]


def test_pairs_answer_for_loaded_and_added_edges() -> None:
    pairs = Pairs(np.array([1, 2, 1]), np.array([5, 3, 5]))
    assert (1, 5) in pairs and (2, 3) in pairs and (1, 3) not in pairs
    pairs.add((1, 3))
    assert (1, 3) in pairs and len(pairs) == 3
    assert (0, 0) not in Pairs()


def test_pairs_refuse_ids_they_cannot_pack() -> None:
    with pytest.raises(ValueError, match="identifier ids beyond"):
        Pairs(np.array([1]), np.array([1 << 31]))
