"""Signed one-click answer links: a good token verifies, anything else is refused clearly."""

from __future__ import annotations

import pytest

from persona360.errors import SurveyError, WorkspaceError
from persona360.settings import load_settings
from persona360.surveys import LinkAnswer, sign_answer, verify_answer
from persona360.surveys.links import link_key

KEY = b"test-key"
ANSWER = LinkAnswer("post-delivery", ("email", "jane@example.org"), "rating", 4)


def test_a_signed_token_round_trips() -> None:
    assert verify_answer(KEY, sign_answer(KEY, ANSWER), "post-delivery") == ANSWER


def _tampered() -> str:
    body, _, signature = sign_answer(KEY, ANSWER).partition(".")
    forged = sign_answer(KEY, LinkAnswer("post-delivery", ("email", "jane@example.org"), "rating", 1))
    return f"{forged.partition('.')[0]}.{signature}"


@pytest.mark.parametrize(
    ("token", "survey", "message"),
    [
        (None, "post-delivery", "the link has no signed token"),
        ("", "post-delivery", "the link has no signed token"),
        ("abc", "post-delivery", "the link has no signed token"),
        ("a.b", "post-delivery", "malformed"),
        (_tampered(), "post-delivery", "signature does not match"),
        (sign_answer(b"other-key", ANSWER), "post-delivery", "signature does not match"),
        (sign_answer(KEY, ANSWER), "checkout", "made for survey 'post-delivery', not 'checkout'"),
    ],
)
def test_a_bad_token_is_refused_with_a_reason(token: str | None, survey: str, message: str) -> None:
    with pytest.raises(SurveyError, match=message) as caught:
        verify_answer(KEY, token, survey)
    assert caught.value.field == "token"


def test_the_default_secret_is_refused_outside_dev() -> None:
    assert link_key(load_settings(db=":memory:", env="dev"))
    with pytest.raises(WorkspaceError, match="PERSONA360_SURVEY_LINK_SECRET"):
        link_key(load_settings(db=":memory:", env="prod"))
    assert link_key(load_settings(db=":memory:", env="prod", survey_link_secret="s3cret")) == b"s3cret"
