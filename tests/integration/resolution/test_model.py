"""The Splink model on hand-written records (its own in-memory DuckDB).

Four records are far below ``MIN_RECORDS_TO_TRAIN``, so these scores come from the
prior m and u probabilities even with ``train=True``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from persona360.resolution import backend
from persona360.resolution import model as splink_model
from persona360.resolution.backend import session
from persona360.resolution.model import (
    _PRIORS,
    _TF_COLUMNS,
    MIN_RECORDS_TO_TRAIN,
    score_all,
    score_new,
    score_pairs,
)
from persona360.resolution.records import ProfileRecord, to_record
from persona360.resolution.table import Records


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


def _placed(pid: int, first: str | None, last: str, **fields: str) -> ProfileRecord:
    values = {k: fields.get(k) for k in ("email_local", "phone", "birthday", "city", "postcode", "street")}
    return ProfileRecord(pid, pid, first, last, **values)


def _weights(records: list[ProfileRecord]) -> dict[tuple[int, int], dict[str, float]]:
    return {(p.a_profile, p.b_profile): p.weights for p in score_pairs(records, train=False, threshold=0.0)}


def test_slips_in_a_birthday_and_a_postcode_still_agree() -> None:
    """Two swapped digits, day and month swapped, one digit changed: weaker than exact, still evidence."""
    weights = _weights([
        _placed(1, "olena", "kovalenko", birthday="1990-03-04", postcode="3023"),
        _placed(2, "olena", "kovalenko", birthday="1990-04-03", postcode="3032"),
        _placed(3, "olena", "kovalenko", birthday="1990-03-05", postcode="3024"),
        _placed(4, "olena", "kovalenko", birthday="1990-03-04", postcode="3023"),
        _placed(5, "olena", "kovalenko", birthday="1961-11-27", postcode="7810"),
    ])  # fmt: skip
    exact = weights[(1, 4)]
    for slipped in (weights[(1, 2)], weights[(1, 3)]):
        assert 0 < slipped["birthday"] < exact["birthday"]
        assert 0 < slipped["postcode"] < exact["postcode"]
    assert weights[(1, 5)]["birthday"] < 0 and weights[(1, 5)]["postcode"] < 0


def test_a_street_without_its_name_is_unknown_and_another_house_number_is_weaker() -> None:
    weights = _weights([
        _placed(1, "olena", "kovalenko", street="53 tytherleigh street"),
        _placed(2, "olena", "kovalenko", street="10"),  # the house number alone
        _placed(3, "olena", "kovalenko", street="tytherleigh street"),
        _placed(4, "olena", "kovalenko", street="53 tytherleigh street"),
        _placed(5, "olena", "kovalenko", street="7 wallaby place"),
    ])  # fmt: skip
    assert weights[(1, 2)]["street"] == 0
    assert 0 < weights[(1, 3)]["street"] < weights[(1, 4)]["street"]
    assert weights[(1, 5)]["street"] < 0


def test_a_missing_first_name_leaves_the_last_name_to_compare() -> None:
    weights = _weights([
        _placed(1, "olena", "kovalenko", city="kiiv", birthday="1990-03-04"),
        _placed(2, None, "kovalenko", city="kiiv", birthday="1990-03-04"),
        _placed(3, None, "bondar", city="kiiv", birthday="1990-03-04"),
    ])  # fmt: skip
    assert weights[(1, 2)]["name"] > 0  # the same last name, one first name unknown
    assert weights[(1, 3)]["name"] == 0  # another last name: no evidence either way, as an unknown name


def _shop_without_emails(count: int) -> list[ProfileRecord]:
    """``count`` seeded people with names, birthdays and cities, a third of them twice, and no emails."""
    rng = random.Random(5)
    firsts, lasts = ["olena", "ivan", "maria", "petro", "anna", "taras"], [f"name{i}" for i in range(150)]
    cities = ["kiiv", "lviv", "odesa", "harkiv", "dnipro"]
    records = []
    while len(records) < count:
        pid = len(records) + 1
        person = (
            rng.choice(firsts),
            rng.choice(lasts),
            f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        )
        city = rng.choice(cities)
        records.append(_placed(pid, person[0], person[1], birthday=person[2], city=city))
        if rng.random() < 0.33:
            records.append(_placed(pid + 1, person[0], person[1], birthday=person[2], city=rng.choice(cities)))
    return records


def test_a_shop_without_emails_keeps_every_comparison_and_its_match_rate() -> None:
    """An EM block with no pairs is skipped, not tried and caught.

    Splink's EM session takes the blocked comparison out of the linker's own settings
    and rescales the match rate before it raises on a block without pairs: a shop
    without emails lost its email comparison and had a match rate some 600 times too high.
    """
    records = _shop_without_emails(MIN_RECORDS_TO_TRAIN + 100)
    _, model = score_all(records, train=True, threshold=0.5)
    assert model is not None
    assert [c["output_column_name"] for c in model["comparisons"]] == list(_PRIORS)
    true_rate = 0.33 / len(records)  # about one duplicate per three people, among all pairs
    assert model["probability_two_random_records_match"] < 20 * true_rate


def test_the_part_of_an_address_beyond_the_name_is_what_agrees() -> None:
    """Two addresses built differently from one name agree on the year after it; another year disagrees."""
    records = [
        _emailed(1, "Olena", "Sych", "olena.sych85@gmail.com"),
        _emailed(2, "Olena", "Sych", "osych85@ukr.net"),
        _emailed(3, "Olena", "Sych", "sych.olena91@ukr.net"),
    ]
    weights = {(p.a_profile, p.b_profile): p.weights for p in score_pairs(records, train=False, threshold=0.0)}
    assert weights[(1, 2)]["email_local"] > 0
    assert weights[(1, 3)]["email_local"] < 0


def test_term_frequencies_start_from_the_same_u_without_splinks_search() -> None:
    """The levels told to skip Splink's exact-match search score as if it had searched.

    ``disable_tf_exact_match_detection`` is set only on a level that is its own
    column's exact match level (it saves re-parsing every level's SQL per query); a
    level whose adjustment starts from another level's u (one first name unknown, from
    the last name's) keeps the search. The same stored model with the flag stripped
    must give every pair the same probability.
    """
    records = _shop_without_emails(MIN_RECORDS_TO_TRAIN + 100)
    records += [
        _placed(len(records) + 1 + i, None, r.last_name or "", birthday=r.birthday or "")
        for i, r in enumerate(records[:60])
    ]
    _, model = score_all(records, train=True, threshold=0.5)
    assert model is not None
    flagged = [
        level for comparison in model["comparisons"] for level in comparison["comparison_levels"]
        if level.get("disable_tf_exact_match_detection")
    ]  # fmt: skip
    assert flagged
    searched = json.loads(json.dumps(model))
    for comparison in searched["comparisons"]:
        for level in comparison["comparison_levels"]:
            level.pop("disable_tf_exact_match_detection", None)
    everyone = {r.profile_id for r in records}
    with_flag = {(p.a_profile, p.b_profile): p.probability for p in score_new(records, everyone, model, threshold=0.0)}
    without = {(p.a_profile, p.b_profile): p.probability for p in score_new(records, everyone, searched, threshold=0.0)}
    assert with_flag.keys() == without.keys()
    assert max(abs(with_flag[k] - without[k]) for k in with_flag) < 1e-9


def _row_weights(row: dict[str, Any]) -> dict[str, float]:
    """The weights of one pair, a comparison at a time: what ``_weights`` computes on columns."""
    weights = {}
    for name in _PRIORS:
        weight = row.get(f"mw_{name}")
        if weight is None or not math.isfinite(weight):
            continue
        for column in _TF_COLUMNS.get(name, ()):
            adjustment = row.get(f"bf_tf_adj_{column}")
            if adjustment is not None and adjustment > 0:
                weight += math.log2(adjustment)
        weights[name] = round(weight, 3)
    return weights


def test_weights_on_columns_are_those_of_each_pair() -> None:
    """Unknown and infinite weights are left out; an adjustment counts only when above zero."""
    rng = random.Random(5)
    tf = [c for columns in _TF_COLUMNS.values() for c in columns]
    special = [None, math.inf, -math.inf, 0.0, -2.5]
    rows = [
        {
            **{f"mw_{n}": rng.choice([*special, rng.uniform(-9, 9), rng.uniform(-9, 9)]) for n in _PRIORS},
            **{f"bf_tf_adj_{c}": rng.choice([None, 0.0, -1.0, 1.0, rng.uniform(0.01, 40)]) for c in tf},
        }
        for _ in range(400)
    ]
    assert splink_model._weights(pa.Table.from_pylist(rows)) == [_row_weights(row) for row in rows]
    without_city = pa.Table.from_pylist(rows).drop_columns(["mw_city", "bf_tf_adj_city"])
    assert all("city" not in weights for weights in splink_model._weights(without_city))


def test_splinks_database_is_closed_when_its_session_ends() -> None:
    """A resolve pauses the cycle collector, and Splink's linker is in reference cycles:
    its in-memory database must be closed, not left for the collector."""
    with session("duckdb", "200MB") as api:
        con = api.duckdb_con
        assert con.execute("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")
    with pytest.raises(ZeroDivisionError), session("duckdb") as api:
        con = api.duckdb_con
        _ = 1 / 0
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


def test_no_database_splink_opens_outlives_its_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splink's base API opens an in-memory DuckDB of its own that the DuckDB API never uses."""
    opened: list[duckdb.DuckDBPyConnection] = []
    connect = duckdb.connect

    def recorded(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(connect(*args, **kwargs))  # type: ignore[arg-type]
        return opened[-1]

    monkeypatch.setattr(duckdb, "connect", recorded)
    with session("duckdb", "200MB"):
        pass
    assert len(opened) == 2  # ours, and the one Splink's base class opens
    for con in opened:
        with pytest.raises(duckdb.ConnectionException):
            con.execute("SELECT 1")


def test_our_splink_database_api_scores_as_splinks_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training and scoring through ``SplinkDuckDB`` (DDL through ``execute``, an input's columns asked once)
    give the pairs, weights, probabilities and trained model that Splink's own ``DuckDBAPI`` gives."""
    from splink import DuckDBAPI

    records = _shop_without_emails(MIN_RECORDS_TO_TRAIN + 100)
    pairs, model = score_all(records, train=True, threshold=0.5)
    monkeypatch.setattr(backend, "SplinkDuckDB", lambda connection: DuckDBAPI(connection=connection))
    own_pairs, own_model = score_all(records, train=True, threshold=0.5)
    assert pairs and [(p.a_profile, p.b_profile, p.weights) for p in pairs] == [
        (p.a_profile, p.b_profile, p.weights) for p in own_pairs
    ]
    assert [p.probability for p in pairs] == pytest.approx([p.probability for p in own_pairs], abs=1e-12)
    assert model is not None and own_model is not None
    trained = [level.get("u_probability") for c in model["comparisons"] for level in c["comparison_levels"]]
    own = [level.get("u_probability") for c in own_model["comparisons"] for level in c["comparison_levels"]]
    assert trained == own  # u sampling: exact counts, the same to the last bit
    for ours, theirs in zip(model["comparisons"], own_model["comparisons"], strict=True):
        for level, own_level in zip(ours["comparison_levels"], theirs["comparison_levels"], strict=True):
            m, own_m = level.pop("m_probability", None), own_level.pop("m_probability", None)
            assert level == own_level
            assert m == own_m or m == pytest.approx(own_m, rel=1e-12)  # EM's parallel sums: the last bits


def test_splinks_ddl_runs_for_its_effect_and_an_inputs_columns_are_each_callers_own() -> None:
    from splink.internals.duckdb.dataframe import DuckDBDataFrame

    with session("duckdb") as api:
        frame = api.register(pa.table({"unique_id": [1, 2], "first_name": ["olena", "ivan"]}))
        columns = frame.columns
        assert [c.unquote().name for c in columns] == ["unique_id", "first_name"]
        asked = DuckDBDataFrame.columns.fget(frame)  # Splink's own, through information_schema
        assert [(c.name, c.name_l, c.tf_name) for c in columns] == [(c.name, c.name_l, c.tf_name) for c in asked]
        columns.pop()
        assert [c.unquote().name for c in frame.columns] == ["unique_id", "first_name"]
        assert api._execute_sql_against_backend("CREATE TABLE made AS SELECT 42 AS answer") is None
        assert api._execute_sql_against_backend("SELECT answer FROM made").fetchall() == [(42,)]
        for name in ("made", frame.physical_name):  # a table Splink made, and the registered input (a view)
            api.delete_table_from_database(name)
            with pytest.raises(duckdb.CatalogException):
                api.duckdb_con.execute(f"SELECT * FROM {name}")


def test_a_comparison_no_pair_can_use_is_left_out_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No record holds a phone or a street, one an email and one a postcode: those comparisons meet every pair in their
    null level. Left out of Splink's model, every pair keeps its probability and its weights (0 for
    them, as their null level weighed), and the stored model holds them with their priors and why."""
    records = [r for r in RECORDS if r.phone is None]
    records[0] = dataclasses.replace(records[0], postcode="01001")
    assert splink_model.idle_comparisons(splink_model.splink_table(Records.of(records))) == {
        "email_local",
        "phone",
        "street",
        "postcode",
    }
    pairs, model = score_all(records, train=False, threshold=0.0)
    monkeypatch.setattr(splink_model, "idle_comparisons", lambda table: frozenset())
    every_pairs, every_model = score_all(records, train=False, threshold=0.0)
    assert [(p.a_profile, p.b_profile, p.weights) for p in pairs] == [
        (p.a_profile, p.b_profile, p.weights) for p in every_pairs
    ]
    assert [p.probability for p in pairs] == pytest.approx([p.probability for p in every_pairs], abs=1e-12)
    assert pairs[0].weights["phone"] == pairs[0].weights["street"] == 0.0
    assert model is not None and every_model is not None
    described = {c["output_column_name"]: c.pop("comparison_description") for c in model["comparisons"]}
    assert described["phone"] == described["postcode"] == splink_model._IDLE
    assert described["name"] == "CustomComparison"
    for comparison in every_model["comparisons"]:
        comparison.pop("comparison_description")
    assert model["comparisons"] == every_model["comparisons"]


def test_every_comparison_idle_keeps_them_all() -> None:
    """With nothing to compare, no comparison is left out (Splink needs one)."""
    empty = [ProfileRecord(n, n, None, None, None, None, None, None, None) for n in (1, 2, 3)]
    assert splink_model.idle_comparisons(splink_model.splink_table(Records.of(empty))) == frozenset()
    assert score_all(empty, train=False, threshold=0.0)[0] == []
