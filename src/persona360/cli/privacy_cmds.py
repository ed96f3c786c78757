"""``consent``: show and change a person's consent; ``audit``: the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from persona360.cli.state import PersonArg, console, fail, print_json, shown, when, workspace
from persona360.privacy import CHANNELS, PURPOSES

consent = typer.Typer(help="A person's consent: show it, grant or withdraw a purpose.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
PurposeOption = Annotated[str, typer.Option("--purpose", help=f"One of: {', '.join(PURPOSES)}.")]
ChannelOption = Annotated[str | None, typer.Option("--channel", help=f"One of: {', '.join(CHANNELS)} (default: all).")]
BasisOption = Annotated[str, typer.Option("--basis", help="Legal basis: consent, contract, legitimate_interest...")]
ExpiresOption = Annotated[str | None, typer.Option("--expires", help="When the grant lapses (YYYY-MM-DD, UTC).")]


def register(app: typer.Typer) -> None:
    app.add_typer(consent, name="consent")
    app.command("audit")(audit)


@consent.command("grant")
def grant(
    person: PersonArg,
    purpose: PurposeOption,
    channel: ChannelOption = None,
    basis: BasisOption = "consent",
    expires: ExpiresOption = None,
) -> None:
    """Record that the person granted a purpose (on a channel, or on all)."""
    _change(person, purpose, channel, True, basis, expires)


@consent.command("withdraw")
def withdraw(
    person: PersonArg,
    purpose: PurposeOption,
    channel: ChannelOption = None,
    basis: BasisOption = "consent",
) -> None:
    """Record that the person withdrew a purpose (on a channel, or on all)."""
    _change(person, purpose, channel, False, basis, None)


@consent.command("show")
def show(
    person: PersonArg,
    history: Annotated[bool, typer.Option("--history", help="Every change, newest first.")] = False,
    json: JsonOption = False,
) -> None:
    """Show the person's current consent per purpose and channel."""
    with workspace() as ws:
        profile_id = ws.profiles.find_person(person)
        rows = ws.privacy.consent(profile_id, history=history)
        ws.privacy.audit("cli", "consent.read", f"profile:{profile_id}")
    if json:
        print_json({"profile_id": profile_id, "consent": rows})
        return
    # moments as every command writes them (``when``): in 80 columns the time goes under the
    # date, which stays whole, and a long name folds instead of being cut ("transactio…"); the
    # table's outer edge is left off so that both still fit
    names = [Column(name, overflow="fold") for name in ("purpose", "channel", "granted", "basis", "source")]
    moments = [Column(name, overflow="fold", min_width=len("2026-09-07")) for name in ("changed", "expires")]
    table = Table(*names, *moments, title=f"profile {profile_id}", show_edge=False)
    for row in rows:
        table.add_row(
            row["purpose"],
            row["channel"] or "all",
            "yes" if row["granted"] else "no",
            row["basis"],
            row["source"],
            when(row["changed_at"]),
            when(row["expires_at"]),
        )
    console.print(table)


def audit(
    limit: Annotated[int, typer.Option("--limit", help="How many entries, newest first.", min=1)] = 50,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", help="Only entries about this (profile:42: also the merges that joined it, review accepts too)."
        ),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only entries by this actor, exactly: cli, web:TOKEN, token:TOKEN.")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only actions starting with this (consent matches consent.grant).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Show the audit trail: who read or changed whose data, newest first.

    The filters are the web audit page's, through the same query.
    """
    with workspace() as ws:
        rows = ws.privacy.audit_log(limit, target, actor=actor, action=action)
    if json:
        print_json(rows)
        return
    # who, what and whom are never cut short ("web:shop-own…"): in a narrow terminal they fold
    whole = [Column(name, overflow="fold") for name in ("actor", "action", "target")]
    table = Table("id", Column("when", no_wrap=True), *whole, "detail")
    for row in rows:
        cells = (row["actor"], row["action"], row["target"], shown(row["detail"]) if row["detail"] else "")
        table.add_row(str(row["audit_id"]), when(row["logged_at"]), *(escape(cell) for cell in cells[:3]), cells[3])
    console.print(table)
    if not rows:
        console.print("No entries" + (" match the filters." if target or actor or action else "."))


def _change(person: str, purpose: str, channel: str | None, granted: bool, basis: str, expires: str | None) -> None:
    with workspace() as ws:
        profile_id = ws.profiles.find_person(person)
        ws.privacy.change(profile_id, purpose, channel, granted=granted, basis=basis, expires_at=_date(expires))
    verb = "granted" if granted else "withdrawn"
    console.print(f"{purpose} ({channel or 'all channels'}) {verb} for profile {profile_id}.")


def _date(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--expires {text!r} is not a date: write YYYY-MM-DD")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
