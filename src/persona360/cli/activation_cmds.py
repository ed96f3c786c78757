"""``templates`` and ``campaigns``: preview messages, create and send campaigns, report results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from persona360.activation import CampaignSpec, uplift_withheld
from persona360.cli.state import console, print_empty, print_json, workspace
from persona360.store.money import Money, amounts_text

templates = typer.Typer(help="Message templates (Jinja2, sandboxed).", no_args_is_help=True)
campaigns = typer.Typer(help="Campaigns: a segment, a template and a channel.", no_args_is_help=True)
audiences = typer.Typer(help="Segments as hashed customer lists for ad platforms.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TemplateFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Template file (Subject: line, body).")]


def register(app: typer.Typer) -> None:
    app.add_typer(templates, name="templates")
    app.add_typer(campaigns, name="campaigns")
    app.add_typer(audiences, name="audiences")


@templates.command("preview")
def preview(template_file: TemplateFile, profile_id: int, json: JsonOption = False) -> None:
    """Render a template for one profile (links are not tracked) and list the traits it used."""
    with workspace() as ws:
        result = ws.activation.preview(template_file.read_text(encoding="utf-8"), profile_id)
        ws.privacy.audit("cli", "template.preview", f"profile:{profile_id}")
    if json:
        print_json({"subject": result.subject, "text": result.text, "traits_used": result.traits_used})
        return
    console.print(f"[bold]Subject:[/] {result.subject}\n", markup=True)
    console.print(result.text, markup=False)
    console.print(f"\n[dim]traits used: {', '.join(result.traits_used) or '-'}[/]")


@campaigns.command("create")
def create(
    name: str,
    template: Annotated[Path, typer.Option("--template", exists=True, dir_okay=False, help="Template file.")],
    segment: Annotated[
        str, typer.Option("--segment", help="Segment whose members get the message (optional with --trigger-event).")
    ] = "",
    channel: Annotated[str, typer.Option("--channel", help="Channel: email, sms, viber or webhook.")] = "email",
    control_share: Annotated[float, typer.Option("--control-share", help="Share held out as control.")] = 0.1,
    event: Annotated[str | None, typer.Option("--event", help="Event whose properties the template sees.")] = None,
    trigger_event: Annotated[
        str | None, typer.Option("--trigger-event", help="Always on: each new event of this name sends it.")
    ] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Consent asked for: marketing or transactional.")] = (
        "marketing"
    ),
    send_time: Annotated[bool, typer.Option("--send-time", help="Send at each profile's best hour.")] = False,
    json: JsonOption = False,
) -> None:
    """Save a campaign: to a segment, or always on for an event (--trigger-event "Order Completed")."""
    text = template.read_text(encoding="utf-8")
    spec = CampaignSpec(name, segment, text, channel, control_share, event, trigger_event, purpose, send_time)
    with workspace() as ws:
        result = ws.activation.create(spec)
        ws.privacy.audit("cli", "campaign.create", name, {"segment": segment})
    on = f"event {trigger_event}" if trigger_event else f"segment {segment}"
    _answer(result, json, f"Campaign [bold]{name}[/] created on {on}.")


@campaigns.command("list")
def list_campaigns(json: JsonOption = False) -> None:
    """List campaigns."""
    with workspace() as ws:
        rows = ws.activation.list()
    if json:
        print_json(rows)
        return
    if not rows:
        print_empty("No campaigns yet: create one with `persona360 campaigns create NAME --template FILE`.")
    for row in rows:
        console.print(f"{row['name']}: segment {row['segment']}, {row['channel']}, control {row['control_share']:.0%}")


@campaigns.command("send")
def send(name: str, json: JsonOption = False) -> None:
    """Queue messages for new members of the segment and send what is due (quiet hours wait)."""
    with workspace() as ws:
        counts = ws.activation.send(name)
    summary = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "errors")
    _answer(counts, json, summary)


@campaigns.command("deliver")
def deliver(
    channel: Annotated[
        str | None, typer.Option("--channel", help=escape("Only this channel [default: every channel]."))
    ] = None,
    json: JsonOption = False,
) -> None:
    """Send queued messages whose time has come, and retry failed ones that are due."""
    with workspace() as ws:
        counts = ws.activation.deliver_due(channel)
        if any(counts.values()):  # a run with nothing due sent nothing
            ws.privacy.audit("cli", "campaign.deliver", f"channel:{channel or 'every'}", counts)
    _answer(counts, json, ", ".join(f"{k} {v}" for k, v in counts.items()))


# (label, report key): "queued" counts every message written, "sent" only those the
# channel accepted, so a campaign whose mail server is down never reads as sent.
REPORT_LINES = (
    ("queued", "sends"),
    ("sent", "delivered"),
    ("waiting", "waiting"),
    ("retrying", "retrying"),
    ("dead", "dead"),
    ("cancelled", "cancelled"),
    ("opens", "opens"),
    ("clicks", "clicks"),
    ("conversions", "conversions"),
)


@campaigns.command("report")
def report(name: str, json: JsonOption = False) -> None:
    """Messages queued, sent, waiting and dead; opens, clicks, conversions, revenue and uplift over control."""
    with workspace() as ws:
        result = ws.activation.report(name)
        currency = Money.from_settings(ws.settings).main_currency
    if json:
        print_json(result)
        return
    for label, key in REPORT_LINES:
        console.print(f"{label:>12}: {result[key]}")
    if result["last_error"] and (result["retrying"] or result["dead"]):
        console.print(f"{'last error':>12}: {result['last_error']}")
    console.print(f"{'revenue':>12}: {amounts_text(result['revenue'], currency)}")
    runs = result["runs"]
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(runs["by_kind"].items())) or "none"
    console.print(f"{'runs':>12}: {runs['runs']} ({kinds}), considered {runs['considered']}, queued {runs['queued']}")
    skipped = ", ".join(f"{reason} {n}" for reason, n in runs["skipped"].items())
    console.print(f"{'skipped':>12}: {skipped}")
    if "worker" in result:
        worker = result["worker"]
        console.print(f"{'worker':>12}: {worker['runs']} runs, {worker['failures']} failed ({worker['last_error']})")
    console.print(f"{'rate':>12}: {_pct(result['rate'])} vs control {_pct(result['control_rate'])}")
    withheld = uplift_withheld(result)
    if withheld:
        console.print(f"{'difference':>12}: - {withheld}")
    elif result["difference"] is not None:
        console.print(
            f"{'difference':>12}: {result['difference']:+.2%} "
            f"(95% CI {result['ci_low']:+.2%} to {result['ci_high']:+.2%}), uplift {_pct(result['uplift'])}"
        )


@audiences.command("export")
def export_audience(
    segment: str,
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="CSV file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="facebook or google.")] = "facebook",
    json: JsonOption = False,
) -> None:
    """Write a segment's consenting members as SHA-256-hashed emails and phones (audited)."""
    with workspace() as ws:
        audience = ws.activation.export_audience(segment, fmt)
    out.write_text(audience.csv, encoding="utf-8")
    summary = {k: v for k, v in vars(audience).items() if k != "csv"} | {"out": str(out)}
    _answer(summary, json, f"{audience.exported} profiles, {audience.rows} rows -> {out} ({fmt})")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _answer(result: Any, json: bool, text: str) -> None:
    if json:
        print_json(result)
    else:
        console.print(text)
