"""The DuckDB file behind a workspace, and the only place that executes SQL.

One :class:`Database` per process holds the DuckDB instance. Writes go through
:meth:`Database.transaction` under one lock (the writer owns it, design rule 5);
reads take a cursor of their own, which DuckDB's MVCC keeps consistent while the
writer commits. :meth:`Database.rewrite` copies the file into a new one and swaps it
in (erasure: DuckDB keeps deleted rows in freed blocks); reads pass a gate that the
rewrite closes, so no thread reads from a connection that is being replaced.

An encrypted workspace (:class:`Encryption`) is attached to an in-memory instance with
DuckDB's ``ENCRYPTION_KEY`` and made every cursor's default catalog.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from persona360.errors import WorkspaceError
from persona360.store.memory import connect_bounded
from persona360.store.schema import MIGRATIONS

Row = tuple[Any, ...]
CATALOG = "ws"  # the alias of an encrypted workspace inside its in-memory instance
# Told before each schema migration an existing workspace still needs: how many of them
# are done, how many there are, the next one's name. The CLI draws a progress bar with it
# (the store only logs), as a migration over a large workspace can take minutes.
MigrationProgress = Callable[[int, int, str], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Encryption:
    """How to open an encrypted workspace file.

    Args:
        key: the DuckDB ``ENCRYPTION_KEY`` (AES-256-GCM).
        allow_mbedtls: DuckDB writes encrypted files only with OpenSSL from its
            ``httpfs`` extension; without it, its built-in mbedtls is refused unless
            this is set (DuckDB calls that mode not securely encrypted).
    """

    key: str
    allow_mbedtls: bool = False


class _Gate:
    """Many readers at once, or one rewrite: a small reader-writer gate."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._closed = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._closed)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def closed(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._closed)
            self._closed = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._closed = False
                self._cond.notify_all()


class Database:
    """An open workspace file.

    Args:
        path: the DuckDB file; ``":memory:"`` for a throw-away workspace.
        create: create the file when it does not exist (otherwise raise).
        encryption: how to open an encrypted file.
        memory_limit: most memory DuckDB may hold for it (``Settings.memory_limit``);
            ``None`` leaves DuckDB's default.
        on_migration: called before each migration the file's schema still needs
            (:data:`MigrationProgress`); never for a new file, which is created, not migrated.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        create: bool = True,
        encryption: Encryption | None = None,
        memory_limit: str | None = None,
        on_migration: MigrationProgress | None = None,
    ) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not create and not Path(self.path).exists():
            raise WorkspaceError(f"no workspace at {self.path}: run `persona360 init --db {self.path}` first")
        self.encryption = encryption if self.path != ":memory:" else None
        self.memory_limit = memory_limit
        self._con = _connect(self.path, self.encryption, memory_limit)
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._gate = _Gate()
        self._generation = 0  # bumped by a rewrite: cursors of older connections are dropped
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._cursors_lock = threading.Lock()
        self._migrate(on_migration)

    # -- reading -----------------------------------------------------------------
    def _reader(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or getattr(self._local, "generation", -1) != self._generation:
            cursor = self._cursor()
            with self._cursors_lock:
                self._cursors.append(cursor)
            self._local.cursor = cursor
            self._local.generation = self._generation
        return cursor

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self._con.cursor()
        if self.encryption is not None:
            cursor.execute(f"USE {CATALOG}")
        return cursor

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[Row]:
        """Run a read query on this thread's cursor and return all rows."""
        with self._gate.reading():
            return self._reader().execute(sql, params).fetchall()

    def query_dicts(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query and return rows as dicts keyed by column name."""
        with self._gate.reading():
            cursor = self._reader().execute(sql, params)
            names = [column[0] for column in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query_arrow(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        """Run a read query and return an Arrow table (for bulk reads)."""
        with self._gate.reading():
            # Through a relation: Arrow from a DB-API result makes an extra copy (DuckDB 2 warns).
            return self._reader().sql(sql, params=params).to_arrow_table()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run a read query returning one value."""
        with self._gate.reading():
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
            cursor = self._cursor()
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

    def rewrite(self) -> None:
        """Copy every table into a fresh file and swap it in, so freed blocks are gone.

        DuckDB reuses the blocks of deleted rows but does not wipe them: after an erasure
        the old values stay in the file until overwritten. Under the write lock and with
        reads held at the gate, the database is copied (``COPY FROM DATABASE``, the same
        encryption), every connection closed, the copy renamed over the file (atomic on
        one file system) and the file opened again. No-op for ``:memory:``.

        Raises:
            WorkspaceError: called inside a transaction (it would copy uncommitted work).
        """
        if self.path == ":memory:":
            return
        with self._write_lock:
            if getattr(self._local, "transaction", None) is not None:
                raise WorkspaceError("rewrite() cannot run inside a transaction")
            with self._gate.closed():
                fresh = f"{self.path}.rewrite"
                _remove(fresh, f"{fresh}.wal")
                self._con.execute("FORCE CHECKPOINT")
                self._con.execute(f"ATTACH {_quote(fresh)} AS __p360__fresh{_attach_options(self.encryption)}")
                source = self._con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
                self._con.execute(f'COPY FROM DATABASE "{source}" TO __p360__fresh')
                self._con.execute("DETACH __p360__fresh")
                self._close_all()
                os.replace(fresh, self.path)
                _remove(f"{self.path}.wal")
                self._con = _connect(self.path, self.encryption, self.memory_limit)
                self._generation += 1

    def close(self) -> None:
        """Close the file; the object is unusable afterwards."""
        with self._write_lock:
            self._con.close()

    def _close_all(self) -> None:
        with self._cursors_lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
        self._con.close()

    def _migrate(self, on_migration: MigrationProgress | None) -> None:
        with self.transaction() as tx:
            applied = _applied(tx)
            pending = [(name, statements) for name, statements in MIGRATIONS if name not in applied]
            for done, (name, statements) in enumerate(pending):
                if applied:  # a new workspace is created, not migrated: nothing to tell
                    log.info("migrating %s: %s (%d of %d)", self.path, name, done + 1, len(pending))
                    if on_migration is not None:
                        on_migration(done, len(pending), name)
                for statement in statements:
                    if statement.startswith("CREATE TABLE IF NOT EXISTS meta"):
                        continue
                    tx.execute(statement)
            if pending:  # one statement for all (a new workspace applies every migration: 0.6 ms each)
                tx.execute("INSERT INTO meta SELECT unnest(?), 'applied'", [[f"migration:{n}" for n, _ in pending]])


def _applied(tx: Transaction) -> set[str]:
    """The names of the migrations the file has had (none for a new one)."""
    tx.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    rows = tx.fetchall("SELECT key FROM meta WHERE starts_with(key, 'migration:')")
    applied = {row[0].removeprefix("migration:") for row in rows}
    legacy = tx.fetchall("SELECT value FROM meta WHERE key = 'schema_version'")
    if legacy:  # workspaces from before named migrations counted them
        applied |= {name for name, _ in MIGRATIONS[: int(legacy[0][0])]}
        tx.execute("DELETE FROM meta WHERE key = 'schema_version'")
        for name in applied:
            tx.execute("INSERT OR REPLACE INTO meta VALUES (?, 'applied')", [f"migration:{name}"])
    return applied


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

    def insert_arrow(self, target: str, rows: pa.Table) -> None:
        """Append the Arrow table ``rows`` to the table ``target`` (same columns, same order).

        One DuckDB call instead of two (register, insert): DuckDB's
        replacement scan finds the table by the name ``p360_rows`` in this frame (a
        stored table of that name would win; there is none). The micro-batches of
        the server pay 0.5-1 ms of CPU per DuckDB call on a loaded 2-core machine, and
        an append writes up to five tables.
        """
        p360_rows = rows  # noqa: F841 - read by DuckDB's replacement scan, by name
        self._cursor.execute(f"INSERT INTO {target} SELECT * FROM p360_rows")

    def execute_arrow(self, sql: str, rows: pa.Table, params: dict[str, Any] | None = None) -> None:
        """Run ``sql``, in which the Arrow table ``rows`` is visible as ``p360_rows``.

        Like :meth:`insert_arrow`, for an ``UPDATE ... FROM`` or a filtered insert.
        """
        p360_rows = rows  # noqa: F841 - read by DuckDB's replacement scan, by name
        self._cursor.execute(sql, params)

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to SQL under ``name`` until the transaction ends.

        There is no unregister: the view ends with the transaction, whose cursor is
        closed, and registering a name again replaces it. Dropping it by hand cost one
        more DuckDB call (0.5-1 ms of CPU on a loaded 2-core machine) per table of every
        micro-batch.
        """
        self._cursor.register(name, table)


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _remove(*paths: str) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _attach_options(encryption: Encryption | None) -> str:
    return "" if encryption is None else f" (ENCRYPTION_KEY {_quote(encryption.key)})"


def _open(path: str, encryption: Encryption | None, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    if encryption is None:
        return connect_bounded(memory_limit, path)
    # The file is attached to an in-memory instance: what spills goes beside the file, encrypted.
    con = connect_bounded(memory_limit, spill_for=path, config={"temp_file_encryption": "true"})
    try:
        con.execute("LOAD httpfs")  # OpenSSL: the crypto DuckDB trusts for writing
    except duckdb.Error:
        if not encryption.allow_mbedtls:
            con.close()
            raise WorkspaceError(
                "an encrypted workspace needs DuckDB's httpfs extension (OpenSSL) to write: run "
                "`INSTALL httpfs` in DuckDB once, or set PERSONA360_ENCRYPTION_ALLOW_MBEDTLS=true "
                "to accept DuckDB's built-in crypto, which DuckDB calls not securely encrypted"
            ) from None
        con.execute("SET force_mbedtls_unsafe = 'true'")
    try:
        con.execute(f"ATTACH {_quote(path)} AS {CATALOG}{_attach_options(encryption)}")
    except duckdb.InvalidInputException as error:
        con.close()
        raise WorkspaceError(f"cannot open the encrypted workspace {path}: {error} (check the key)") from error
    con.execute(f"USE {CATALOG}")
    return con


def _connect(
    path: str, encryption: Encryption | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    try:
        con = _open(path, encryption, memory_limit)
        con.execute("SET TimeZone = 'UTC'")
        # Micro-batches commit often; folding the WAL into the file every 16 MB (the
        # default) made every few commits pay for a checkpoint.
        con.execute("SET checkpoint_threshold = '256MB'")
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WorkspaceError(
                f"the workspace {path} is open in another process (a running "
                "`persona360 serve`?); stop it, or use its web UI or HTTP API"
            ) from error
        raise WorkspaceError(f"cannot open workspace {path}: {error}") from error
    except duckdb.CatalogException as error:
        if "without a key" not in str(error):
            raise
        raise WorkspaceError(
            f"the workspace {path} is encrypted: set PERSONA360_ENCRYPTION_KEY or PERSONA360_ENCRYPTION_KEY_FILE"
        ) from error
    return con
