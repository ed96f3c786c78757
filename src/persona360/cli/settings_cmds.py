"""``settings``: the settings of the shop's data the workspace keeps (currency, rates, phone region)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from persona360.cli.state import console, print_json, shown, warn, workspace
from persona360.settings import WORKSPACE_SETTINGS, parse_setting

settings = typer.Typer(
    help="Settings the workspace keeps, so that the CLI, the server and the web read the same ones "
    f"({', '.join(WORKSPACE_SETTINGS)}). An argument or PERSONA360_* variable wins over them.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
NameArg = Annotated[str, typer.Argument(help=f"One of: {', '.join(WORKSPACE_SETTINGS)}.")]
_EFFECT = "It takes effect the next time the workspace opens (restart a running server)."


def register(app: typer.Typer) -> None:
    app.add_typer(settings, name="settings")


@settings.command("show")
def show(json: JsonOption = False) -> None:
    """Show each setting the workspace may keep: its value, where it comes from, what the workspace keeps."""
    with workspace() as ws:
        rows = ws.configuration.show()
    if json:
        print_json(rows)
        return
    table = Table("setting", "value", "from", "kept in the workspace", title="Settings of the shop's data")
    for row in rows:
        stored = "-" if row["stored"] is None else shown(row["stored"])
        table.add_row(row["name"], shown(row["value"]) or "(none)", row["source"], stored)
    console.print(table)
    for row in rows:
        if row["stored"] is None or row["source"] == "workspace":
            continue
        why = (
            f"the {row['source']} gives it"
            if row["source"] != "default"
            else "the environment or an argument gives the other of reporting_currency and exchange_rates "
            "(the rates convert into that currency, so the two are taken together)"
        )
        console.print(f"[dim]{row['name']}: the value kept is not used while {why}.[/]")


@settings.command("set")
def set_(
    name: NameArg,
    value: Annotated[
        list[str],
        typer.Argument(
            help="The value, as its PERSONA360_* variable takes it; for exchange_rates one 'CUR YYYY-MM-DD RATE' "
            "per argument (or one JSON list)."
        ),
    ],
    json: JsonOption = False,
) -> None:
    """Keep a setting in the workspace (audited), checked as its environment variable is."""
    with workspace() as ws:
        result = ws.configuration.set(name, parse_setting(name, value))
    if json:
        print_json(result)
        return
    console.print(f"{name} is now [bold]{escape(shown(result['value']))}[/] in this workspace. {_EFFECT}")
    warn(result["warnings"])


@settings.command("unset")
def unset(name: NameArg, json: JsonOption = False) -> None:
    """Stop keeping a setting in the workspace (audited): the environment or the default applies again."""
    with workspace() as ws:
        result = ws.configuration.unset(name)
    if json:
        print_json(result)
    elif result["previous"] is None:
        console.print(f"The workspace keeps no {name}: nothing changed.")
    else:
        console.print(f"The workspace no longer keeps {name}. {_EFFECT}")
