"""The Splink model on hand-written records (its own in-memory DuckDB).

Four records are far below ``MIN_RECORDS_TO_TRAIN``, so these scores come from the
prior m and u probabilities even with ``train=True``.
"""

from __future__ import annotations

from persona360.resolution.model import score_pairs
from persona360.resolution.records import ProfileRecord, to_record


def _record(pid: int, first: str, last: str, **fields: str) -> ProfileRecord:
    values = {k: fields.get(k) for k in ("email_local", "phone", "birthday", "city", "postcode")}
    return ProfileRecord(pid, pid * 10, first, last, **values)


RECORDS = [
    _record(1, "olena", "kovalenko", email_local="olenak", birthday="1990-03-04", city="kyiv"),
    _record(2, "olena", "kovalenko", city="kyiv", birthday="1990-03-04"),
    _record(3, "ivan", "petrenko", birthday="1980-01-01", city="lviv"),
    _record(4, "ivan", "petrenko", birthday="1975-05-05", city="odesa"),
    _record(5, "maria", "bondar", phone="380671112233"),
    _record(6, "mariia", "bondar", phone="380671112233"),
]


def test_scores_explain_themselves_with_match_weights() -> None:
    pairs = {(p.a_profile, p.b_profile): p for p in score_pairs(RECORDS, train=True, threshold=0.0)}
    assert pairs[(1, 2)].probability > 0.99
    assert pairs[(3, 4)].probability < 0.5
    assert pairs[(3, 4)].weights["birthday"] < 0 < pairs[(3, 4)].weights["name"]
    assert pairs[(5, 6)].probability > 0.99  # a shared phone and a near-identical name
    assert (1, 3) not in pairs  # never blocked together


def test_threshold_and_tiny_inputs() -> None:
    assert [(p.a_profile, p.b_profile) for p in score_pairs(RECORDS, train=False, threshold=0.9)] == [
        (1, 2),
        (5, 6),
    ]
    assert score_pairs(RECORDS[:1], train=True, threshold=0.0) == []


def _emailed(pid: int, first: str, last: str, email: str) -> ProfileRecord:
    fields = dict.fromkeys(("full_name", "birthday", "phone", "city", "postcode"))
    return to_record(
        {**fields, "profile_id": pid, "anchor_id": pid, "first_name": first, "last_name": last, "email": email}
    )


def test_namesakes_whose_addresses_only_spell_their_name_are_not_merged() -> None:
    """An address built from the name agrees whenever the names do: no second piece of evidence.

    At 10,000 demo customers, namesakes at two mail domains (``olena.kovalenko@gmail.com``,
    ``olena.kovalenko@ukr.net``) were merged on the name counted twice.
    """
    records = [
        _emailed(1, "Olena", "Kovalenko", "olena.kovalenko@gmail.com"),
        _emailed(2, "Olena", "Kovalenko", "olena.kovalenko@ukr.net"),
        _emailed(3, "Ivan", "Petrenko", "ivan.petrenko@gmail.com"),
        _emailed(4, "Ivan", "Petrenko", "ivanpetrenko@gmail.com"),  # one Gmail mailbox, dots or not
        _emailed(5, "Maria", "Bondar", "maria.bondar87@gmail.com"),
        _emailed(6, "Maria", "Bondar", "mariabondar87@ukr.net"),  # the same year after the name
    ]
    pairs = {(p.a_profile, p.b_profile): p for p in score_pairs(records, train=False, threshold=0.0)}
    assert pairs[(1, 2)].probability < 0.9
    assert pairs[(1, 2)].weights["email_local"] == 0
    assert pairs[(3, 4)].probability > 0.99
    assert pairs[(5, 6)].probability > 0.99
