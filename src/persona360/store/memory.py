"""How much memory a DuckDB database of persona360 may hold, and where it spills beyond that.

DuckDB lets each database cache up to 80% of the machine's memory by default. A process
of persona360 can hold two (the workspace, and the in-memory database Splink matches
in) beside its own identity graph, so a million-person demo grew past the machine's
24 GB and was killed. Every database persona360 opens gets ``Settings.memory_limit``
and a folder to spill to: beside the workspace file (DuckDB's own choice for a file), or
a folder of this process under the system's temporary directory for an in-memory
database (DuckDB's default there is ``.tmp`` in whatever the working directory is).
DuckDB names its spill files by process and removes a folder it created when the
database closes.
"""

from __future__ import annotations

import os
import tempfile

import duckdb

from persona360.errors import WorkspaceError


def spill_folder(path: str) -> str:
    """Where the database at ``path`` (``":memory:"`` or a file) writes what does not fit."""
    if path == ":memory:":
        return os.path.join(tempfile.gettempdir(), f"persona360-spill-{os.getpid()}")
    return f"{path}.tmp"


# The value types ``duckdb.connect(config=...)`` accepts.
Config = dict[str, str | bool | int | float | list[str]]


def bounded_config(memory_limit: str | None, path: str) -> Config:
    """DuckDB ``config`` for a database at ``path`` holding at most ``memory_limit``."""
    if memory_limit is None:
        return {}
    return {"memory_limit": memory_limit, "temp_directory": spill_folder(path)}


def connect_in_memory(memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB database bounded by ``memory_limit`` (Splink's)."""
    try:
        return duckdb.connect(config=bounded_config(memory_limit, ":memory:"))
    except duckdb.Error as error:
        raise WorkspaceError(f"memory_limit {memory_limit!r} is not a DuckDB memory size: {error}") from error
