"""``segments``: define, preview, list and watch segments; their webhook triggers."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from persona360.cli.state import console, print_json, print_table, warn, workspace
from persona360.segments.definitions import SegmentSpec
from persona360.store.money import Money, amounts_text

segments = typer.Typer(help="Live segments: conditions over traits and events.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
Condition = Annotated[str, typer.Argument(help="e.g. 'orders_count >= 3 and address.city = \"Kyiv\"'.")]


def register(app: typer.Typer) -> None:
    app.add_typer(segments, name="segments")
    app.add_typer(traits, name="traits")


@segments.command("list")
def list_segments(json: JsonOption = False) -> None:
    """List segments with their current size."""
    with workspace() as ws:
        rows = ws.segments.list()
    if json:
        print_json(rows)
        return
    table = Table("id", "name", "members", "definition", "evaluated")
    for row in rows:
        table.add_row(
            str(row["segment_id"]),
            row["name"],
            str(row["members"]),
            row["definition"],
            str(row["evaluated_at"] or "-")[:19],
        )
    print_table(table, "No segments yet: create one with `persona360 segments create NAME CONDITION`.")


@segments.command("preview")
def preview(condition: Condition, sample: int = 10, json: JsonOption = False) -> None:
    """Show the size and a sample of members of a condition, without saving it."""
    with workspace() as ws:
        result = ws.segments.preview(SegmentSpec("preview", condition), sample)
        if result["sample"]:  # members' emails are printed: a read of personal data
            ws.privacy.audit("cli", "segment.preview", "profiles", {"rows": len(result["sample"])})
        currency = Money.from_settings(ws.settings).main_currency
    if json:
        print_json(result)
        return
    console.print(f"[bold]{result['size']}[/] profiles match.")
    warn(result["warnings"])
    _sample(result["sample"], currency)


@segments.command("create")
def create(name: str, condition: Condition, description: str = "", json: JsonOption = False) -> None:
    """Save a segment; its members are computed at once and kept live."""
    with workspace() as ws:
        result = ws.segments.create(SegmentSpec(name, condition, description=description))
        ws.privacy.audit("cli", "segment.create", f"segment:{result['name']}")
    if json:
        print_json(result)
    else:
        console.print(f"Segment [bold]{result['name']}[/] created with {result['members']} members.")
        warn(result["warnings"])


@segments.command("show")
def show(name: str, json: JsonOption = False) -> None:
    """Show a segment's definition, size and size over time."""
    with workspace() as ws:
        segment = ws.segments.get(name).public()
        segment["counts"] = ws.segments.counts(name)
        segment["members"] = ws.segments.members(name, limit=0)["total"]
    if json:
        print_json(segment)
        return
    console.print(f"[bold]{segment['name']}[/] ({segment['members']} members): {segment['definition']}")
    for count in segment["counts"][-10:]:
        console.print(f"  {str(count['counted_at'])[:19]}  {count['members']}")


@segments.command("members")
def members(name: str, limit: int = 50, offset: int = 0, json: JsonOption = False) -> None:
    """List a segment's current members."""
    with workspace() as ws:
        page = ws.segments.members(name, limit, offset)
        ws.privacy.audit("cli", "segment.members", f"segment:{page['segment']}", {"rows": len(page["members"])})
    if json:
        print_json(page)
        return
    table = Table("profile", "entered", "why", title=f"{page['segment']}: {page['total']} members")
    for row in page["members"]:
        table.add_row(str(row["profile_id"]), str(row["entered_at"])[:19], row["enter_reason"])
    console.print(table)


@segments.command("history")
def history(name: str, profile: int | None = None, limit: int = 50, json: JsonOption = False) -> None:
    """Entries and exits, newest first."""
    with workspace() as ws:
        rows = ws.segments.history(name, profile, limit)
        target = f"profile:{profile}" if profile is not None else f"segment:{name}"
        ws.privacy.audit("cli", "segment.history", target, {"segment": name, "rows": len(rows)})
    if json:
        print_json(rows)
        return
    table = Table("profile", "entered", "why", "exited", "why")
    for row in rows:
        table.add_row(
            str(row["profile_id"]),
            str(row["entered_at"])[:19],
            row["enter_reason"],
            str(row["exited_at"] or "")[:19],
            row["exit_reason"] or "",
        )
    console.print(table)


@segments.command("evaluate")
def evaluate(
    name: Annotated[str | None, typer.Argument(help="One segment; all when omitted.")] = None,
    json: JsonOption = False,
) -> None:
    """Recompute segments from scratch (they are kept live; this is for repairs)."""
    with workspace() as ws:
        changes = ws.segments.evaluate(name)
    rows = [
        {
            "segment": c.segment,
            "members": c.members,
            "entered": len(c.entered),
            "exited": len(c.exited),
        }
        for c in changes
    ]
    if json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['segment']}: {row['members']} members (+{row['entered']} -{row['exited']})")


@segments.command("sweep")
def sweep(json: JsonOption = False) -> None:
    """Apply the passing of time now (the server does this on a clock), then send due webhooks."""
    with workspace() as ws:
        changes = ws.segments.sweep()
        sent = ws.segments.deliver_due()
    result = {
        "changes": {c.segment: {"entered": len(c.entered), "exited": len(c.exited)} for c in changes},
        "deliveries": sent,
    }
    if json:
        print_json(result)
    else:
        console.print(result)


@segments.command("delete")
def delete(name: str) -> None:
    """Stop a segment (its history is kept)."""
    with workspace() as ws:
        ws.segments.delete(name)
        ws.privacy.audit("cli", "segment.delete", f"segment:{name}")
    console.print(f"Segment {name} stopped.")


@segments.command("trigger")
def add_trigger(
    name: str,
    url: Annotated[str | None, typer.Option(help="Webhook URL that receives a signed POST.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Campaign to send to each profile (instead of --url).")] = None,
    on: Annotated[str, typer.Option(help="enter or exit.")] = "enter",
    max_attempts: Annotated[int, typer.Option(help="Attempts before a delivery is dead-lettered.")] = 5,
    json: JsonOption = False,
) -> None:
    """Call a webhook, or send a campaign, when a profile enters (or exits) the segment."""
    with workspace() as ws:
        trigger = ws.segments.add_trigger(name, url, on, max_attempts, campaign=campaign)
        ws.privacy.audit("cli", "segment.trigger", f"segment:{name}", {"on": on})
    if json:
        print_json(trigger)
    elif campaign:
        console.print(f"Trigger {trigger['trigger_id']} on {on} of {name} -> campaign {campaign}")
    else:
        console.print(
            f"Trigger {trigger['trigger_id']} on {on} of {name} -> {url}\n"
            f"Signing secret (shown once): {trigger['secret']}"
        )


@segments.command("triggers")
def triggers(json: JsonOption = False) -> None:
    """List triggers with delivered, pending and dead-lettered counts."""
    with workspace() as ws:
        rows = ws.segments.triggers()
    if json:
        print_json(rows)
        return
    table = Table("id", "segment", "on", "url", "delivered", "pending", "dead")
    for row in rows:
        table.add_row(
            *(
                str(row[k])
                for k in (
                    "trigger_id",
                    "segment",
                    "on_change",
                    "url",
                    "delivered",
                    "pending",
                    "dead",
                )
            )
        )
    print_table(table, "No triggers yet: add one with `persona360 segments trigger SEGMENT --url URL`.")


@segments.command("deliveries")
def deliveries(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    limit: int = 50,
    json: JsonOption = False,
) -> None:
    """Webhook deliveries, newest first (--status dead is the dead-letter list)."""
    with workspace() as ws:
        rows = ws.segments.deliveries(status, limit)
        ws.privacy.audit("cli", "segment.deliveries", "profiles", {"status": status, "rows": len(rows)})
    if json:
        print_json(rows)
        return
    table = Table("id", "trigger", "profile", "change", "status", "attempts", "last error")
    for row in rows:
        table.add_row(
            *(
                str(row[k] if row[k] is not None else "")
                for k in (
                    "delivery_id",
                    "trigger_id",
                    "profile_id",
                    "change",
                    "status",
                    "attempts",
                    "last_error",
                )
            )
        )
    empty = f"No {status} deliveries." if status else "No deliveries yet: a trigger delivers as profiles enter or exit."
    print_table(table, empty)


traits = typer.Typer(help="Computed traits (aggregates over events) and RFM.", no_args_is_help=True)


@traits.command("define")
def define_trait(
    name: Annotated[
        str,
        typer.Argument(help="Lower-case letters of any alphabet, digits and '_', a letter first: середній_чек."),
    ],
    definition: Annotated[
        str,
        typer.Argument(help="e.g. 'most_frequent(\"Product Viewed\", category, within = 90d)'."),
    ],
    json: JsonOption = False,
) -> None:
    """Define a computed trait, kept up to date on every profile."""
    with workspace() as ws:
        result = ws.segments.define_trait(name, definition)
        ws.privacy.audit("cli", "trait.define", f"trait:{name}")
    if json:
        print_json(result)
    else:
        console.print(f"Computed trait [bold]{result['name']}[/] set on {result['profiles']} profiles.")
        warn(result["warnings"])


@traits.command("list")
def list_traits(json: JsonOption = False) -> None:
    """List computed traits."""
    with workspace() as ws:
        rows = ws.segments.computed_traits()
    if json:
        print_json(rows)
        return
    table = Table("name", "definition", "profiles")
    for row in rows:
        table.add_row(row["name"], row["definition"], str(row["profiles"]))
    print_table(table, "No computed traits yet: define one with `persona360 traits define NAME DEFINITION`.")


@traits.command("rfm")
def rfm(json: JsonOption = False) -> None:
    """Recompute RFM scores and named RFM segments now (the server does it hourly)."""
    with workspace() as ws:
        scored = ws.segments.refresh_rfm()
        rows = ws.db.query_dicts(
            "SELECT value_text AS segment, count(*) AS profiles FROM computed_values "
            "WHERE name = 'rfm_segment' GROUP BY ALL ORDER BY profiles DESC"
        )
    if json:
        print_json({"scored": scored, "segments": rows})
        return
    table = Table("RFM segment", "profiles", title=f"{scored} buyers scored")
    for row in rows:
        table.add_row(row["segment"], str(row["profiles"]))
    console.print(table)


def _sample(rows: list[dict[str, Any]], currency: str) -> None:
    """The members a preview shows, their revenue written as the web's preview writes it (in ``currency`` when none)."""
    table = Table("profile", "email", "orders", "revenue", "last seen")
    for row in rows:
        table.add_row(
            str(row["profile_id"]),
            str(row.get("email") or "-"),
            str(row["orders_count"]),
            amounts_text(row["revenue_by_currency"], currency),
            str(row["last_seen"])[:19],
        )
    console.print(table)
