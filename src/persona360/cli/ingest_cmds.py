"""``import``: load a CSV, Parquet or JSON Lines export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from persona360.cli.state import console, fail, print_json, progress_bar, workspace
from persona360.errors import MappingError
from persona360.ingest.importers.mapping import ROLE_CHOICES, parse_mapping
from persona360.ingest.importers.rows import KINDS


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)


def import_file(
    file: Annotated[Path, typer.Argument(help="A .csv, .parquet or .jsonl export.")],
    source: Annotated[str, typer.Option(help="Source name; created when new.")],
    kind: Annotated[str, typer.Option(help=f"What the rows are: {', '.join(KINDS)}.")],
    map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help=escape(f"COLUMN=ROLE, repeatable; a role is one of {ROLE_CHOICES}."),
        ),
    ] = None,
    map_file: Annotated[Path | None, typer.Option(help=escape("TOML file with a [columns] table."))] = None,
    event: Annotated[str | None, typer.Option(help="Event name for --kind events without an event column.")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help=escape("Where to write rejected rows [default: FILE.rejects.csv]."))
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Import customers, orders or events from an export file."""
    if kind not in KINDS:
        fail(f"--kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        mapping = parse_mapping(map or [], map_file)
    except MappingError as error:
        fail(str(error))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with (
        workspace() as ws,
        progress_bar(*columns, shown_on=console, hidden=json) as bar,
    ):
        task = bar.add_task(f"Importing {file.name}", total=None)
        report = ws.ingest.import_file(
            file,
            source=source,
            kind=kind,
            mapping=mapping,
            event_name=event,
            rejects_path=rejects,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if json:
        print_json(report.as_dict())
        return
    console.print(
        f"{file.name}: {report.rows} rows, {report.records} records, {report.stored} stored, "
        f"{report.duplicates} already present, {report.rejected} rejected."
    )
    if report.rejects_path:
        console.print(f"Rejected rows with line numbers and reasons: {report.rejects_path}")
