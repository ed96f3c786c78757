"""Guardrails on the model's pairs: conflicting phones, directly or through a chain."""

from __future__ import annotations

from persona360.resolution.guard import ScoredPair, conflict_between, guard_pairs
from persona360.resolution.records import ProfileRecord
from persona360.resolution.table import Records


def test_two_profiles_each_with_their_own_phone_conflict() -> None:
    assert conflict_between(["+380501234567"], ["+380671112233"]) == "different phones (+380501234567 / +380671112233)"
    assert conflict_between(["+380501234567"], []) is None
    assert conflict_between(["+380501234567", "+380671112233"], ["+380671112233"]) is None


def test_one_number_read_in_two_regions_is_not_a_conflict() -> None:
    assert conflict_between(["+48577806103"], ["+380577806103"]) is None


def test_a_sure_pair_with_conflicting_phones_is_kept_for_review() -> None:
    phones = {1: ("+380501234567",), 2: ("+380671112233",)}
    (pair,) = guard_pairs([ScoredPair(1, 2, 0.9999, {})], phones, upper=0.99)
    assert pair.conflict == "different phones (+380501234567 / +380671112233)"


def test_a_profile_without_a_phone_cannot_bridge_two_that_conflict() -> None:
    phones = {1: ("+380501234567",), 2: (), 3: ("+380671112233",)}
    pairs = [ScoredPair(1, 2, 0.9999, {}), ScoredPair(2, 3, 0.999, {}), ScoredPair(1, 4, 0.5, {})]
    first, second, low = guard_pairs(pairs, phones, upper=0.99)
    assert first.conflict is None
    assert second.conflict == (
        "different phones (+380501234567 / +380671112233), through profiles already matched in this run"
    )
    assert low.conflict is None  # below the threshold nothing is joined, nothing is marked


def test_a_phone_held_only_as_a_trait_conflicts_too() -> None:
    """A number typed into a form that the graph did not take as an identifier is still the person's."""
    records = Records.of([
        ProfileRecord(1, 1, "eva", "majdak", None, "727514527", None, None, None, phones=("+48727514527",)),
        ProfileRecord(2, 2, "eva", "majdak", None, "607719537", None, None, None),
        ProfileRecord(3, 3, "eva", "majdak", None, "607719537", None, None, None, phones=("+48607719537",)),
    ])  # fmt: skip
    phones = records.phones({1, 2, 3})
    assert phones == {1: ("+48727514527",), 2: ("607719537",), 3: ("+48607719537",)}
    first, second = guard_pairs([ScoredPair(1, 2, 0.9999, {}), ScoredPair(2, 3, 0.9999, {})], phones, upper=0.99)
    assert first.conflict == "different phones (+48727514527 / 607719537)"
    assert second.conflict is None  # the same number, once as a trait and once as an identifier
