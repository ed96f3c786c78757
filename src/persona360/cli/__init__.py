"""The ``persona360`` command line: wiring from commands to the Workspace, nothing more.

One module per command group; global options (``--db``) live here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from persona360.cli import (
    access_cmds,
    activation_cmds,
    demo_cmds,
    enrich_cmds,
    erasure_cmds,
    ingest_cmds,
    personas_cmds,
    predict_cmds,
    privacy_cmds,
    profile_cmds,
    resolve_cmds,
    segment_cmds,
    server_cmds,
    survey_cmds,
    workspace_cmds,
)
from persona360.cli.state import STATE

app = typer.Typer(
    name="persona360",
    help="A self-hosted Customer Data Platform for small and mid-size e-commerce.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _global(
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="PERSONA360_DB", help="Workspace file [default: ./persona360.duckdb]."),
    ] = None,
) -> None:
    STATE.db = db


workspace_cmds.register(app)
access_cmds.register(app)
activation_cmds.register(app)
ingest_cmds.register(app)
profile_cmds.register(app)
server_cmds.register(app)
segment_cmds.register(app)
demo_cmds.register(app)
enrich_cmds.register(app)
predict_cmds.register(app)
personas_cmds.register(app)
privacy_cmds.register(app)
erasure_cmds.register(app)
survey_cmds.register(app)
resolve_cmds.register(app)


def main() -> None:
    """Entry point of the ``persona360`` script."""
    app()
