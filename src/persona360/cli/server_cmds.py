"""``serve``: the tracking and admin API (and later the web UI) in one process."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from persona360.cli.state import console, workspace


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8360,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve the Segment-compatible tracking API and the admin API."""
    import uvicorn  # noqa: PLC0415 - the server stack loads only for this command

    from persona360.api.app import create_app  # noqa: PLC0415

    # uvicorn re-raises SIGTERM after its graceful shutdown; turning it into SystemExit
    # lets the workspace close (and checkpoint) and the process exit 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    with workspace() as ws:
        console.print(f"persona360 serving [bold]{ws.settings.db}[/] on http://{host}:{port}")
        uvicorn.run(
            create_app(ws),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=10,
        )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)
