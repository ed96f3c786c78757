"""``erase``, ``export-person``, ``retention run`` and ``suppression lift``: the data subject's rights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from persona360.cli.state import PersonArg, console, fail, print_json, workspace

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
retention = typer.Typer(
    help="Delete events and delivery-only contact identifiers older than their retention rule allows.",
    no_args_is_help=True,
)
suppression = typer.Typer(help="The suppression list of erased people.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("erase")(erase)
    app.command("export-person")(export_person)
    app.add_typer(retention, name="retention")
    app.add_typer(suppression, name="suppression")


def erase(
    person: PersonArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    json: JsonOption = False,
) -> None:
    """Erase a person from every table; keep only a keyed hash so they are not re-created."""
    with workspace() as ws:
        profile_id = ws.profiles.find_person(person)
        if not yes and not typer.confirm(f"Erase profile {profile_id} and everything about it? This cannot be undone"):
            fail("nothing erased", code=1)
        report = ws.privacy.erase(profile_id, actor="cli")
    if json:
        print_json({"profile_id": report.profile_id, **report.detail(), "rewritten": report.rewritten})
        return
    console.print(
        f"Erased profile {report.profile_id}: {report.identifiers} identifiers, "
        f"{sum(report.rows.values())} rows; {report.suppressed} new suppression entries; file rewritten."
    )


def export_person(
    person: PersonArg,
    out: Annotated[Path, typer.Option("--out", help="Write the JSON here (default: stdout).")] = Path("-"),
) -> None:
    """Everything held about a person, with sources and times, as one JSON document."""
    with workspace() as ws:
        document = ws.privacy.export(ws.profiles.find_person(person), actor="cli")
    text = orjson.dumps(document, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    if str(out) == "-":
        typer.echo(text.decode())
        return
    out.write_bytes(text)
    console.print(f"Wrote the export of profile {document['profile_id']} to {out}.")


@retention.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be deleted.")] = False,
    json: JsonOption = False,
) -> None:
    """Apply PERSONA360_RETENTION_DAYS: delete expired events and identifiers, re-derive their profiles."""
    with workspace() as ws:
        report = ws.privacy.retention(dry_run=dry_run, actor="cli")
    if json:
        print_json(report.as_dict())
        return
    verb = "would delete" if dry_run else "deleted"
    for selector, n in report.by_rule.items():
        console.print(f"  {selector}: {n} {'identifiers' if selector.startswith('identifiers:') else 'events'}")
    for item in report.identifiers:
        console.print(f"    profile:{item['profile_id']} {item['kind']} (last record {item['last_at']})")
    for reason, n in report.kept_identifiers.items():
        console.print(f"  kept {n} identifiers: {reason.replace('_', ' ')}")
    console.print(
        f"Retention {verb} {report.events} events and {len(report.identifiers)} identifiers "
        f"of {len(report.profiles)} profiles."
    )
    for selector in report.unknown_sources:
        console.print(f"[yellow]warning:[/] rule {selector} names no source of this workspace")


@suppression.command("lift")
def lift(
    identifier: Annotated[str, typer.Argument(help="The erased identifier (KIND:VALUE or a bare email/phone).")],
) -> None:
    """Let an erased identifier be stored again (the person asked to come back)."""
    with workspace() as ws:
        found = ws.privacy.lift_suppression(identifier, actor="cli")
    console.print("Suppression lifted." if found else "That identifier was not suppressed.")
