"""What the global options decided, and how commands open the workspace and print."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from persona360.errors import Persona360Error
from persona360.settings import load_settings
from persona360.workspace import Workspace

console = Console()
errors = Console(stderr=True)


@dataclass
class State:
    db: Path | None = None


STATE = State()


@contextmanager
def workspace(*, create: bool = False) -> Iterator[Workspace]:
    """Open the workspace named by ``--db`` / ``PERSONA360_DB``; errors end the command."""
    try:
        ws = Workspace(load_settings(db=STATE.db), create=create)
    except Persona360Error as error:
        fail(str(error))
    try:
        yield ws
    except (Persona360Error, ValueError) as error:
        fail(str(error))
    finally:
        ws.close()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and end the command with ``code``."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def warn(warnings: list[str]) -> None:
    """Print each warning of a result (the command still succeeded)."""
    for warning in warnings:
        console.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)


def print_json(data: Any) -> None:
    """Write ``data`` as one line of JSON on stdout."""
    sys.stdout.write(orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")
