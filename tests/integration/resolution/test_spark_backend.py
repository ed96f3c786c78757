"""The same Splink model on Spark (local mode) scores the same pairs as on DuckDB.

Slow: it starts a JVM (tens of seconds, minutes on a loaded machine). Skipped where
Java or pyspark is missing.
"""

from __future__ import annotations

import shutil

import pytest

from persona360.resolution.backend import database_api
from persona360.resolution.model import score_pairs
from persona360.resolution.records import ProfileRecord

pytest.importorskip("pyspark")
pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")


def _record(pid: int, first: str, last: str, **fields: str) -> ProfileRecord:
    values = {k: fields.get(k) for k in ("email_local", "phone", "birthday", "city", "postcode")}
    return ProfileRecord(pid, pid * 10, first, last, **values)


RECORDS = [
    _record(1, "olena", "kovalenko", email_local="olenak", birthday="1990-03-04", city="kiiv"),
    _record(2, "olena", "kovalenko", city="kiiv", birthday="1990-03-04"),  # name_key of Олена Коваленко
    _record(3, "ivan", "petrenko", birthday="1980-01-01", city="lviv"),
    _record(4, "ivan", "petrenko", birthday="1975-05-05", city="odesa"),
    _record(5, "maria", "bondar"),  # nothing but a name in the way of a real match
]


def test_spark_scores_the_same_pairs_as_duckdb() -> None:
    on_duckdb = score_pairs(RECORDS, train=False, threshold=0.0)
    on_spark = score_pairs(RECORDS, train=False, threshold=0.0, backend="spark")
    assert [(p.a_profile, p.b_profile) for p in on_spark] == [(p.a_profile, p.b_profile) for p in on_duckdb]
    assert [(p.a_profile, p.b_profile) for p in on_spark][:1] == [(1, 2)]
    for spark_pair, duck_pair in zip(on_spark, on_duckdb, strict=True):
        assert spark_pair.probability == pytest.approx(duck_pair.probability, abs=1e-9)
        assert spark_pair.weights == pytest.approx(duck_pair.weights, abs=1e-6)


def test_an_unknown_backend_is_named() -> None:
    with pytest.raises(ValueError, match="resolution backend 'postgres' is not one of duckdb, spark"):
        database_api("postgres")
