"""What the global options decided, and how commands open the workspace and print."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from pydantic_settings.exceptions import SettingsError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from persona360.errors import Persona360Error
from persona360.profiles.reading import PERSON_FORMS
from persona360.settings import load_settings, settings_error_text
from persona360.store.database import MigrationProgress
from persona360.workspace import Workspace

console = Console()
PersonArg = Annotated[str, typer.Argument(help=f"The person: {PERSON_FORMS}.")]
errors = Console(stderr=True)


@dataclass
class State:
    db: Path | None = None


STATE = State()


@contextmanager
def workspace(*, create: bool = False) -> Iterator[Workspace]:
    """Open the workspace named by ``--db`` / ``PERSONA360_DB``; errors end the command."""
    try:
        with migration_bar(errors) as on_migration:
            ws = Workspace(load_settings(db=STATE.db), create=create, on_migration=on_migration)
    except (ValidationError, SettingsError) as error:
        fail(settings_error_text(error))
    except Persona360Error as error:
        fail(str(error))
    try:
        yield ws
    except (Persona360Error, ValueError) as error:
        fail(str(error))
    finally:
        ws.close()


@contextmanager
def migration_bar(shown_on: Console) -> Iterator[MigrationProgress]:
    """A progress bar for the schema migrations of the workspace being opened, on ``shown_on``.

    It starts at the first migration the store announces, so a workspace that is up to
    date (or new) shows nothing. The CLI passes its stderr console: ``--json`` output
    stays one document.
    """
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar = progress_bar(*columns, shown_on=shown_on)

    def step(done: int, total: int, name: str) -> None:
        if not bar.tasks:
            bar.add_task("", total=total)
            bar.start()
        # drawn at once: the next migration may hold the process for minutes
        bar.update(bar.tasks[0].id, completed=done, description=f"Migrating the workspace: {name}", refresh=True)

    try:
        yield step
    finally:
        bar.stop()


def progress_bar(
    *columns: str | ProgressColumn, shown_on: Console, hidden: bool = False, transient: bool = True
) -> Progress:
    """The progress bar of every command: drawn on ``shown_on`` when it is a terminal, else nothing at all.

    Rich ends a bar on a console that is no terminal with a blank line (a bar kept after
    it ends, with its last frame too), so a redirected command's output, a cron job's
    mail and a log got stray lines. ``hidden`` (``--json``) keeps the document alone on
    stdout even on a terminal. Long work that logs its steps (migrations) still does.
    """
    shown = shown_on.is_interactive and not hidden
    return Progress(*columns, console=shown_on, disable=not shown, transient=transient)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and end the command with ``code``."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def warn(warnings: list[str]) -> None:
    """Print each warning of a result (the command still succeeded)."""
    for warning in warnings:
        console.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)


def when(moment: datetime | None) -> str:
    """A moment as a person reads it: ``2026-09-07 00:59 UTC``, or ``-`` when there is none.

    Example:
        >>> when(datetime(2026, 9, 7, 0, 59, 13, 97000, tzinfo=UTC))
        '2026-09-07 00:59 UTC'
    """
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def shown(value: Any) -> str:
    """A trait's value as text for a terminal, not as Python writes it (markup escaped).

    Example:
        >>> shown({"email": False, "sms": True})
        'email: no, sms: yes'
        >>> shown(None), shown(["web", "app"]), shown(2.50)
        ('-', 'web, app', '2.5')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, dict):
        return ", ".join(f"{escape(str(key))}: {shown(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return escape(str(value))


def print_table(table: Table, empty: str) -> None:
    """Print ``table``, or ``empty`` when it has no rows.

    A bare header told a new workspace nothing; ``empty`` says what there is none of and
    the command that makes one, as the web UI's empty states do. ``--json`` prints ``[]``.
    """
    if table.row_count:
        console.print(table)
    else:
        print_empty(empty)


def print_empty(text: str) -> None:
    """Say that a list is empty; the terminal wraps it, so a command in it is never cut by a line break."""
    console.print(text, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Write ``data`` as one line of JSON on stdout."""
    sys.stdout.write(orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")
