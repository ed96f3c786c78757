"""Survey definitions: valid ones parse, invalid ones name the bad field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from persona360.errors import SurveyError
from persona360.surveys import load_survey, parse_survey


def survey(*questions: dict[str, Any]) -> dict[str, Any]:
    return {"id": "post-delivery", "name": "After delivery", "questions": list(questions)}


def q(**fields: Any) -> dict[str, Any]:
    return {
        "id": "rating",
        "text": "How was it?",
        "kind": "scale",
        "min": 1,
        "max": 5,
        "trait": "delivery_rating",
    } | fields


def test_every_kind_parses_and_nps_gets_its_range() -> None:
    spec = parse_survey(
        survey(
            q(),
            q(id="size", kind="single_choice", choices=["40", "41"], min=None, max=None, trait="shoe_size"),
            q(
                id="why",
                kind="multiple_choice",
                choices=["price", "delivery"],
                min=None,
                max=None,
                trait="cart_abandon_reason",
            ),
            q(id="recommend", kind="nps", min=None, max=None, trait="nps_score"),
            q(id="comment", kind="free_text", min=None, max=None, trait="delivery_comment"),
        )
    )
    assert [question.kind for question in spec.questions] == [
        "scale",
        "single_choice",
        "multiple_choice",
        "nps",
        "free_text",
    ]
    assert (spec.question("recommend").min, spec.question("recommend").max) == (0, 10)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "x", "questions": [q()]}, "id", "Field required"),
        (survey(), "questions", "at least 1 item"),
        (survey(q(kind="dial")), "questions[0] (rating).kind", "Input should be"),
        (survey(q(trait="Delivery Rating")), "questions[0] (rating).trait", "should match pattern"),
        (survey(q(min=5, max=1)), "questions[0] (rating)", "min < max"),
        (survey(q(kind="single_choice", min=None, max=None)), "questions[0] (rating)", "choices must be a non-empty"),
        (survey(q(choices=["a"])), "questions[0] (rating)", "choices are only for"),
        (survey(q(), q(trait="other")), "questions", "question ids must be unique; repeated: rating"),
        (survey(q(), q(id="r2")), "questions", "question traits must be unique; repeated: delivery_rating"),
        (survey(q(colour="red")), "questions[0] (rating).colour", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_definition_names_the_field(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(SurveyError, match=message) as caught:
        parse_survey(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_yaml_and_json_files_load(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "id: shoes\nname: Shoes\nquestions:\n"
        "  - {id: size, text: 'Size?', kind: scale, min: 35, max: 48, trait: shoe_size}\n"
    )
    (tmp_path / "s.json").write_text(
        '{"id": "shoes", "name": "Shoes", "questions": ['
        + '{"id": "size", "text": "Size?", "kind": "nps", "trait": "nps"}]}'
    )
    assert load_survey(tmp_path / "s.yaml").question("size").max == 48
    assert load_survey(tmp_path / "s.json").question("size").kind == "nps"


def test_a_broken_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text("{nope")
    with pytest.raises(SurveyError, match="s.json is not valid JSON"):
        load_survey(tmp_path / "s.json")
