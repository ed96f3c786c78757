"""Segments on Spark: the SQL that ``segments/compile.py`` builds, run by PySpark.

DuckDB stays the store. For Spark, the five relations a compiled condition reads
(``seg_profiles``, ``seg_traits``, ``seg_events``, ``seg_members``, ``seg_consent``) are exported from
the workspace file as Parquet, read back by Spark and registered as temporary views
under the same names, so the very same query (rendered in Spark's dialect) runs on
both engines.

pyspark is an optional extra (``pip install persona360[spark]``): it is imported
inside functions only, so ``import persona360`` works without it.

Example:
    >>> from persona360.store.spark import SparkEngine  # doctest: +SKIP
    >>> engine = SparkEngine.local()  # doctest: +SKIP
    >>> engine.load(ws.db, tmp_folder)  # doctest: +SKIP
    >>> engine.members(parse_condition("orders_count >= 3"), catalogue, now)  # doctest: +SKIP
    {12, 40, 77}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import ErrorLevel
from sqlglot.errors import UnsupportedError

from persona360.errors import Persona360Error
from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import SCOPE_TABLE, compile_condition
from persona360.segments.computed import ComputedSpec, computed_sql
from persona360.segments.nodes import Node

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from persona360.store.database import Database

ENGINE = "spark"
# The relations of segments/compile.py; JSON is written as text, which both engines read.
RELATIONS: dict[str, str] = {
    "seg_profiles": "SELECT * FROM seg_profiles",
    "seg_traits": "SELECT * FROM seg_traits",
    "seg_events": (
        "SELECT profile_id, type, event, ts, CAST(properties AS VARCHAR) AS properties, seq, happened_at "
        "FROM seg_events"
    ),
    "seg_members": "SELECT * FROM seg_members",
    "seg_consent": "SELECT * FROM seg_consent",
}


class UnsupportedFeatureError(Persona360Error):
    """An engine cannot run part of a condition.

    Attributes:
        engine: the engine's name (``"spark"``).
        feature: what it cannot do, in the words of the condition language or SQL.
    """

    def __init__(self, engine: str, feature: str, detail: str = "") -> None:
        message = f"the {engine} engine does not support {feature}"
        super().__init__(message + (f": {detail}" if detail else ""))
        self.engine = engine
        self.feature = feature


def local_session(cores: int = 2, app_name: str = "persona360", *, small_data: bool = False) -> SparkSession:
    """A Spark session in local mode, configured for exact, quiet segment queries.

    Args:
        cores: worker threads (``local[cores]``).
        app_name: the name Spark shows for the application.
        small_data: tune for relations of a few thousand rows (tests): one shuffle
            partition and no generated code, which halves the time of a query there.

    Raises:
        UnsupportedFeatureError: when pyspark is not installed.
    """
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415 - optional extra, loaded lazily
    except ImportError as error:
        raise UnsupportedFeatureError(
            ENGINE, "running without pyspark", "install the extra: pip install 'persona360[spark]'"
        ) from error
    builder: Any = SparkSession.builder
    session: SparkSession = (
        builder.master(f"local[{cores}]")
        .appName(app_name)
        # "now" and epoch microseconds are UTC everywhere; a local zone would shift
        # every TIMESTAMP literal and time-trait cast against DuckDB's results.
        .config("spark.sql.session.timeZone", "UTC")
        # No web UI: nobody looks at it in tests or benchmarks, and it takes a port.
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The default 200 shuffle partitions means 200 tiny tasks per join or group by;
        # on a laptop-sized segment they cost more than the work itself.
        .config("spark.sql.shuffle.partitions", "1" if small_data else str(max(2, cores)))
        .config("spark.default.parallelism", str(max(2, cores)))
        # On a few thousand rows, compiling generated Java for each query and re-planning
        # it adaptively take longer than running it interpreted as planned.
        .config("spark.sql.codegen.wholeStage", str(not small_data).lower())
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN" if small_data else "FALLBACK")
        .config("spark.sql.adaptive.enabled", str(not small_data).lower())
        # Bind to loopback: no firewall prompt, no dependence on the host name resolving,
        # and nothing listens on the network.
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        # A bad cast must fail loudly (as in DuckDB), not turn into NULL and shrink a
        # segment silently; compile.py uses TRY_CAST where NULL is meant.
        .config("spark.sql.ansi.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def export_relations(db: Database, folder: Path) -> dict[str, Path]:
    """Write the five segment relations of a workspace as Parquet files into ``folder``.

    Args:
        db: the workspace's database (``ws.db``).
        folder: where to write ``seg_profiles.parquet`` and the others (created).

    Returns:
        The path of each relation's file, by relation name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, select in RELATIONS.items():
        path = folder / f"{name}.parquet"
        quoted = str(path).replace("'", "''")
        db.query(f"COPY ({select}) TO '{quoted}' (FORMAT parquet)")
        paths[name] = path
    return paths


class SparkEngine:
    """Evaluates segment conditions on Spark over a snapshot of a workspace.

    Args:
        session: the Spark session to use; see :func:`local_session`.
    """

    name = ENGINE

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    @classmethod
    def local(cls, cores: int = 2) -> SparkEngine:
        """An engine on a local-mode session (see :func:`local_session`)."""
        return cls(local_session(cores))

    def load(self, db: Database, folder: Path) -> None:
        """Snapshot the workspace's segment relations into ``folder`` and register them."""
        for name, path in export_relations(db, folder).items():
            self.register(name, self.session.read.parquet(str(path)))

    def register(self, name: str, frame: DataFrame) -> None:
        """Make ``frame`` visible to the compiled SQL as ``name``."""
        frame.createOrReplaceTempView(name)

    def members_sql(self, node: Node, catalogue: Catalogue, now: datetime, *, scoped: bool = False) -> str:
        """The compiled query in Spark's dialect; SQLGlot's gaps raise, never degrade."""
        query = compile_condition(node, catalogue, now, scoped=scoped)
        try:
            return query.sql(dialect=ENGINE, unsupported_level=ErrorLevel.RAISE)
        except UnsupportedError as error:
            raise UnsupportedFeatureError(ENGINE, "part of this condition", str(error)) from error

    def members(
        self,
        node: Node,
        catalogue: Catalogue,
        now: datetime,
        scope: Iterable[int] | None = None,
    ) -> set[int]:
        """The ``profile_id`` of every profile matching ``node`` as of ``now``.

        Args:
            node: the parsed condition.
            catalogue: names the workspace knows (unknown ones raise ConditionError).
            now: the evaluation time.
            scope: only these profiles (as the micro-batch path of DuckDB does).

        Raises:
            UnsupportedFeatureError: the condition needs something Spark cannot do.
        """
        scoped = scope is not None
        sql = self.members_sql(node, catalogue, now, scoped=scoped)
        if scoped:
            ids = [(int(profile_id),) for profile_id in sorted(set(scope or ()))]
            frame = self.session.createDataFrame(ids, "profile_id BIGINT")
            self.register(SCOPE_TABLE, frame)
        try:
            return {int(row[0]) for row in self._run(sql)}
        finally:
            if scoped:
                self.session.catalog.dropTempView(SCOPE_TABLE)

    def computed(self, spec: ComputedSpec, now: datetime) -> dict[int, str]:
        """The value of computed trait ``spec`` per profile, as DuckDB stores it in ``computed_values``."""
        sql = computed_sql(spec, now, scoped=False).sql(dialect=ENGINE, unsupported_level=ErrorLevel.RAISE)
        return {int(row[0]): str(row[1]) for row in self._run(sql)}

    def _run(self, sql: str) -> list[Any]:
        from pyspark.errors import AnalysisException  # noqa: PLC0415 - optional extra

        try:
            return self.session.sql(sql).collect()
        except AnalysisException as error:
            # SQL that SQLGlot rendered but Spark refuses (a missing function, a type it
            # will not coerce): an engine gap, named as such rather than a stack trace.
            feature = error.getCondition() or "this query"
            raise UnsupportedFeatureError(ENGINE, feature, str(error).splitlines()[0]) from error
