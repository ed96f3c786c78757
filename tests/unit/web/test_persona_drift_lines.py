"""The drift report of the personas room, as the personas page words it."""

from __future__ import annotations

from persona360.web.persona_pages import drift_lines


def test_a_first_version_has_no_drift() -> None:
    assert drift_lines(None) == []


def test_drift_is_worded_per_persona() -> None:
    report = {
        "from_version": 1,
        "to_version": 2,
        "customers": {"before": 90, "after": 100, "both": 80, "joined": 20, "left": 10},
        "changed_share": 0.125,
        "matches": [
            {"old_name": "Value Hunters", "new_name": "Value Hunters", "share_before": 0.3, "share_after": 0.25},
            {"old_name": "Researchers", "new_name": "Careful Researchers", "share_before": 0.2, "share_after": 0.2},
        ],
        "born": [{"name": "Gift Givers", "share": 0.1}],
        "gone": [{"name": "Night Owls", "share": 0.05}],
    }
    assert drift_lines(report) == [
        "v1 → v2: 20 customers joined, 10 left; 12% of the 80 in both changed persona",
        "Value Hunters: 30% → 25% of customers",
        "Researchers → Careful Researchers: 20% → 20% of customers",
        "New persona: Gift Givers (10%)",
        "Gone: Night Owls (was 5%)",
    ]
