"""``demo``: build the demo shop, run it through the pipeline, summarise, serve."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from persona360.cli.state import STATE, console, print_json
from persona360.settings import load_settings


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    customers: Annotated[int, typer.Option(help="People to simulate.")] = 10_000,
    days: Annotated[int, typer.Option(help="Days of activity, ending today.")] = 90,
    seed: Annotated[int, typer.Option(help="The same seed writes byte-identical exports.")] = 42,
    out: Annotated[Path, typer.Option(help="Folder for the exports, truth and workspace.")] = Path("demo-shop"),
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards.")] = True,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8360,
    json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Build a realistic, fragmented demo shop and run it through everything persona360 has."""
    from persona360.demo import DemoSpec  # noqa: PLC0415 - Faker loads only for the demo
    from persona360.demo.pipeline import run_demo  # noqa: PLC0415

    end = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
    spec = DemoSpec(customers=customers, days=days, seed=seed, end=end)
    settings = load_settings(db=STATE.db or out / "persona360.duckdb")
    out.mkdir(parents=True, exist_ok=True)
    columns = (
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=json) as bar:
        tasks: dict[str, int] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = run_demo(spec, out, settings, step)
    if json:
        print_json(report.as_dict())
    else:
        _print_summary(report.as_dict())
    if serve:
        _serve(settings.db, port)


def _print_summary(report: dict[str, object]) -> None:
    sources = Table("source", "records", "stored", "rejected", "via", title="Records read per source")
    for name, row in report["sources"].items():  # type: ignore[attr-defined]
        sources.add_row(name, str(row["records"]), str(row["stored"]), str(row["rejected"]), row["via"])
    console.print(sources)
    score = report["stitching"]
    if score:
        console.print(
            f"[bold]{report['profiles']:,}[/] profiles from {report['events']:,} events; "
            f"the truth has [bold]{score['people']:,}[/] people.\n"  # type: ignore[index]
            f"Stitching against the truth: precision {score['precision']:.4f}, "  # type: ignore[index]
            f"recall {score['recall']:.4f}, F1 {score['f1']:.4f}; "  # type: ignore[index]
            f"{score['people_in_one_profile']:.1%} of people are in exactly one profile, "  # type: ignore[index]
            f"{score['profiles_of_one_person']:.1%} of profiles hold exactly one person."  # type: ignore[index]
        )
    segments = Table("segment", "members", title="Live segments")
    for name, size in report["segments"].items():  # type: ignore[attr-defined]
        segments.add_row(name, f"{size:,}")
    rfm = Table("RFM segment", "buyers", title="RFM")
    for name, size in report["rfm"].items():  # type: ignore[attr-defined]
        rfm.add_row(name, f"{size:,}")
    console.print(segments, rfm)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in report["seconds"].items())  # type: ignore[attr-defined]
    console.print(f"[dim]{timings}[/]")


def _serve(db: Path, port: int) -> None:
    import uvicorn  # noqa: PLC0415

    from persona360.api.app import create_app  # noqa: PLC0415
    from persona360.workspace import Workspace  # noqa: PLC0415

    with Workspace(load_settings(db=db)) as ws:
        token = ws.access.create_token(["admin"], "demo")
        console.print(
            f"\nServing the demo shop on http://127.0.0.1:{port} (Ctrl+C to stop).\n"
            f"Admin token: {token}\n"
            f"Try: curl -H 'Authorization: Bearer {token}' "
            f"'http://127.0.0.1:{port}/v1/profiles?sort=revenue&limit=5'"
        )
        uvicorn.run(create_app(ws), host="127.0.0.1", port=port, log_level="warning")
