"""The DuckDB file behind a workspace, and the only place that executes SQL.

One :class:`Database` per process holds the DuckDB instance. Writes go through
:meth:`Database.transaction` under one lock (the writer owns it, design rule 5);
reads take a cursor of their own, which DuckDB's MVCC keeps consistent while the
writer commits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from persona360.errors import WorkspaceError
from persona360.store.schema import MIGRATIONS

Row = tuple[Any, ...]


class Database:
    """An open workspace file.

    Args:
        path: the DuckDB file; ``":memory:"`` for a throw-away workspace.
        create: create the file when it does not exist (otherwise raise).
    """

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not create and not Path(self.path).exists():
            raise WorkspaceError(f"no workspace at {self.path}: run `persona360 init --db {self.path}` first")
        self._con = _connect(self.path)
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._migrate()

    # -- reading -----------------------------------------------------------------
    def _reader(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._con.cursor()
            self._local.cursor = cursor
        return cursor

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[Row]:
        """Run a read query on this thread's cursor and return all rows."""
        return self._reader().execute(sql, params).fetchall()

    def query_dicts(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query and return rows as dicts keyed by column name."""
        cursor = self._reader().execute(sql, params)
        names = [column[0] for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query_arrow(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        """Run a read query and return an Arrow table (for bulk reads)."""
        return self._reader().execute(sql, params).to_arrow_table()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run a read query returning one value."""
        rows = self._reader().execute(sql, params).fetchall()
        return rows[0][0] if rows else None

    # -- writing -----------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Open the single write transaction; commit on success, roll back on error.

        A transaction opened inside another one on the same thread joins it, so a
        long job (a rebuild) can make many writer calls atomic.
        """
        with self._write_lock:
            current = getattr(self._local, "transaction", None)
            if current is not None:
                yield current
                return
            cursor = self._con.cursor()
            cursor.execute("BEGIN TRANSACTION")
            self._local.transaction = Transaction(cursor)
            try:
                yield self._local.transaction
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")
            finally:
                self._local.transaction = None
                cursor.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and reclaim freed blocks."""
        with self._write_lock:
            self._con.execute("FORCE CHECKPOINT")

    def close(self) -> None:
        """Close the file; the object is unusable afterwards."""
        with self._write_lock:
            self._con.close()

    def _migrate(self) -> None:
        with self.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            rows = tx.fetchall("SELECT key FROM meta WHERE starts_with(key, 'migration:')")
            applied = {row[0].removeprefix("migration:") for row in rows}
            legacy = tx.fetchall("SELECT value FROM meta WHERE key = 'schema_version'")
            if legacy:  # workspaces from before named migrations counted them
                applied |= {name for name, _ in MIGRATIONS[: int(legacy[0][0])]}
                tx.execute("DELETE FROM meta WHERE key = 'schema_version'")
                for name in applied:
                    tx.execute("INSERT OR REPLACE INTO meta VALUES (?, 'applied')", [f"migration:{name}"])
            for name, statements in MIGRATIONS:
                if name in applied:
                    continue
                for statement in statements:
                    if statement.startswith("CREATE TABLE IF NOT EXISTS meta"):
                        continue
                    tx.execute(statement)
                tx.execute("INSERT INTO meta VALUES (?, 'applied')", [f"migration:{name}"])


class Transaction:
    """The write cursor inside :meth:`Database.transaction`."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        self._cursor.execute(sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[Row]:
        return self._cursor.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Row | None:
        # fetchall: DuckDB refuses new work on a cursor whose result is not drained
        rows = self._cursor.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to SQL under ``name`` for this transaction."""
        self._cursor.register(name, table)

    def unregister(self, name: str) -> None:
        self._cursor.unregister(name)


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(path)
        con.execute("SET TimeZone = 'UTC'")
        # Micro-batches commit often; folding the WAL into the file every 16 MB (the
        # default) made every few commits pay for a checkpoint.
        con.execute("SET checkpoint_threshold = '256MB'")
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WorkspaceError(
                f"the workspace {path} is open in another process (a running "
                "`persona360 serve`?); stop it or use its HTTP API"
            ) from error
        raise WorkspaceError(f"cannot open workspace {path}: {error}") from error
    return con
