"""Where Splink runs: DuckDB in this process (the default) or Spark, with the same settings.

DuckDB scores a million profiles on one machine; Spark is for a shop whose records
outgrow it, and runs the very same Splink settings (blocking rules, comparisons,
priors). Locally (``local[*]``) it starts a JVM, which costs tens of seconds, so it
is never the default. Splink's similarity functions (Jaro-Winkler and friends) come
from the jar Splink ships for Spark 4; without it Spark cannot score a name.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI
from splink.internals.duckdb.dataframe import DuckDBDataFrame
from splink.internals.input_column import InputColumn

from persona360.store.memory import connect_bounded

BACKENDS = ("duckdb", "spark")


def database_api(backend: str, memory_limit: str | None = None) -> Any:
    """A fresh Splink database API for ``backend`` (``duckdb`` or ``spark``).

    DuckDB gets an in-memory database of its own, bounded by ``memory_limit``
    (``Settings.memory_limit``): Splink's default connection could take 80% of memory
    beside the workspace's.
    """
    if backend == "duckdb":
        return SplinkDuckDB(connection=connect_bounded(memory_limit))
    if backend == "spark":
        from splink import SparkAPI

        return SparkAPI(spark_session=_spark_session())  # type: ignore[no-untyped-call]
    raise ValueError(f"resolution backend {backend!r} is not one of {', '.join(BACKENDS)}")


# A statement Splink runs for its effect alone: a table it materialises, one it drops.
_DDL = re.compile(r"\s*(CREATE|DROP)\s", re.IGNORECASE)


class SplinkDuckDB(DuckDBAPI):
    """Splink's DuckDB API without two costs of its generic path; the statements and their results are the same.

    - A statement Splink runs only for its effect (``CREATE TABLE ... AS``, ``DROP``)
      goes to ``execute``. Splink sends every statement through ``sql``, which parses it
      to decide whether it can be a lazy relation, and DuckDB then parses it again to run
      it; Splink never reads what a DDL statement returns. DuckDB's parser costs about
      0.7 ms a kilobyte, and a prediction query alone is 11 kB: the second parse of
      FEBRL3's ~100 statements cost ~0.05 s of its 1.9 s.
    - A registered Arrow table's columns are its schema's (:class:`_InputFrame`).
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        super().__init__(connection=connection)
        # Splink's base class opens an in-memory DuckDB of its own (``_ddb_con``) that the
        # DuckDB API never uses (it answers ``duckdb_con`` with ``connection``); left open,
        # its database and worker threads lived until the cycle collector freed the API,
        # one per resolve in a server. Closed here, and ours stands in for it.
        self._ddb_con.close()
        self._ddb_con = connection
        self._inputs: dict[str, tuple[str, ...] | None] = {}

    def _execute_sql_against_backend(self, final_sql: str) -> Any:
        if _DDL.match(final_sql):
            self.duckdb_con.execute(final_sql)
            return None
        return super()._execute_sql_against_backend(final_sql)

    def _table_registration(self, table: Any, table_name: str) -> None:
        super()._table_registration(table, table_name)
        self._inputs[table_name] = tuple(table.column_names) if isinstance(table, pa.Table) else None

    def table_to_splink_dataframe(self, templated_name: str, physical_name: str) -> DuckDBDataFrame:
        if physical_name in self._inputs:
            return _InputFrame(templated_name, physical_name, self, self._inputs[physical_name])
        return super().table_to_splink_dataframe(templated_name, physical_name)


class _InputFrame(DuckDBDataFrame):
    """A registered input table, whose columns never change while it is registered.

    Splink asks for an input's columns before each query it writes (12 times on
    FEBRL3), each time through ``information_schema`` and a SQLGlot parse of every
    column name: ~5 ms a time, ~13 ms the first time on a new connection. An Arrow
    table's are its schema's names (the view DuckDB registers has those columns, in
    that order); anything else is asked once. Each caller gets its own list.
    """

    def __init__(self, templated_name: str, physical_name: str, api: SplinkDuckDB, names: Sequence[str] | None) -> None:
        super().__init__(templated_name, physical_name, api)
        self._names = names
        self._known: tuple[InputColumn, ...] | None = None

    @property
    def columns(self) -> list[InputColumn]:
        if self._known is None:
            if self._names is None:
                self._known = tuple(super().columns)
            else:
                self._known = tuple(InputColumn(name, sqlglot_dialect_str="duckdb") for name in self._names)
        return list(self._known)


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
