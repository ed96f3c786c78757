"""``sources`` and ``tokens``: write keys and admin tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from persona360.access.keys import SCOPES
from persona360.cli.state import console, print_json, print_table, workspace

sources = typer.Typer(help="Sources of events, each with its own write key.", no_args_is_help=True)
tokens = typer.Typer(help="Admin tokens for the admin API.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(sources, name="sources")
    app.add_typer(tokens, name="tokens")


@sources.command("add")
def add_source(name: str, json: JsonOption = False) -> None:
    """Create a source and print its write key (shown only once)."""
    with workspace() as ws:
        source, key = ws.access.add_source(name)
        ws.privacy.audit("cli", "access.source_add", f"source:{source.name}")
    if json:
        print_json({"source_id": source.source_id, "name": source.name, "write_key": key})
    else:
        console.print(f"Source [bold]{source.name}[/] created. Write key (shown once):")
        print(key)  # noqa: T201 - the key alone on its own line, for scripts


@sources.command("list")
def list_sources(json: JsonOption = False) -> None:
    """List sources with their event counts."""
    with workspace() as ws:
        rows = ws.access.sources()
    if json:
        print_json(rows)
        return
    table = Table("id", "name", "events", "last event", "created")
    for row in rows:
        table.add_row(
            str(row["source_id"]),
            str(row["name"]),
            str(row["events"]),
            str(row["last_event_at"] or "-"),
            str(row["created_at"]),
        )
    print_table(
        table, "No sources yet: add one with `persona360 sources add NAME` (or `persona360 import --source NAME`)."
    )


@tokens.command("create")
def create_token(
    scope: Annotated[list[str], typer.Option("--scope", help=f"One of: {', '.join(SCOPES)}.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "",
    json: JsonOption = False,
) -> None:
    """Create an admin token and print it (shown only once)."""
    with workspace() as ws:
        token = ws.access.create_token(scope, name)
        ws.privacy.audit("cli", "access.token_create", "tokens", {"name": name, "scopes": scope})  # never the token
    if json:
        print_json({"token": token, "scopes": scope})
    else:
        console.print(f"Token with scope(s) {', '.join(scope)} (shown once):")
        print(token)  # noqa: T201 - the token alone on its own line, for scripts


@tokens.command("list")
def list_tokens(json: JsonOption = False) -> None:
    """List admin tokens (never their secret)."""
    with workspace() as ws:
        rows = ws.access.tokens()
    if json:
        print_json(rows)
        return
    table = Table("id", "name", "scopes", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row["token_id"]),
            str(row["name"]),
            ", ".join(row["scopes"]),  # type: ignore[arg-type]
            str(row["created_at"]),
            str(row["revoked_at"] or "-"),
        )
    print_table(table, "No admin tokens yet: create one with `persona360 tokens create --scope SCOPE`.")


@tokens.command("revoke")
def revoke_token(token_id: int) -> None:
    """Revoke an admin token by its id."""
    with workspace() as ws:
        ws.access.revoke_token(token_id)
        ws.privacy.audit("cli", "access.token_revoke", "tokens", {"token_id": token_id})
    console.print(f"Token {token_id} revoked.")
