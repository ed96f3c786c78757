"""``resolve`` and ``review``: probabilistic matching and its review queue."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from persona360.cli.state import console, print_json, print_table, workspace
from persona360.profiles.links import merge_reason
from persona360.resolution import weighed_reasons

review = typer.Typer(help="Decide the pairs `resolve` was not sure about.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.command("resolve")(resolve)
    app.add_typer(review, name="review")


def resolve(
    train: Annotated[
        bool | None,
        typer.Option(
            "--train/--no-train",
            help="Score every profile, estimating the model from the data first (default: whenever there are "
            "500+ profiles); --no-train keeps the prior model.",
        ),
    ] = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Score every profile again with a newly estimated model.")
    ] = False,
    json: JsonOption = False,
) -> None:
    """Match profiles that share no identifier: merge sure pairs, queue likely ones.

    After the first run only new profiles are matched, with the model kept from it.
    """
    with workspace() as ws:
        report = ws.resolution.resolve(train=train, retrain=retrain)
    if json:
        print_json(report.as_dict())
        return
    what = "new profiles with the kept model" if report.incremental else "profiles"
    console.print(
        f"Compared {report.records} {what}{' (trained)' if report.trained else ''}: "
        f"{report.candidates} candidate pairs, {report.merged} merged, {report.queued} queued for review, "
        f"{report.skipped} decided before; {report.handovers} anonymous profiles joined by device handover, "
        f"{report.homes} by home network."
    )


@review.command("list")
def list_pairs(
    status: Annotated[str, typer.Option(help="pending, accepted, rejected, merged or all.")] = "pending",
    limit: int = 50,
    json: JsonOption = False,
) -> None:
    """List pairs waiting for a decision (or decided ones, with --status)."""
    wanted = None if status == "all" else status
    with workspace() as ws:
        rows = ws.resolution.pairs(wanted, limit)
        total = ws.resolution.count(wanted) if len(rows) == limit else len(rows)
        ws.privacy.audit("cli", "resolution.pairs", "profiles", {"status": status, "limit": limit})
    if json:
        print_json(rows)
        return
    print_table(_pairs_table(rows), _no_pairs(wanted))
    if total > len(rows):
        what = "pairs" if wanted is None else f"{wanted} pairs"
        console.print(f"{len(rows)} of {total:,} {what} shown, most likely first: --limit shows more.")


def _no_pairs(status: str | None) -> str:
    """What an empty review list says: the web's "Nothing to review" for pending pairs."""
    if status == "pending":
        return "Nothing to review: run `persona360 resolve` to look for pairs."
    if status is None:
        return "No pairs yet: run `persona360 resolve` to look for them."
    return f"No {status} pairs."


def _pairs_table(rows: list[dict[str, Any]]) -> Table:
    """The pairs, each side on its own line, never cut short, however narrow the terminal.

    The two identifiers are what a reviewer compares: side by side in 80 columns (a pipe,
    no terminal) Rich cut both to "email:grzesk…", so they sit one above the other and a
    value too long for the column folds onto the next line instead of losing its end.
    """
    table = Table("pair", "profiles to compare", "strongest reasons", show_lines=True)
    table.columns[0].no_wrap = True
    table.columns[1].overflow = "fold"
    table.columns[1].ratio = 3
    table.columns[2].ratio = 1
    for row in rows:
        table.add_row(
            f"{row['pair_id']}\np {row['probability']:.3f}\n{row['status']}",
            escape(
                f"a #{row['a_profile']} {row['a_kind']}:{row['a_value']}\n"
                f"b #{row['b_profile']} {row['b_kind']}:{row['b_value']}"
            ),
            _reasons(row["explanation"]).replace(", ", "\n"),
        )
    return table


def _reasons(explanation: dict[str, Any]) -> str:
    """The three strongest match weights, or the rule that joined the pair, named as the profile card names it."""
    if "match_weights" not in explanation:  # a rule's pair has no weights
        rule = merge_reason(explanation)
        return ", ".join(part for part in (rule.get("reason"), rule.get("why")) if part) or "?"
    weights = weighed_reasons(explanation)[:3]
    return ", ".join(f"{name} {weight:+.1f}" for name, weight in weights) or "no comparison weighed"


@review.command("accept")
def accept(pair_id: Annotated[int, typer.Argument(help="Pair id from `review list`.")]) -> None:
    """Merge the two profiles of a pair (undo with `persona360 unmerge`)."""
    with workspace() as ws:
        profile_id = ws.resolution.accept(pair_id)
    console.print(f"Merged into profile {profile_id}.")


@review.command("reject")
def reject(pair_id: Annotated[int, typer.Argument(help="Pair id from `review list`.")]) -> None:
    """Keep the two profiles apart; the pair is never proposed again."""
    with workspace() as ws:
        ws.resolution.reject(pair_id)
    console.print(f"Rejected pair {pair_id}.")
