"""Nearest-persona assignment in DuckDB, so that refreshing between rebuilds is cheap.

A stored model holds everything the build did to a customer's raw features: the
medians that fill missing values, which columns are logged (``log1p`` of the value
clipped at zero), the scaler's centre and scale, and the centroids. The query below
repeats those steps over the features query and picks the nearest centroid with
``arg_min``, so a million customers are scored without leaving the database, and a
few changed ones are scored by restricting the features query to them. It must agree
with :func:`persona360.personas.build.assign_profiles` (the Python path); a test
holds the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlglot import exp

from persona360.personas.features import GiftCalendar, feature_params, features_sql
from persona360.store.database import Database

FEATURES = "__p360__persona_features"


def assignment_sql(model: dict[str, Any]) -> exp.Select:
    """Profile id, nearest persona and distance to it, for the rows of ``FEATURES``.

    ``FEATURES`` is the features query as a CTE (see :func:`assignment_query`).
    """
    names = list(model["clustered"])
    known = [_known(model, name).as_(f"k{index}") for index, name in enumerate(names)]
    scaled = exp.select(
        "profile_id", *(_scaled(model, index, name).as_(f"x{index}") for index, name in enumerate(names)), *known
    ).from_(FEATURES)
    centroids = exp.values(
        [(persona, *map(float, centre)) for persona, centre in enumerate(model["centroids"])],
        alias="c",
        columns=["persona", *(f"c{index}" for index in range(len(names)))],
    )
    squares = [
        exp.Mul(this=exp.column(f"k{i}", "s"), expression=exp.Pow(
            this=exp.paren(exp.Sub(this=exp.column(f"x{i}", "s"), expression=exp.column(f"c{i}", "c"))),
            expression=exp.Literal.number(2)))
        for i in range(len(names))
    ]  # fmt: skip
    # only known values vote, scaled up by columns / known columns (as discovery.assign does)
    weight = exp.Div(
        this=exp.Literal.number(len(names)),
        expression=exp.func(
            "GREATEST", _sum([exp.column(f"k{i}", "s") for i in range(len(names))]), exp.Literal.number(1)
        ),
    )
    distance = exp.func("SQRT", exp.Mul(this=exp.paren(_sum(squares)), expression=weight))
    pairs = (
        exp.select(exp.column("profile_id", "s"), exp.column("persona", "c"), distance.as_("distance"))
        .from_(scaled.subquery("s"))
        .join(centroids, join_type="cross")
    )
    return (
        exp.select(
            "profile_id",
            exp.func("ARG_MIN", exp.column("persona"), exp.column("distance")).as_("persona"),
            exp.func("MIN", exp.column("distance")).as_("distance"),
        )
        .from_(pairs.subquery("d"))
        .group_by("profile_id")
        .order_by("profile_id")
    )


def _known(model: dict[str, Any], name: str) -> exp.Expr:
    """1 where the value is known, 0 where it is imputed (always 1 for a model before ``known_only``)."""
    if not model.get("known_only"):
        return exp.Literal.number(1)
    return exp.Case(ifs=[exp.If(this=exp.Is(this=exp.column(name), expression=exp.Null()), true=exp.Literal.number(0))],
                    default=exp.Literal.number(1))  # fmt: skip


def _scaled(model: dict[str, Any], index: int, name: str) -> exp.Expr:
    """(transform(coalesce(value, median)) - centre) / scale, as the build computed it."""
    filled = exp.func("COALESCE", exp.column(name), exp.Literal.number(float(model["imputed"].get(name, 0.0))))
    if name in model.get("log_features", ()):
        clipped = exp.func("GREATEST", filled, exp.Literal.number(0))
        filled = exp.func("LN", exp.Add(this=exp.Literal.number(1), expression=clipped))
    centred = exp.Sub(this=exp.paren(filled), expression=exp.Literal.number(float(model["center"][index])))
    return exp.Div(this=exp.paren(centred), expression=exp.Literal.number(float(model["scale"][index])))


def _sum(terms: Sequence[exp.Expr]) -> exp.Expr:
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return total


def assignment_query(model: dict[str, Any]) -> str:
    """The whole statement: the features query as a CTE, then the assignment over it.

    The features query is a constant written for DuckDB (its JSON operators do not
    survive a SQLGlot round trip), so it is prefixed as text; the part built from the
    model is SQLGlot.
    """
    return f"WITH {FEATURES} AS ({features_sql()})\n{assignment_sql(model).sql(dialect='duckdb')}"


def assign_in_sql(
    db: Database,
    model: dict[str, Any],
    now: datetime,
    profiles: list[int] | None = None,
    calendar: GiftCalendar | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(profile ids, personas, distances) of every customer, or of ``profiles`` only."""
    rows = db.query(assignment_query(model), feature_params(now, profiles=profiles, calendar=calendar))
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    labels = np.array([row[1] for row in rows], dtype=np.int64)
    distances = np.array([row[2] for row in rows], dtype=np.float64)
    return ids, labels, distances
