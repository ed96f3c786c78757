"""``predict``: fit and score predictive traits; ``predict report``: how good the fit is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.table import Table

from persona360.cli.state import console, fail, print_json, progress_bar, workspace
from persona360.predict.guardrails import PURCHASE_MODELS, PredictionOptions

predict = typer.Typer(
    help="Predict purchases, P(alive), churn risk and customer lifetime value.",
    invoke_without_command=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(predict, name="predict")


@predict.callback()
def run(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help=escape("End of observation, ISO 8601 [default: now]."))] = None,
    horizon_months: Annotated[int, typer.Option(help="Months the CLV adds up.")] = 12,
    monthly_discount: Annotated[float, typer.Option(help="CLV discount rate per month.")] = 0.01,
    holdout_days: Annotated[int, typer.Option(help="Holdout length of the report's check.")] = 90,
    purchase_model: Annotated[
        str,
        typer.Option(
            help="mbgnbd (a customer may drop out after any purchase) or bgnbd (only after a repeat"
            " purchase: one-time buyers never churn)."
        ),
    ] = PURCHASE_MODELS[0],
    json: JsonOption = False,
) -> None:
    """Fit the models on the workspace's orders and store every customer's predictions."""
    if ctx.invoked_subcommand is not None:
        return
    moment = _parse_moment(as_of)
    with (
        workspace() as ws,
        progress_bar(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), shown_on=console, hidden=json
        ) as bar,
    ):
        options = PredictionOptions(horizon_months, monthly_discount, holdout_days, purchase_model=purchase_model)
        task = bar.add_task("Predicting", total=None)
        report = ws.predict.run(
            as_of=moment,
            options=options,
            progress=lambda step, done, total: bar.update(
                task, description=step.capitalize(), completed=done, total=total
            ),
        )
        ws.privacy.audit("cli", "predict.run", "profiles", {"customers": report["customers"]})
    if json:
        print_json(report)
        return
    console.print(
        f"Scored {report['customers']} customers ({report['repeat_customers']} repeat) "
        f"as of {report['as_of'][:10]}; see `persona360 predict report`."
    )
    for warning in report["warnings"]:
        console.print(f"Warning: {warning}")


@predict.command("report")
def report(json: JsonOption = False) -> None:
    """Show the fitted parameters, their standard errors and the holdout check."""
    with workspace() as ws:
        found = ws.predict.report()
    if found is None:
        raise fail("no predictions yet: run `persona360 predict` first")
    if json:
        print_json(found)
        return
    console.print(
        f"Fitted {found['fitted_at'][:19]} on orders up to {found['as_of'][:19]} "
        f"({found['customers']} customers, {found['repeat_customers']} repeat)."
    )
    console.print(_parameters(found))
    console.print(_diagnostics(found["diagnostics"]))
    for warning in found.get("warnings", []):  # reports stored before warnings existed have none
        console.print(f"Warning: {warning}")


def _parse_moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-of {text!r} is not an ISO 8601 date or time, e.g. 2026-11-01T00:00:00Z") from None


_LABELS = {"mbgnbd": "MBG/NBD", "bgnbd": "BG/NBD"}


def _parameters(report: dict[str, Any]) -> Table:
    table = Table("model", "parameter", "estimate", "std. error", title="Parameters (days)")
    # reports from before MBG/NBD have no "purchase_model": they are BG/NBD
    purchases = report.get("purchase_model", "bgnbd")
    for model, label in ((purchases, _LABELS[purchases]), ("gamma_gamma", "Gamma-Gamma")):
        for name, value in report[model]["params"].items():
            error = report[model]["standard_errors"][name]
            table.add_row(label, name, f"{value:.4g}", "-" if error is None else f"{error:.3g}")
    return table


def _diagnostics(diagnostics: dict[str, Any]) -> Table | str:
    if "skipped" in diagnostics:
        return f"Holdout check skipped: {diagnostics['skipped']}"
    title = (
        f"Holdout ({diagnostics['holdout_days']} days after {diagnostics['calibration_end']}): "
        f"predicted {diagnostics['predicted']:.0f}, actual {diagnostics['actual']:.0f} purchases"
    )
    table = Table("repeat purchases", "customers", "predicted mean", "actual mean", title=title)
    for row in diagnostics["by_frequency"]:
        table.add_row(
            row["frequency"],
            str(row["customers"]),
            f"{row['predicted_mean']:.3f}",
            f"{row['actual_mean']:.3f}",
        )
    correlation = diagnostics["correlation"]
    table.caption = f"correlation {correlation:.3f}" if correlation is not None else None
    return table
