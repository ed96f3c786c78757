"""``demo``: build the demo shop, run it through the pipeline, summarise, serve."""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from persona360.cli.state import STATE, console, print_json, progress_bar
from persona360.clock import Clock, ShiftedClock
from persona360.settings import Settings, load_settings

if TYPE_CHECKING:
    from persona360.demo import DemoSpec
    from persona360.demo.pipeline import DemoReport
    from persona360.demo.sink import SmtpSink


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    customers: Annotated[int, typer.Option(help="People to simulate.")] = 10_000,
    days: Annotated[int, typer.Option(help="Days of activity, ending today (or --end).")] = 90,
    seed: Annotated[int, typer.Option(help="The same seed writes byte-identical exports.")] = 42,
    out: Annotated[Path, typer.Option(help="Folder for the exports, truth and workspace.")] = Path("demo-shop"),
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards.")] = True,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8360,
    json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    smtp_sink: Annotated[
        bool,
        typer.Option(
            "--smtp-sink",
            help="Deliver the demo campaign to an SMTP sink on loopback (kept up while serving); "
            "without it the messages are only queued.",
        ),
    ] = False,
    feed: Annotated[
        str,
        typer.Option(
            help="How web and app events get in: api (POST /v1/batch to a server, as an SDK), "
            "direct (same validation, in process: for shops too big to send in minutes) or none.",
        ),
    ] = "api",
    end: Annotated[
        str | None,
        typer.Option(
            help="The day the window ends (YYYY-MM-DD, at 00:00 UTC; by default today): the same day and "
            "seed build the same shop any day, and every stage runs as of that day.",
        ),
    ] = None,
    compress_events: Annotated[
        bool | None,
        typer.Option(
            "--compress-events/--no-compress-events",
            help="Write the events zstd-compressed (events.jsonl.zst); by default from 100,000 customers.",
        ),
    ] = None,
) -> None:
    """Build a realistic, fragmented demo shop and run it through everything persona360 has."""
    from persona360.demo import DemoSpec  # noqa: PLC0415 - Faker loads only for the demo
    from persona360.demo.pipeline import FEEDS  # noqa: PLC0415
    from persona360.demo.sink import SmtpSink  # noqa: PLC0415

    if feed not in FEEDS:
        raise typer.BadParameter(f"{feed!r}: use one of {', '.join(FEEDS)}", param_hint="--feed")
    ends = window_end(end)
    spec = DemoSpec(customers=customers, days=days, seed=seed, end=ends)
    clock = ShiftedClock(ends) if end is not None else None
    listener = _claim_port(port) if serve else None
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if listener is not None:
            stack.callback(listener.close)
        sink = stack.enter_context(SmtpSink()) if smtp_sink else None
        smtp = {"smtp_host": "127.0.0.1", "smtp_port": sink.port} if sink else {}
        currency = _currency(spec)
        settings = load_settings(db=STATE.db or out / "persona360.duckdb", **smtp)
        report = _run(spec, out, settings, sink, json, feed, compress_events, clock, currency)
        if json:
            print_json(report.as_dict())
        else:
            _print_summary(report.as_dict())
            if currency:
                console.print(
                    f"[bold]currency:[/] revenue is compared in {currency['reporting_currency']} at the catalogue's "
                    "rates, which the workspace keeps (`persona360 settings show`; change them with "
                    "`persona360 settings set`)"
                )
        if listener is not None:
            _serve(settings, listener, clock)


def window_end(day: str | None) -> datetime:
    """00:00 UTC of ``day`` (YYYY-MM-DD), or of today when None; a bad day is a usage error naming --end.

    A day after today is refused: the tracking API takes no events from the future.
    """
    today = datetime.now(UTC).date()
    if day is None:
        return datetime.combine(today, time(), tzinfo=UTC)
    try:
        chosen = date.fromisoformat(day.strip())
    except ValueError:
        raise typer.BadParameter(f"{day!r}: give a day as YYYY-MM-DD, e.g. 2026-11-01", param_hint="--end") from None
    if chosen > today:
        raise typer.BadParameter(f"{day!r} is after today ({today}): give today or a day before", param_hint="--end")
    return datetime.combine(chosen, time(), tzinfo=UTC)


def _run(
    spec: DemoSpec,
    out: Path,
    settings: Settings,
    sink: SmtpSink | None,
    json: bool,
    feed: str,
    compress_events: bool | None,
    clock: Clock | None,
    keep: dict[str, Any],
) -> DemoReport:
    from persona360.demo.pipeline import run_demo  # noqa: PLC0415

    columns = (
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with progress_bar(*columns, shown_on=console, hidden=json, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return run_demo(spec, out, settings, step, sink, feed, compress_events, clock, keep)


def _print_summary(report: dict[str, Any]) -> None:
    """The demo's figures in the order they were made; the last ones are those the web UI shows."""
    _print_sources(report["sources"])
    score = report["stitching"]
    if score:
        resolved = report["resolution"]
        console.print(
            f"[bold]Stitching[/] on shared identifiers made {resolved.get('profiles_before', score['profiles']):,} "
            f"profiles; the truth has [bold]{score['people']:,}[/] people. Against it: precision "
            f"{score['precision']:.4f}, recall {score['recall']:.4f}, F1 {score['f1']:.4f}; "
            f"{score['people_in_one_profile']:.1%} of people are in exactly one profile, "
            f"{score['profiles_of_one_person']:.1%} of profiles hold exactly one person."
        )
    _print_stage(report, "resolution")
    imported = sum(int(row["stored"]) for row in report["sources"].values())
    console.print(
        f"[bold]The workspace now holds {report['profiles']:,} profiles[/] (the web UI's overview shows this "
        f"figure, and these segment sizes) [bold]and {report['events']:,} events[/]: {imported:,} from the "
        f"sources above, {report['events'] - imported:,} written by persona360 itself (resolution's merges, "
        "enrichment's traits)."
    )
    segments = Table("segment", "members now", title="Segments")
    for name, size in report["segments"].items():
        segments.add_row(name, f"{size:,}")
    rfm = Table("RFM segment", "buyers", title="RFM (scored after resolution)")
    for name, size in report["rfm"].items():
        rfm.add_row(name, f"{size:,}")
    console.print(segments, rfm)
    console.print(f"[bold]predictions[/] (fitted on the resolved profiles): {_predictions_line(report['predictions'])}")
    for name in ("personas", "enrichment", "campaign"):
        _print_stage(report, name)
    cpu: dict[str, float] = report["cpu_seconds"]
    timings = ", ".join(f"{k} {v:.1f}s ({cpu.get(k, 0):.1f}s CPU)" for k, v in report["seconds"].items())
    console.print(f"[dim]wall (CPU) per stage: {timings}[/]")


def _currency(spec: DemoSpec) -> dict[str, Any]:
    """The demo shop's reporting currency and rates, for the workspace to keep, unless the environment sets either.

    The shop sells in UAH, PLN and USD; a shop like it compares its customers' revenue in
    one currency (store/money.py), at rates it knows: here the catalogue's, from the day
    before its first event. Kept in the workspace, they hold for every later command and
    the server without exporting anything.
    """
    from persona360.demo.catalogue import REPORTING_CURRENCY, exchange_rates  # noqa: PLC0415

    if {"PERSONA360_REPORTING_CURRENCY", "PERSONA360_EXCHANGE_RATES"} & set(os.environ):
        return {}
    since = (spec.end - timedelta(days=spec.days + 1)).date()
    return {"reporting_currency": REPORTING_CURRENCY, "exchange_rates": exchange_rates(since)}


def _print_sources(sources: dict[str, dict[str, Any]]) -> None:
    """What each source's export or feed held, and the events it became (as the web UI's sources table counts)."""
    table = Table("source", "rows read", "records", "rejected", "events stored", "via", title="Records read per source")
    for name, row in sources.items():
        table.add_row(
            name, f"{row['rows']:,}", f"{row['records']:,}", f"{row['rejected']:,}", f"{row['stored']:,}", row["via"]
        )
    console.print(table)
    console.print(
        "[dim]An order is one record of several line rows; a survey respondent is one record stored as an event "
        "per answer and an identify; a record seen before stores nothing.[/]"
    )


def _print_stage(report: dict[str, Any], name: str) -> None:
    """One line for a stage that may fail; a failed stage says so in red and the demo goes on."""
    stage = report[name]
    if "failed" in stage:
        console.print(f"[bold red]{name} failed:[/] {stage['failed']}")
    else:
        console.print(f"[bold]{name}:[/] {_LINES[name](stage)}")


def _predictions_line(p: dict[str, Any]) -> str:
    if "skipped" in p:
        return f"skipped: {p['skipped']}"
    buckets = ", ".join(f"{n:,} {bucket}" for bucket, n in p["churn_risk"].items())
    line = f"{p['scored']:,} customers scored; churn risk {buckets}"
    lapses = p.get("against_lapses", {})
    if "auc" in lapses:
        repeat = lapses["auc_repeat_customers"]
        line += (
            f"; against the {lapses['lapsed']:,} customers the demo made lapse: AUC {lapses['auc']:.3f}"
            + (f" ({repeat:.3f} among repeat customers)" if repeat is not None else "")
            + f", days since the last order alone {lapses['auc_days_since_last_order']:.3f}"
        )
    return line


def _resolution_line(r: dict[str, Any]) -> str:
    before, after = r["before"], r["after"]
    return (
        f"{r['profiles_before']:,} profiles became {r['profiles_after']:,}: {r['merged']:,} pairs merged by "
        f"probabilistic matching, {r['handovers']:,} anonymous profiles joined by the device rule and "
        f"{r['homes']:,} on their home network; {r['queued']:,} pairs queued for review; stitching P/R/F1 "
        f"{before['precision']:.3f}/{before['recall']:.3f}/{before['f1']:.3f} before, "
        f"{after['precision']:.3f}/{after['recall']:.3f}/{after['f1']:.3f} after"
    )


def _personas_line(p: dict[str, Any]) -> str:
    matched = "; ".join(
        f"{archetype} -> {m['name']} (recall {m['recall']:.0%}, purity {m['purity']:.0%})"
        for archetype, m in p["archetypes"].items()
    )
    return f"{p['k']} personas over {p['profiles']:,} customers; ARI vs planted archetypes {p['ari']:.3f}. {matched}"


def _enrichment_line(e: dict[str, Any]) -> str:
    return (
        f"{e['traits_written']:,} traits inferred for {e['enriched']:,} of {e['profiles']:,} profiles "
        f"({', '.join(e['providers'])}); {e['skipped_no_consent']:,} skipped without enrichment consent"
    )


def _campaign_line(c: dict[str, Any]) -> str:
    outcome = c.get("not_delivered") or f"{c['delivered']:,} delivered to the sink {c['sink']}"
    return (
        f"'{c['segment']}' ({c['members']:,} members): {c['no_consent']:,} without consent, "
        f"{c['no_address']:,} without an address, {c['control']:,} held out as control, "
        f"{c['queued']:,} queued, {c['deferred']:,} deferred to after quiet hours; {outcome}"
    )


_LINES = {
    "resolution": _resolution_line,
    "personas": _personas_line,
    "enrichment": _enrichment_line,
    "campaign": _campaign_line,
}


def _claim_port(port: int) -> socket.socket:
    """Bind the port the demo will serve on before the minutes of work that come first.

    A port already in use used to surface only at the end, after the whole pipeline,
    and after the demo had printed "Serving..." and a token for a server that never
    started. The bound socket is handed to uvicorn, so nothing can take it meanwhile.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as error:
        listener.close()
        raise typer.BadParameter(
            f"127.0.0.1:{port} is already in use ({error.strerror}): stop what serves there, "
            "or pass another --port, or --no-serve",
            param_hint="--port",
        ) from None
    return listener


def _serve(settings: Settings, listener: socket.socket, clock: Clock | None) -> None:
    """Serve the shop on the clock it was built with.

    A shop built ``--end`` a day in the past was served on today's clock: its time-window
    segments, "days since the last order" and trait ages moved on from the figures the
    demo had just printed (a shop a year old served empty "active in 30 days" segments).
    """
    import uvicorn  # noqa: PLC0415

    from persona360.api.app import create_app  # noqa: PLC0415
    from persona360.workspace import Workspace  # noqa: PLC0415

    port = listener.getsockname()[1]
    with Workspace(settings, clock) as ws:
        token = ws.access.create_token(["admin"], "demo")
        as_of = "" if clock is None else f" as of {clock.now():%Y-%m-%d %H:%M} UTC"
        console.print(
            f"\nServing the demo shop{as_of} on http://127.0.0.1:{port} (Ctrl+C to stop).\n"
            f"Admin token: {token}\n"
            f"Try: curl -H 'Authorization: Bearer {token}' "
            f"'http://127.0.0.1:{port}/v1/profiles?sort=revenue&limit=5'"
        )
        uvicorn.Server(uvicorn.Config(create_app(ws), log_level="warning")).run(sockets=[listener])
