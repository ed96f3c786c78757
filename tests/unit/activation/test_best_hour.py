"""The best send hour, the next start of an hour across a DST change, and campaign specs refused by name."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from persona360.activation import CampaignError, CampaignSpec
from persona360.activation.send_time import at_hour, best_hour

KYIV = ZoneInfo("Europe/Kyiv")
NOW = datetime(2026, 6, 10, 9, tzinfo=UTC)


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 6, day, hour, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("opens", "computed", "expected"),
    [
        ([utc(1, 16), utc(2, 16), utc(3, 5)], None, 19),  # most frequent local hour
        ([utc(1, 5), utc(2, 16)], None, 19),  # a tie: the hour seen last
        ([utc(1, 16), utc(2, 5)], None, 8),
        ([utc(1, 16)], "6", 9),  # one open is too few: the computed UTC hour, as a local hour
        ([], "6.0", 9),
        ([], None, None),
        ([], "soon", None),  # a computed value that is no hour is ignored
        ([], "24", None),
        ([], "-1", None),
    ],
)
def test_best_hour(opens: list[datetime], computed: object, expected: int | None) -> None:
    assert best_hour(opens, KYIV, computed, NOW) == expected


def test_the_best_hour_follows_the_clock_change() -> None:
    # Kyiv moves from UTC+2 to UTC+3 at 03:00 on 29 March 2026: 10:00 local is 08:00 UTC before, 07:00 after
    assert at_hour(datetime(2026, 3, 28, 12, tzinfo=UTC), KYIV, 10) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert at_hour(datetime(2026, 3, 28, 7, tzinfo=UTC), KYIV, 10) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    now = datetime(2026, 3, 28, 8, 20, tzinfo=UTC)  # 10:20 local: the hour has begun, go now
    assert at_hour(now, KYIV, 10) == now


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"purpose": "profiling"}, "purpose 'profiling' is not one of marketing, transactional"),
        ({"trigger_event": "  "}, "trigger_event is empty"),
        ({"segment": ""}, "segment is empty: a campaign needs a segment, or a trigger_event"),
        ({"purpose": "transactional"}, "a transactional campaign answers an event: give trigger_event"),
        (
            {"purpose": "transactional", "trigger_event": "Order Completed", "control_share": 0, "send_time": True},
            "send_time delays a message; a transactional message goes at once",
        ),
        (
            {"purpose": "transactional", "trigger_event": "Order Completed"},
            "a transactional message is owed to everyone: use control_share=0",
        ),
    ],
)
def test_a_bad_campaign_is_refused_naming_what_is_wrong(changes: dict[str, object], named: str) -> None:
    spec = {"name": "c", "segment": "all", "template": "Hi", **changes}
    with pytest.raises(CampaignError, match=named.replace("(", r"\(").replace(")", r"\)")):
        CampaignSpec(**spec).check()  # type: ignore[arg-type]


def test_a_trigger_campaign_needs_no_segment() -> None:
    CampaignSpec("r", "", "Hi", control_share=0, trigger_event="Order Completed", purpose="transactional").check()
