"""Where Splink runs: DuckDB in this process (the default) or Spark, with the same settings.

DuckDB scores a million profiles on one machine; Spark is for a shop whose records
outgrow it, and runs the very same Splink settings (blocking rules, comparisons,
priors). Locally (``local[*]``) it starts a JVM, which costs tens of seconds, so it
is never the default. Splink's similarity functions (Jaro-Winkler and friends) come
from the jar Splink ships for Spark 4; without it Spark cannot score a name.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pyarrow as pa

from persona360.store.memory import connect_bounded

BACKENDS = ("duckdb", "spark")


def database_api(backend: str, memory_limit: str | None = None) -> Any:
    """A fresh Splink database API for ``backend`` (``duckdb`` or ``spark``).

    DuckDB gets an in-memory database of its own, bounded by ``memory_limit``
    (``Settings.memory_limit``): Splink's default connection could take 80% of memory
    beside the workspace's.
    """
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection=connect_bounded(memory_limit))
    if backend == "spark":
        from splink import SparkAPI

        return SparkAPI(spark_session=_spark_session())  # type: ignore[no-untyped-call]
    raise ValueError(f"resolution backend {backend!r} is not one of {', '.join(BACKENDS)}")


@contextmanager
def session(backend: str, memory_limit: str | None = None) -> Iterator[Any]:
    """:func:`database_api` for one scoring run; DuckDB's database is closed when it ends.

    Splink's linker and its frames refer to one another, so the in-memory database (the
    records, the blocked pairs, the predictions) would live until the cycle collector
    next ran, and a resolve keeps the collector paused: at 95,220 profiles it held
    ~400 MB through the merge writes (peak 749 → 935 MB). The caller takes out what it
    needs (Arrow tables, the model as JSON) before the block ends.
    """
    api = database_api(backend, memory_limit)
    try:
        yield api
    finally:
        if backend == "duckdb":
            api.duckdb_con.close()


def register(api: Any, table: pa.Table) -> Any:
    """Hand ``table`` (Splink records, all text but ``unique_id``) to ``api``.

    DuckDB reads the Arrow table as it is. Spark cannot infer a column's type when
    every value in it is null (a shop without birthdays), so it gets the schema spelt out.
    """
    if type(api).__name__ != "SparkAPI":
        return api.register(table)
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField(c, LongType() if c == "unique_id" else StringType()) for c in table.column_names])
    frame = api.spark.createDataFrame([tuple(row.values()) for row in table.to_pylist()], schema=schema)
    return api.register(frame)


@cache
def _spark_session() -> Any:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[*]")
        .appName("persona360-resolve")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.jars", similarity_jar_location())
        .getOrCreate()
    )
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="persona360-spark-"))
    return session
