"""How much memory a DuckDB database of persona360 may hold, and where it spills beyond that.

DuckDB lets each database cache up to 80% of the machine's memory by default. A process
of persona360 can hold three (the workspace, the in-memory one an import reads its file
with, and the one Splink matches in) beside its own identity graph, so a
million-person demo grew past the machine's 24 GB and was killed. Every database
persona360 opens is connected here, with ``Settings.memory_limit`` and a folder to
spill to: beside the workspace file (DuckDB's own choice for a file), or a folder of
this process under the system's temporary directory for an in-memory database
(DuckDB's default there is ``.tmp`` in whatever the working directory is). DuckDB names
its spill files by process and removes a folder it created when the database closes.
"""

from __future__ import annotations

import os
import tempfile

import duckdb

from persona360.errors import WorkspaceError

# The value types ``duckdb.connect(config=...)`` accepts.
Config = dict[str, str | bool | int | float | list[str]]


def spill_folder(path: str) -> str:
    """Where the database at ``path`` (``":memory:"`` or a file) writes what does not fit."""
    if path == ":memory:":
        return os.path.join(tempfile.gettempdir(), f"persona360-spill-{os.getpid()}")
    return f"{path}.tmp"


def connect_bounded(
    memory_limit: str | None, path: str = ":memory:", *, spill_for: str | None = None, config: Config | None = None
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect(path)`` holding at most ``memory_limit`` (``None``: DuckDB's default).

    Args:
        memory_limit: a DuckDB memory size or share (``Settings.memory_limit``).
        path: the database file, or ``":memory:"``.
        spill_for: the file whose spill folder to use, when it is not ``path`` (an
            encrypted workspace is attached to an in-memory instance).
        config: further DuckDB settings.

    Raises:
        WorkspaceError: DuckDB cannot read ``memory_limit``.
    """
    bounded: Config = {}
    if memory_limit is not None:
        bounded = {"memory_limit": memory_limit, "temp_directory": spill_folder(spill_for or path)}
    try:
        return duckdb.connect(path, config={**bounded, **(config or {})})
    except duckdb.ParserException as error:  # of what we pass, only the memory size is parsed
        raise WorkspaceError(f"memory_limit {memory_limit!r} is not a DuckDB memory size: {error}") from error
