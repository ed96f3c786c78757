"""``personas build|list|show|export|drift|refresh``: discover personas, read their cards, follow their drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from persona360.cli.state import console, fail, print_json, print_table, workspace
from persona360.errors import NotFoundError
from persona360.personas.export import card_markdown, drift_markdown
from persona360.store.money import shares_text

personas = typer.Typer(help="Discover customer personas and read their cards.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(personas, name="personas")


@personas.command("build")
def build(
    k: Annotated[int | None, typer.Option(help="A fixed number of personas (skips the search).")] = None,
    k_min: Annotated[int | None, typer.Option(help=escape("Fewest personas tried [default: setting]."))] = None,
    k_max: Annotated[int | None, typer.Option(help=escape("Most personas tried [default: setting]."))] = None,
    bootstraps: Annotated[int, typer.Option(help="Resamples of the stability check (0 skips it).")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    json: JsonOption = False,
) -> None:
    """Cluster customers by behaviour, name the clusters and store a new model version."""
    with workspace() as ws:
        options = ws.personas.options(k=k, k_min=k_min, k_max=k_max, bootstraps=bootstraps, seed=seed)
        stored = ws.personas.build(options, progress=None if json else lambda step: console.print(f"… {step}"))
        detail = {"version": stored["version"], "profiles": stored["profiles"]}
        ws.privacy.audit("cli", "persona.build", "profiles", detail)
    if json:
        print_json({key: stored[key] for key in ("version", "k", "profiles", "report")})
        return
    stability = stored["report"]["stability"]
    console.print(
        f"Model v{stored['version']}: {stored['k']} personas from {stored['profiles']} customers"
        + (f", bootstrap ARI {stability['ari_mean']:.2f}" if stability.get("bootstraps") else "")
        + "; see `persona360 personas list`."
    )


@personas.command("list")
def list_(json: JsonOption = False) -> None:
    """The latest model's personas."""
    with workspace() as ws:
        try:
            rows = ws.personas.list()
        except NotFoundError:  # no model yet: an empty list, said as every list command says it
            rows = []
    if json:
        print_json(rows)
        return
    table = Table("#", "name", "customers", "share", "revenue", "archetype")
    for row in rows:
        best = row["archetypes"][0] if row["archetypes"] else None
        table.add_row(
            str(row["persona"]),
            row["name"],
            str(row["size"]),
            f"{row['share']:.1%}",
            shares_text(row["revenue_shares"]),
            f"{best['archetype']} ({best['confidence']:.0%})" if best else "-",
        )
    print_table(table, "No personas yet: build them with `persona360 personas build`.")


@personas.command("show")
def show(persona: Annotated[str, typer.Argument(help="Number, name or key (v1-p0) of the persona.")]) -> None:
    """One persona card, as Markdown."""
    with workspace() as ws:
        card = ws.personas.show(persona)
    console.print("\n".join(line for line in card_markdown(card) if not line.startswith("<svg")))
    if card["stale"]:
        console.print(f"The model is {card['age_days']} days old: rebuild with `persona360 personas build`.")


@personas.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """The latest model's cards (with SVG avatars) as Markdown or JSON."""
    if fmt not in ("md", "json"):
        raise fail(f"--format {fmt!r}: use md or json")
    with workspace() as ws:
        text = ws.personas.export(fmt)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Wrote {out}")


@personas.command("drift")
def drift(
    version: Annotated[int | None, typer.Option(help=escape("A model version [default: the latest]."))] = None,
    json: JsonOption = False,
) -> None:
    """How a model version differs from the one before it."""
    with workspace() as ws:
        report = ws.personas.drift(version)
    if json:
        print_json({"drift": report})
        return
    if report is None:
        console.print("This is the first model version: there is nothing to compare it with.")
        return
    console.print("\n".join(drift_markdown(report)))


@personas.command("refresh")
def refresh(json: JsonOption = False) -> None:
    """Score customers changed since the last build or refresh against the latest model."""
    with workspace() as ws:
        done = ws.personas.refresh()
        ws.privacy.audit("cli", "persona.refresh", "profiles", done)
    if json:
        print_json(done)
        return
    console.print(f"{done['profiles']} customers scored against model v{done['version']}.")
