"""Answers land on the profile at once, update on a second answer, and move segments."""

from __future__ import annotations

import pytest

from persona360 import Workspace
from persona360.errors import NotFoundError, SurveyError
from persona360.segments.definitions import SegmentSpec


def trait(ws: Workspace, profile_id: int, name: str) -> object:
    return ws.profiles.show(profile_id)["traits"][name]["value"]


def test_an_answer_becomes_traits_at_once(surveyed: Workspace) -> None:
    result = surveyed.surveys.answer(
        "post-delivery", ("email", "Jane@Example.org"), {"rating": 2, "size": "41", "why": ["price"]}
    )
    profile_id = surveyed.profiles.find("email", "jane@example.org")
    assert result["profile_id"] == profile_id
    assert trait(surveyed, profile_id, "delivery_rating") == 2
    assert trait(surveyed, profile_id, "shoe_size") == "41"
    assert trait(surveyed, profile_id, "cart_abandon_reason") == ["price"]


def test_answering_twice_updates_rather_than_duplicates(surveyed: Workspace) -> None:
    surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 2})
    surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 5})
    profile_id = surveyed.profiles.find("user_id", "u1")
    assert trait(surveyed, profile_id, "delivery_rating") == 5
    assert [(r["question"], r["answer"]) for r in surveyed.surveys.responses("post-delivery")] == [("rating", 5)]
    assert surveyed.db.scalar("SELECT count(*) FROM survey_answers") == 1
    assert surveyed.surveys.show("post-delivery")["respondents"] == 1


def test_segments_follow_the_answers(surveyed: Workspace) -> None:
    surveyed.surveys.answer("post-delivery", ("user_id", "u0"), {"rating": 3})  # the trait must exist first
    surveyed.segments.create(SegmentSpec("unhappy-delivery", "delivery_rating <= 3"))
    surveyed.segments.create(SegmentSpec("loyal", "delivery_rating >= 4"))
    surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 2})
    profile_id = surveyed.profiles.find("user_id", "u1")
    assert [s["name"] for s in surveyed.segments.of_profile(profile_id)] == ["unhappy-delivery"]
    assert surveyed.segments.members("unhappy-delivery")["total"] == 2
    surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 5})
    assert [s["name"] for s in surveyed.segments.of_profile(profile_id)] == ["loyal"]


def test_bad_answers_store_nothing(surveyed: Workspace) -> None:
    with pytest.raises(SurveyError, match="question 'rating': 9 is out of range"):
        surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 9})
    with pytest.raises(SurveyError, match="no question 'colour'"):
        surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"colour": "red"})
    with pytest.raises(NotFoundError, match="no survey 'nope'; known surveys: post-delivery"):
        surveyed.surveys.answer("nope", ("user_id", "u1"), {"rating": 1})
    assert surveyed.profiles.count() == 0


def test_a_rebuild_rederives_the_answers(surveyed: Workspace) -> None:
    surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 2})
    surveyed.surveys.answer("post-delivery", ("user_id", "u1"), {"rating": 4, "recommend": 9})
    before = surveyed.surveys.responses("post-delivery")
    surveyed.profiles.rebuild()
    assert sorted(map(str, surveyed.surveys.responses("post-delivery"))) == sorted(map(str, before))
    assert surveyed.db.scalar("SELECT count(*) FROM survey_answers") == 2


def test_a_signed_link_answers_and_a_tampered_one_does_not(surveyed: Workspace) -> None:
    token = surveyed.surveys.link("post-delivery", "rating", 1, ("email", "bob@example.org"))
    assert surveyed.surveys.answer_link("post-delivery", token)["traits"] == {"delivery_rating": 1}
    with pytest.raises(SurveyError, match="signature does not match"):
        surveyed.surveys.answer_link("post-delivery", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(SurveyError, match="question 'rating': 7 is out of range"):
        surveyed.surveys.link("post-delivery", "rating", 7, ("email", "bob@example.org"))


def test_nps_and_report_by_segment(surveyed: Workspace) -> None:
    for n, (score, rating, comment) in enumerate(
        [
            (10, 5, "fast courier"),
            (9, 5, "fast and friendly courier"),
            (7, 4, "ok"),
            (3, 1, "box damaged"),
            (0, 2, "damaged box, late"),
        ]
    ):
        surveyed.surveys.answer(
            "post-delivery", ("user_id", f"u{n}"), {"recommend": score, "rating": rating, "comment": comment}
        )
    assert surveyed.surveys.nps("post-delivery")["nps"] == 0.0
    surveyed.segments.create(SegmentSpec("loyal", "delivery_rating >= 4"))
    loyal = surveyed.surveys.nps("post-delivery", segment="loyal")
    assert (loyal["responses"], loyal["promoters"], loyal["nps"]) == (3, 2, 66.7)
    report = {q["question"]: q for q in surveyed.surveys.report("post-delivery")["questions"]}
    assert report["rating"]["mean"] == 3.4
    assert report["recommend"]["detractors"] == 2
    assert sum(theme["count"] for theme in report["comment"]["themes"]) == 5
    with pytest.raises(ValueError, match="question 'rating' is not an NPS question"):
        surveyed.surveys.nps("post-delivery", question="rating")


def test_a_report_names_seven_themes_before_other(surveyed: Workspace) -> None:
    reasons = ["shipping cost", "payment failed", "price too high", "just browsing", "waiting for a discount"]
    reasons += ["app crashed", "checkout too long", "size unclear", "not enough reviews"]
    answers = [reason for n, reason in enumerate(reasons) for _ in range(len(reasons) - n)]
    for n, comment in enumerate(answers):
        surveyed.surveys.answer("post-delivery", ("user_id", f"u{n}"), {"comment": comment})
    report = {q["question"]: q for q in surveyed.surveys.report("post-delivery")["questions"]}
    themes = [theme["theme"] for theme in report["comment"]["themes"]]
    assert themes == [*reasons[:7], "other"]
