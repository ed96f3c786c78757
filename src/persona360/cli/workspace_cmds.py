"""``init`` and ``rebuild``."""

from __future__ import annotations

from typing import Annotated

import typer

from persona360.cli.state import console, print_json, progress_bar, workspace

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("rebuild")(rebuild)


def init(json: JsonOption = False) -> None:
    """Create a workspace (a DuckDB file) or check an existing one."""
    with workspace(create=True) as ws:
        info = {"db": str(ws.settings.db), "profiles": ws.profiles.count()}
    if json:
        print_json(info)
    else:
        console.print(f"Workspace ready at [bold]{info['db']}[/] ({info['profiles']} profiles).")


def rebuild(json: JsonOption = False) -> None:
    """Rebuild the identity graph and every profile from the stored events."""
    with workspace() as ws, progress_bar(shown_on=console, hidden=json) as bar:
        task = bar.add_task("Replaying events", total=None)
        replayed = ws.profiles.rebuild(progress=lambda done, total: bar.update(task, completed=done, total=total))
        info = {"events": replayed, "profiles": ws.profiles.count()}
        ws.privacy.audit("cli", "workspace.rebuild", "profiles", info)
    if json:
        print_json(info)
    else:
        console.print(f"Rebuilt {info['profiles']} profiles from {info['events']} events.")
