"""``profiles`` (also ``profile``): show, list, export, timeline; ``merge``, ``unmerge``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Column, Table

from persona360.cli.state import PersonArg, console, fail, print_json, print_table, shown, when, workspace
from persona360.errors import NotFoundError
from persona360.identity.normalise import split_identifier
from persona360.profiles.links import link_reason
from persona360.profiles.reading import PERSON_FORMS, display_name
from persona360.store.money import Money, amounts_text
from persona360.workspace import Workspace

profiles = typer.Typer(help="Read unified profiles.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(profiles, name="profiles")
    app.add_typer(profiles, name="profile", help="Same as `profiles`.")
    app.command("merge")(merge)
    app.command("unmerge")(unmerge)


NAMED_LIMIT = 10  # people listed when a name is not one person's
NO_PROFILES = (
    "No profiles yet: import an export with `persona360 import`, or send events to the tracking API "
    "(/v1/batch, with a source's write key from `persona360 sources add`)."
)


def _find(ws: Workspace, text: str) -> int:
    """A bare number (profile id or phone), a person as every command reads one (``profile:ID``...) or an identifier."""
    if text.strip().isdigit():
        return ws.profiles.find_number(text)
    return ws.profiles.find_any(text) if ":" not in text else ws.profiles.find_person(text)


def _find_person(ws: Workspace, text: str) -> int:
    """The profile of an identifier, else of the one person with that name (as the web's search).

    Several people of that name are listed, for the user to pick one by id or email.
    """
    try:
        return _find(ws, text)
    except NotFoundError:
        if "@" in text or ":" in text or text.isdigit():
            raise  # an email, KIND:VALUE or id: its own error says which is missing
        named = ws.profiles.find_by_name(text, NAMED_LIMIT)
        if len(named) == 1:
            return named[0]
        if not named:
            raise NotFoundError(f"no profile has {text!r} as an identifier or in its name") from None
        people = ", ".join(
            f"{row['profile_id']} ({row['email'] or row['name'] or '-'})" for row in ws.profiles.list_ids(named)
        )
        more = " and more" if len(named) == NAMED_LIMIT else ""
        raise ValueError(
            f"{len(named)}{more} profiles are named like {text!r}: {people}; give an id or email"
        ) from None


@profiles.command("show")
def show(
    identifier: Annotated[str, typer.Argument(help=f"A profile id, {PERSON_FORMS}, or a name one person has.")],
    json: JsonOption = False,
) -> None:
    """Show one profile: identity, traits with provenance, computed and predicted traits."""
    with workspace() as ws:
        profile = ws.profiles.show(_find_person(ws, identifier))
        ws.privacy.audit("cli", "profile.read", f"profile:{profile['profile_id']}")
        currency = Money.from_settings(ws.settings).main_currency
    if json:
        print_json(profile)
    else:
        console.print(render_profile(profile, currency))


@profiles.command("list")
def list_profiles(
    limit: int = 20,
    sort: Annotated[str, typer.Option(help="last_seen, revenue, orders, events or first_seen.")] = "last_seen",
    currency: Annotated[
        str | None, typer.Option(help="Only profiles whose revenue is in this currency (e.g. PLN).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """List profiles."""
    with workspace() as ws:
        rows = ws.profiles.list(limit=limit, sort=sort, currency=currency)
        ws.privacy.audit("cli", "profiles.list", "profiles", {"limit": limit, "offset": 0})
        main = Money.from_settings(ws.settings).main_currency
    if json:
        print_json(rows)
        return
    # an amount broken over two lines reads as two values: the others wrap instead, and an
    # email folds whole rather than lose its end to an ellipsis
    table = Table(
        "id",
        "name",
        Column("email", overflow="fold"),
        "orders",
        Column("revenue", no_wrap=True),
        "events",
        "last seen",  # "2026-11-25 / 15:46 UTC" over two lines still reads as one time
    )
    for row in rows:
        table.add_row(
            str(row["profile_id"]),
            str(row["name"] or "-"),
            str(row["email"] or "-"),
            str(row["orders_count"]),
            amounts_text(row["revenue_by_currency"], main),
            str(row["event_count"]),
            when(row["last_seen"]),
        )
    print_table(table, f"No profiles with revenue in {currency}." if currency else NO_PROFILES)


@profiles.command("export")
def export(json: JsonOption = True) -> None:
    """Write every profile with identifiers and traits, one JSON object a line."""
    with workspace() as ws:
        rows = 0
        for row in ws.profiles.export():
            print_json(row)
            rows += 1
        ws.privacy.audit("cli", "profiles.export", "profiles", {"rows": rows})


@profiles.command("timeline")
def timeline(
    identifier: Annotated[str, typer.Argument(help=f"A profile id, {PERSON_FORMS}, or a name one person has.")],
    limit: int = 20,
    type: Annotated[str | None, typer.Option(help="Only this event type or name.")] = None,
    json: JsonOption = False,
) -> None:
    """Show a profile's events, newest first."""
    with workspace() as ws:
        profile_id = _find_person(ws, identifier)
        page = ws.profiles.timeline(profile_id, limit=limit, event_type=type)
        ws.privacy.audit("cli", "profile.timeline", f"profile:{profile_id}", {"rows": len(page["events"])})
    if json:
        print_json(page)
        return
    table = Table("time", "source", "type", "event", "ids")
    for event in page["events"]:
        table.add_row(
            when(event["timestamp"]),
            event["source"],
            event["type"],
            str(event["event"] or ""),
            str(event["user_id"] or event["anonymous_id"] or ""),
        )
    console.print(table)


def merge(
    a: PersonArg,
    b: Annotated[str, typer.Argument(help="The other person, written the same way.")],
    json: JsonOption = False,
) -> None:
    """Merge the profiles of A and B (a person's decision, logged)."""
    with workspace() as ws:
        first, second = ws.profiles.person_key(a), ws.profiles.person_key(b)
        if first == second:  # two ways of writing one person, e.g. profile:12 and a profile merged into it
            one = ws.profiles.find(*first)
            fail(f"{escape(a)} and {escape(b)} are one profile already (#{one}): there is nothing to merge")
        profile_id = ws.identity.merge(first, second)
    if json:
        print_json({"profile_id": profile_id})
    else:
        console.print(f"Merged into profile {profile_id}.")


def unmerge(
    profile: Annotated[str, typer.Argument(help=f"A profile id or the person: {PERSON_FORMS}.")],
    identifier: Annotated[str, typer.Argument(help="kind:value of the identifier to detach.")],
    json: JsonOption = False,
) -> None:
    """Detach IDENTIFIER (and what only it linked) from PROFILE into a profile of its own."""
    with workspace() as ws:
        key = split_identifier(identifier)
        live = _find(ws, profile)
        if ws.profiles.find(*key) != live:
            raise ValueError(f"{key[0]} {key[1]!r} is not in profile {live}")
        old, new = ws.identity.unmerge(key)
    if json:
        print_json({"profiles": [old, new]})
    else:
        console.print(f"Profile {old} kept; {key[0]}:{key[1]} is now in profile {new}.")


def render_profile(profile: dict[str, Any], currency: str) -> Panel:
    """A readable Rich panel of a profile; no revenue is a zero in ``currency`` (``Money.main_currency``)."""
    traits = profile["traits"]
    title = display_name(profile)
    facts = Table.grid(padding=(0, 2))
    facts.add_row("profile", str(profile["profile_id"]), "orders", str(profile["orders_count"]))
    facts.add_row(
        "first seen", when(profile["first_seen"]), "revenue", amounts_text(profile["revenue_by_currency"], currency)
    )
    facts.add_row("last seen", when(profile["last_seen"]), "events", str(profile["event_count"]))
    facts.add_row("channels", ", ".join(profile["channels"]), "devices", ", ".join(profile["devices"]) or "-")
    ids = Table("identifier", "linked by", "source", box=None)
    for identifier in profile["identifiers"]:
        reasons = sorted(
            {link_reason(e) + ("" if e["status"] == "active" else f" ({e['status']})") for e in identifier["edges"]}
        )
        ids.add_row(
            escape(f"{identifier['kind']}:{identifier['value']}"),
            ", ".join(reasons) or "-",
            identifier["source"],
        )
    trait_table = Table("trait", "value", "source", "observed", box=None)
    for name, trait in traits.items():
        flag = " [yellow](stale)[/]" if trait["stale"] else ""
        others = len(trait["others"])
        plural = "s" if others > 1 else ""
        more = f" [dim](+{others} other value{plural} or source{plural})[/]" if others else ""
        observed = when(trait["observed_at"])
        observed = f"undated (imported {observed})" if trait["undated"] else observed
        trait_table.add_row(escape(name), f"{shown(trait['value'])}{flag}{more}", trait["source"], observed)
    parts = [facts, ids, trait_table]
    if profile.get("computed"):
        computed = Table("computed trait", "value", box=None)
        for name, value in sorted(profile["computed"].items()):
            computed.add_row(escape(name), escape(shown(value)))
        parts.append(computed)
    if profile.get("predictions"):
        parts.append(_predictions_table(profile["predictions"]))
    grid = Table.grid()
    for part in parts:
        grid.add_row(part)
    return Panel(grid, title=escape(title), expand=False)


def _predictions_table(predicted: dict[str, Any]) -> Table:
    """The profile's predicted traits, as the web card shows them."""

    def money(amount: float) -> str:
        currency = predicted.get("currency")
        return (
            amounts_text({currency: amount}, currency)
            if currency
            else f"{amount:,.2f} (several currencies added as one)"
        )

    table = Table("predicted", "value", box=None, caption=f"fitted {when(predicted['fitted_at'])}")
    table.add_row("churn risk", f"{predicted['churn_bucket']} ({predicted['churn_risk']:.0%})")
    table.add_row("still a customer (P alive)", f"{predicted['p_alive']:.0%}")
    table.add_row("chance of an order within 30 days", f"{predicted['p_purchase_30d']:.0%}")
    table.add_row(
        "orders expected",
        f"{predicted['expected_purchases_30d']:.1f} in 30 days, {predicted['expected_purchases_90d']:.1f} in 90, "
        f"{predicted['expected_purchases_365d']:.1f} in a year",
    )
    table.add_row("expected spend an order", money(predicted["expected_spend"]))
    table.add_row(f"lifetime value, next {predicted['clv_horizon_months']} months", money(predicted["clv"]))
    return table
