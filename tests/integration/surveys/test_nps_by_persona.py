"""NPS per persona: respondents grouped by the ``persona`` value the personas room publishes."""

from __future__ import annotations

import pyarrow as pa
import pytest

from persona360 import Workspace
from persona360.errors import SurveyError
from persona360.segments.computed import store_values

SCORES = {"u1": 10, "u2": 9, "u3": 3, "u4": 8, "u5": 0}
PERSONAS = {"u1": "Value Hunters", "u2": "Value Hunters", "u3": "Value Hunters", "u4": "Gift Givers"}


def _publish(ws: Workspace, personas: dict[str, str]) -> None:
    """Write ``persona`` values the way the personas room's ``publish_trait`` does."""
    ids = [ws.profiles.find("user_id", user) for user in personas]
    names = list(personas.values())
    table = pa.table({"profile_id": ids, "value_text": names, "value_num": [float(len(n)) for n in names]})
    with ws.db.transaction() as tx:
        tx.register("__p360__test_personas", table)
        store_values(tx, "persona", "SELECT * FROM __p360__test_personas", ws.clock.now(), None)


def test_nps_per_persona(surveyed: Workspace) -> None:
    for user, score in SCORES.items():
        surveyed.surveys.answer("post-delivery", ("user_id", user), {"recommend": score})
    _publish(surveyed, PERSONAS)
    personas = surveyed.surveys.nps_by_persona("post-delivery")["personas"]
    assert list(personas) == ["(no persona)", "Gift Givers", "Value Hunters"]
    assert personas["Value Hunters"]["responses"] == 3 and personas["Value Hunters"]["nps"] == pytest.approx(
        33.3, abs=0.1
    )
    assert personas["Gift Givers"]["passives"] == 1 and personas["Gift Givers"]["nps"] == 0.0
    assert personas["(no persona)"]["nps"] == -100.0
    report = surveyed.surveys.report("post-delivery", by_persona=True)
    recommend = next(q for q in report["questions"] if q["question"] == "recommend")
    assert recommend["by_persona"] == personas
    assert "by_persona" not in next(q for q in report["questions"] if q["question"] == "rating")
    assert "by_persona" not in surveyed.surveys.report("post-delivery")["questions"][3]


def test_nps_per_persona_needs_an_nps_question(surveyed: Workspace) -> None:
    with pytest.raises(SurveyError, match="question 'rating' is not an NPS question"):
        surveyed.surveys.nps_by_persona("post-delivery", "rating")
