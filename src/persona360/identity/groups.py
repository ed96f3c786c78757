"""The loaded graph's bulk: each profile's identifiers, and the pairs that have an edge.

A workspace of a million people holds a million profiles; the writer that opens it
changes a handful of them per batch. So what was loaded stays in sorted numpy
arrays: a profile's Python list is made the first time it is asked for, then kept
(the graph changes it in place from there on), and an edge is looked up by binary
search.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from persona360.arrays import distinct


class Groups:
    """``profile id -> [identifier ids]``, a dict in front of the stored membership.

    Only the mapping operations the identity graph uses are offered. A profile
    removed with :meth:`pop` stays removed, even though the loaded arrays still
    list it.
    """

    def __init__(self) -> None:
        self._lists: dict[int, list[int]] = {}
        self._gone: set[int] = set()
        self._profiles = np.empty(0, dtype=np.int64)  # sorted, unique
        self._starts = np.zeros(1, dtype=np.int64)  # members of _profiles[k]: _flat[_starts[k]:_starts[k + 1]]
        self._flat = np.empty(0, dtype=np.int64)

    @classmethod
    def from_columns(cls, profile_ids: np.ndarray, identifier_ids: np.ndarray) -> Groups:
        """Group ``identifier_ids`` by their ``profile_ids`` (two columns of one length)."""
        groups = cls()
        order = np.lexsort((identifier_ids, profile_ids))
        profiles = profile_ids[order]
        groups._flat = identifier_ids[order]
        groups._profiles, starts = distinct(profiles)
        groups._starts = np.append(starts, len(profiles)).astype(np.int64)
        return groups

    def get(self, profile_id: int) -> list[int] | None:
        members = self._lists.get(profile_id)
        if members is not None or profile_id in self._gone:
            return members
        k = int(np.searchsorted(self._profiles, profile_id))
        if k == len(self._profiles) or self._profiles[k] != profile_id:
            return None
        loaded: list[int] = self._flat[self._starts[k] : self._starts[k + 1]].tolist()
        self._lists[profile_id] = loaded
        return loaded

    def __getitem__(self, profile_id: int) -> list[int]:
        members = self.get(profile_id)
        if members is None:
            raise KeyError(profile_id)
        return members

    def __setitem__(self, profile_id: int, members: list[int]) -> None:
        self._lists[profile_id] = members

    def __contains__(self, profile_id: object) -> bool:
        return isinstance(profile_id, int) and self.get(profile_id) is not None

    def setdefault(self, profile_id: int, default: list[int]) -> list[int]:
        members = self.get(profile_id)
        if members is None:
            members = self._lists[profile_id] = default
        return members

    def pop(self, profile_id: int) -> list[int]:
        members = self[profile_id]
        del self._lists[profile_id]
        self._gone.add(profile_id)
        return members


class Pairs:
    """The identifier pairs that already have an edge: a sorted array as loaded, a set since.

    Two million stored edges as a set of tuples cost about 250 MB and a second to
    build; as one sorted ``int64`` per pair they cost 16 MB and a sort.
    """

    def __init__(self, a: np.ndarray | None = None, b: np.ndarray | None = None) -> None:
        self._added: set[tuple[int, int]] = set()
        if a is None or b is None or not len(a):
            self._loaded = np.empty(0, dtype=np.int64)
            return
        if int(max(a.max(), b.max())) >= _PAIR_SHIFT:
            raise ValueError(f"identifier ids beyond {_PAIR_SHIFT - 1} cannot be loaded")
        self._loaded = distinct(a.astype(np.int64) * _PAIR_SHIFT + b.astype(np.int64))[0]

    def __contains__(self, pair: object) -> bool:
        if pair in self._added:
            return True
        if not isinstance(pair, tuple) or not self._loaded.size:
            return False
        key = pair[0] * _PAIR_SHIFT + pair[1]
        k = int(np.searchsorted(self._loaded, key))
        return k < self._loaded.size and int(self._loaded[k]) == key

    def add(self, pair: tuple[int, int]) -> None:
        self._added.add(pair)

    def update(self, pairs: Iterable[tuple[int, int]]) -> None:
        self._added.update(pairs)

    def __len__(self) -> int:
        return len(self._loaded) + len(self._added)


_PAIR_SHIFT = 1 << 31
