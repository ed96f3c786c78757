"""Survey definitions: the questions, their kinds and the profile trait each one feeds.

A survey is written as JSON or YAML (``persona360 surveys create FILE``)::

    id: post-delivery
    name: After delivery
    questions:
      - id: rating
        text: How was the delivery?
        kind: scale
        min: 1
        max: 5
        trait: delivery_rating
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from persona360.errors import SurveyError

QuestionKind = Literal["single_choice", "multiple_choice", "scale", "nps", "free_text"]
_NAME = r"^[a-z][a-z0-9_-]{0,62}$"
_TRAIT = r"^[a-z][a-z0-9_]{0,62}$"


class QuestionSpec(BaseModel):
    """One question and the trait its answer is written to."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_NAME, description="Stable name of the question, e.g. 'shoe_size'.")
    text: str = Field(min_length=1, description="What the respondent reads.")
    kind: QuestionKind
    trait: str = Field(pattern=_TRAIT, description="Profile trait the answer is written to.")
    choices: list[str] = Field(default_factory=list, description="Allowed answers of choice questions.")
    min: int | None = Field(None, description="Lowest value of a scale.")
    max: int | None = Field(None, description="Highest value of a scale.")
    max_length: int = Field(2000, ge=1, le=20000, description="Longest free-text answer, in characters.")

    @model_validator(mode="after")
    def _check_kind(self) -> QuestionSpec:
        if self.kind in ("single_choice", "multiple_choice"):
            if not self.choices or len(set(self.choices)) != len(self.choices):
                raise ValueError(f"question {self.id!r}: choices must be a non-empty list without repeats")
        elif self.choices:
            raise ValueError(f"question {self.id!r}: choices are only for single_choice or multiple_choice")
        if self.kind == "scale" and (self.min is None or self.max is None or self.min >= self.max):
            raise ValueError(f"question {self.id!r}: a scale needs integer min and max with min < max")
        if self.kind == "nps":
            self.min, self.max = 0, 10
        return self


class SurveySpec(BaseModel):
    """A survey as the user writes it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_NAME, description="Stable name used in URLs and the CLI, e.g. 'post-delivery'.")
    name: str = Field(min_length=1)
    description: str = ""
    questions: list[QuestionSpec] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique(cls, questions: list[QuestionSpec]) -> list[QuestionSpec]:
        for attribute in ("id", "trait"):
            seen = [getattr(q, attribute) for q in questions]
            repeated = sorted({value for value in seen if seen.count(value) > 1})
            if repeated:
                raise ValueError(f"question {attribute}s must be unique; repeated: {', '.join(repeated)}")
        return questions

    def question(self, question_id: str) -> QuestionSpec:
        """The question named ``question_id``; :class:`SurveyError` naming the known ones otherwise."""
        for question in self.questions:
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise SurveyError(
            f"survey {self.id!r} has no question {question_id!r}; its questions are: {known}",
            field=f"answers.{question_id}",
        )


def parse_survey(data: Any) -> SurveySpec:
    """Validate ``data`` as a survey; the error names the first bad field by its path.

    Raises:
        SurveyError: the definition is invalid (``field`` holds the dotted path).
    """
    try:
        return SurveySpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = _dotted(first["loc"], data)
        raise SurveyError(f"{field or 'survey'}: {first['msg']}", field=field) from None


def load_survey(path: Path) -> SurveySpec:
    """Read a survey definition from a ``.json``, ``.yaml`` or ``.yml`` file."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise SurveyError(f"{path.name} is not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {error}") from None
    return parse_survey(data)


def _dotted(loc: tuple[Any, ...], data: Any) -> str:
    """``questions.1.min`` becomes ``questions[1] (rating).min`` so the user finds it."""
    parts: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, int) and index and loc[index - 1] == "questions":
            name = _question_name(data, part)
            parts[-1] = f"questions[{part}]" + (f" ({name})" if name else "")
        else:
            parts.append(str(part))
    return re.sub(r"\.(?=\[)", "", ".".join(parts))


def _question_name(data: Any, index: int) -> str:
    try:
        return str(data["questions"][index]["id"])
    except (KeyError, IndexError, TypeError):
        return ""
