"""``ws.resolution`` on hand-written profiles: merges, the review queue and unmerge.

The inputs are a handful of profiles, below ``MIN_RECORDS_TO_TRAIN``, so the model
scores with its prior m and u probabilities: EM on so few records is not stable.
"""

from __future__ import annotations

from typing import Any

import pytest

from persona360 import Workspace
from persona360.errors import IdentityError, NotFoundError


def _person(user: str, first: str, last: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": {"firstName": first, "lastName": last, **traits}}


def _profile(ws: Workspace, user: str) -> int:
    return ws.profiles.find("user_id", user)


def _edges(ws: Workspace, reason: str) -> list[tuple[Any, ...]]:
    return ws.db.query("SELECT a, b, status FROM edges WHERE reason = ? ORDER BY edge_id", [reason])


@pytest.fixture
def shop(workspace: Workspace) -> Workspace:
    workspace.access.add_source("shop")
    return workspace


def test_cyrillic_and_latin_spellings_of_one_person_are_merged(shop: Workspace) -> None:
    shop.ingest.send(
        "shop",
        [
            _person("u1", "Олена", "Коваленко", address={"city": "Київ"}, birthday="1990-03-04"),
            _person("u2", "Olena", "Kovalenko", address={"city": "Kyiv"}, birthday="1990-03-04"),
        ],
    )
    report = shop.resolution.resolve()
    assert (report.records, report.merged, report.queued, report.trained) == (2, 1, 0, False)
    assert _profile(shop, "u1") == _profile(shop, "u2")
    assert [status for *_, status in _edges(shop, "probabilistic")] == ["active"]
    assert shop.resolution.pairs("merged")[0]["explanation"]["match_weights"]["name"] > 0


def test_same_common_name_in_different_cities_is_not_matched(shop: Workspace) -> None:
    shop.ingest.send(
        "shop",
        [
            _person("u1", "Ivan", "Petrenko", address={"city": "Lviv"}, birthday="1980-01-01"),
            _person("u2", "Ivan", "Petrenko", address={"city": "Odesa"}, birthday="1975-05-05"),
        ],
    )
    report = shop.resolution.resolve()
    assert (report.candidates, report.merged, report.queued) == (0, 0, 0)
    assert _profile(shop, "u1") != _profile(shop, "u2")


def _likely_pair(shop: Workspace) -> int:
    # Same name and city, nothing else known: likely, but not sure enough to merge.
    shop.ingest.send(
        "shop",
        [
            _person("u1", "Olena", "Kovalenko", address={"city": "Kyiv"}),
            _person("u2", "Olena", "Kovalenko", address={"city": "Kyiv"}),
        ],
    )
    report = shop.resolution.resolve()
    assert (report.merged, report.queued) == (0, 1)
    (pending,) = shop.resolution.pairs()
    assert pending["status"] == "pending"
    assert shop.settings.resolution_lower <= pending["probability"] < shop.settings.resolution_upper
    return int(pending["pair_id"])


def test_a_rejected_pair_is_never_proposed_again(shop: Workspace) -> None:
    pair_id = _likely_pair(shop)
    shop.resolution.reject(pair_id)
    again = shop.resolution.resolve(retrain=True)
    assert (again.candidates, again.merged, again.queued, again.skipped) == (1, 0, 0, 1)
    assert shop.resolution.pairs() == []
    assert _profile(shop, "u1") != _profile(shop, "u2")


def test_an_accepted_pair_merges_and_unmerge_undoes_it(shop: Workspace) -> None:
    pair_id = _likely_pair(shop)
    profile_id = shop.resolution.accept(pair_id)
    assert _profile(shop, "u1") == _profile(shop, "u2") == profile_id
    assert [status for *_, status in _edges(shop, "probabilistic")] == ["active"]
    shop.identity.unmerge(("user_id", "u2"))
    assert _profile(shop, "u1") != _profile(shop, "u2")
    again = shop.resolution.resolve(retrain=True)
    assert (again.candidates, again.queued, again.skipped) == (1, 0, 1)  # an undone merge is not proposed again


def test_a_pending_pair_joined_meanwhile_leaves_the_queue_and_cannot_be_decided(shop: Workspace) -> None:
    pair_id = _likely_pair(shop)
    shop.identity.merge(("user_id", "u1"), ("user_id", "u2"))  # by hand, or through another pair
    assert shop.resolution.pairs() == [] and shop.resolution.count() == 0
    assert [p["pair_id"] for p in shop.resolution.pairs(status=None)] == [pair_id]  # kept, as every pair is
    for decide in (shop.resolution.accept, shop.resolution.reject):
        with pytest.raises(IdentityError, match=f"review pair {pair_id} is one profile already"):
            decide(pair_id)


@pytest.mark.parametrize(
    ("decide", "error"),
    [
        (lambda ws: ws.resolution.accept(99), NotFoundError),
        (lambda ws: ws.resolution.reject(99), NotFoundError),
    ],
)
def test_deciding_an_unknown_pair_fails(shop: Workspace, decide: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="no review pair 99"):
        decide(shop)


def test_a_decided_pair_cannot_be_decided_again(shop: Workspace) -> None:
    pair_id = _likely_pair(shop)
    shop.resolution.reject(pair_id)
    with pytest.raises(IdentityError, match="already rejected"):
        shop.resolution.accept(pair_id)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Олександр", "Шевчук"), ("Sasha", "Shevchuk")),  # a nickname in another script
        (("Olena", "Kovalenko"), ("Kovalenko", "Olena")),  # first and last name swapped
        (("Юлія", "Згурська"), ("Yuliia", "Zghurska")),  # the national transliteration
    ],
)
def test_spellings_of_one_person_are_merged(shop: Workspace, first: tuple[str, str], second: tuple[str, str]) -> None:
    where = {"address": {"city": "Kyiv"}, "birthday": "1990-03-04"}
    shop.ingest.send("shop", [_person("u1", *first, **where), _person("u2", *second, **where)])
    assert shop.resolution.resolve().merged == 1
    assert _profile(shop, "u1") == _profile(shop, "u2")


def test_profiles_with_different_phones_wait_for_a_person(shop: Workspace) -> None:
    where = {"address": {"city": "Kyiv"}, "birthday": "1990-03-04"}
    shop.ingest.send(
        "shop",
        [
            _person("u1", "Olena", "Kovalenko", phone="+380501234567", **where),
            _person("u2", "Olena", "Kovalenko", phone="+380671112233", **where),
        ],
    )
    report = shop.resolution.resolve()
    assert (report.merged, report.queued) == (0, 1)
    (pending,) = shop.resolution.pairs()
    assert pending["probability"] >= shop.settings.resolution_upper  # sure by the model, stopped by the guard
    assert pending["explanation"]["conflict"].startswith("different phones")
    assert _profile(shop, "u1") != _profile(shop, "u2")


def test_a_later_run_matches_only_new_profiles_with_the_kept_model(shop: Workspace) -> None:
    shop.ingest.send("shop", [_person("u1", "Олена", "Коваленко", address={"city": "Київ"}, birthday="1990-03-04")])
    shop.ingest.send("shop", [_person("u2", "Ivan", "Petrenko", address={"city": "Lviv"}, birthday="1980-01-01")])
    first = shop.resolution.resolve()
    assert (first.records, first.candidates, first.incremental) == (2, 0, False)
    model = shop.db.scalar("SELECT value FROM meta WHERE key = 'resolution_model'")
    shop.ingest.send("shop", [_person("u3", "Olena", "Kovalenko", address={"city": "Kyiv"}, birthday="1990-03-04")])
    later = shop.resolution.resolve()
    assert (later.records, later.candidates, later.merged, later.incremental) == (1, 1, 1, True)
    assert _profile(shop, "u1") == _profile(shop, "u3") != _profile(shop, "u2")
    assert shop.db.scalar("SELECT value FROM meta WHERE key = 'resolution_model'") == model  # not trained again
    nothing_new = shop.resolution.resolve()
    assert (nothing_new.records, nothing_new.candidates, nothing_new.incremental) == (0, 0, True)


def test_a_rejected_pair_is_not_proposed_by_a_later_run_either(shop: Workspace) -> None:
    pair_id = _likely_pair(shop)
    shop.resolution.reject(pair_id)
    shop.ingest.send("shop", [_person("u3", "Olena", "Kovalenko", address={"city": "Kyiv"})])
    later = shop.resolution.resolve()  # u3 is new: compared with u1 and u2, u1-u2 not again
    assert (later.records, later.candidates, later.queued, later.incremental) == (1, 2, 2, True)
    pending = {frozenset((p["a_profile"], p["b_profile"])) for p in shop.resolution.pairs()}
    u1, u2, u3 = (_profile(shop, u) for u in ("u1", "u2", "u3"))
    assert pending == {frozenset((u1, u3)), frozenset((u2, u3))}
