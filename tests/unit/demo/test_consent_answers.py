"""The cookie banner's answers: on identify calls only, one answer a person, at the spec's rates."""

from __future__ import annotations

from collections import defaultdict

from demo_shop_data import Demo


def _answers_by_person(demo: Demo) -> dict[str, set[str]]:
    answers: dict[str, set[str]] = defaultdict(set)
    for event in demo.events:
        if event["type"] == "identify":
            answers[demo.person("shop-web", event["messageId"])].add(repr(event["context"].get("consent")))
    return answers


def test_a_person_gives_one_answer_on_every_identify_call(demo: Demo) -> None:
    answers = _answers_by_person(demo)
    assert len(answers) > 100 and all(len(seen) == 1 for seen in answers.values())
    assert not any("consent" in e["context"] for e in demo.events if e["type"] != "identify")


def test_answers_come_at_the_configured_rates(demo: Demo) -> None:
    rates = demo.spec.consent
    first = {person: next(iter(seen)) for person, seen in _answers_by_person(demo).items()}
    answered = [a for a in first.values() if a != "None"]
    assert abs(len(answered) / len(first) - rates.answered) < 0.05
    sharing = sum("'DataSharing': True" in a for a in answered) / len(answered)
    assert abs(sharing - rates.data_sharing) < 0.07
    assert all("'Necessary': True" in a for a in answered)


def test_value_hunters_accept_marketing_more_often(demo: Demo) -> None:
    by_archetype: dict[bool, list[bool]] = defaultdict(list)
    seen: set[str] = set()
    for event in demo.events:
        person = demo.person("shop-web", event["messageId"])
        consent = event["context"].get("consent")
        if person in seen or event["type"] != "identify" or consent is None:
            continue
        seen.add(person)
        hunter = demo.truth[("shop-web", event["messageId"])]["primary_archetype"] == "value_hunter"
        by_archetype[hunter].append(consent["categoryPreferences"]["Marketing"])
    share = {hunter: sum(v) / len(v) for hunter, v in by_archetype.items()}
    assert share[True] > share[False] + 0.15
