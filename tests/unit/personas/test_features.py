"""From raw feature columns to the matrix k-means sees: imputation, flags, logs, categories."""

from __future__ import annotations

import numpy as np
import pytest

from persona360.personas.features import Columns, feature_matrix, keep_rows


def columns() -> Columns:
    return {
        "profile_id": [1, 2, 3, 4],
        "frequency": [1.0, 3.0, 7.0, 1.0],
        "gap_cv": [None, 0.5, 0.1, None],
        "clv": [None, None, None, None],
        "mobile_share": [0.0, 1.0, 0.5, 1.0],
        "revenue": [10.0, 30.0, 70.0, 0.0],
        "usual_hour": [9, None, 20, 21],
        "category_shares": [{"shoes": 1.0}, {"shoes": 0.5, "home": 0.5}, None, {"toys": 1.0}],
    }


def test_missing_values_become_the_median_and_a_flag() -> None:
    matrix = feature_matrix(columns())
    index = matrix.names.index("gap_cv")
    assert matrix.raw[:, index].tolist() == [0.3, 0.5, 0.1, 0.3]
    assert matrix.raw[:, matrix.names.index("gap_cv_missing")].tolist() == [1, 0, 0, 1]
    assert matrix.imputed["gap_cv"] == pytest.approx(0.3)
    assert "clv" not in matrix.names  # never known: dropped, not invented
    assert "mobile_share_missing" not in matrix.names  # never missing: no flag


def test_skewed_amounts_are_logged_and_cards_keep_raw_values() -> None:
    matrix = feature_matrix(columns())
    index = matrix.names.index("frequency")
    assert matrix.raw[:, index].tolist() == [1.0, 3.0, 7.0, 1.0]
    assert matrix.values[:, index] == pytest.approx(np.log1p([1.0, 3.0, 7.0, 1.0]))
    assert "revenue" not in matrix.names and matrix.revenue.tolist() == [10, 30, 70, 0]
    assert np.isnan(matrix.usual_hour[1])


def test_categories_become_share_columns() -> None:
    matrix = feature_matrix(columns())
    shoes = matrix.raw[:, matrix.names.index("category:shoes")]
    assert shoes.tolist() == [1.0, 0.5, 0.5, 0.0]  # profile 3 bought nothing tracked: the median
    assert "category:shoes_missing" in matrix.names


def test_a_stored_model_scores_new_rows_the_same_way() -> None:
    model = feature_matrix(columns())
    fresh = keep_rows(columns(), [False, False, False, True])
    again = feature_matrix(fresh, model.names, model.imputed)
    assert again.names == model.names
    assert again.raw[0].tolist() == model.raw[3].tolist()
