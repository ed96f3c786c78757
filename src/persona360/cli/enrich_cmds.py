"""``enrich``: infer traits (gender, phone country, email kind...) for profiles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from persona360.cli.state import console, print_json, progress_bar, workspace

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.command("enrich")(enrich)


def enrich(
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider",
            help=escape(
                "phone, email, name, ip, user_agent, or a remote provider of PERSONA360_ENRICH_PROVIDERS_FILE; "
                "repeat for several [default: every built-in one]."
            ),
        ),
    ] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="Only this segment's members.")] = None,
    json: JsonOption = False,
) -> None:
    """Infer traits for profiles; stored as events of the sources enrich.NAME."""
    columns = (TextColumn("Enriching"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with workspace() as ws, progress_bar(*columns, shown_on=console, hidden=json) as bar:
        task = bar.add_task("enrich", total=None)
        report = ws.enrichment.run(
            provider or None,
            segment=segment,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        ws.privacy.audit("cli", "enrichment.run", "profiles", report.as_dict())
    if json:
        print_json(report.as_dict())
        return
    if not report.consent_checked:
        console.print("[yellow]Consent was not checked: this workspace has no privacy room.[/]")
    console.print(
        f"Enriched {report.enriched} of {report.profiles} profiles: {report.traits_written} traits written, "
        f"{report.skipped_no_consent} profiles without enrichment consent, "
        f"{report.kept_observed} traits kept as observed."
    )
    table = Table("trait", "profiles")
    for name, count in sorted(report.by_trait.items()):
        table.add_row(name, str(count))
    if report.by_trait:
        console.print(table)
