"""Control draw, quiet hours, backoff, signed links and the uplift interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from persona360.activation.attribution import two_proportions
from persona360.activation.channels.base import RateLimiter
from persona360.activation.links import BadTokenError, click_url, read_token, sign_token
from persona360.activation.outbox import BACKOFF_BASE, to_html
from persona360.activation.timing import arm, bucket, quiet_until, zone
from persona360.retry import backoff
from persona360.segments import triggers


def test_control_draw_is_deterministic_and_near_its_share() -> None:
    arms = [arm("spring", pid, 0.1) for pid in range(10_000)]
    assert arms == [arm("spring", pid, 0.1) for pid in range(10_000)]
    assert 900 < arms.count("control") < 1100
    assert bucket("spring", 1) != bucket("autumn", 1)


@pytest.mark.parametrize(
    ("utc_hour", "tz", "wake"),
    [
        (12, "Europe/Kyiv", None),
        (19, "Europe/Kyiv", datetime(2026, 11, 2, 7, tzinfo=UTC)),  # 21:00 Kyiv -> 09:00 Kyiv
        (3, "Europe/Kyiv", datetime(2026, 11, 1, 7, tzinfo=UTC)),  # 05:00 Kyiv
        (3, "America/New_York", None),  # 22:00 the day before... in New York it is quiet
    ],
)
def test_quiet_hours_in_the_profile_time_zone(utc_hour: int, tz: str, wake: datetime | None) -> None:
    now = datetime(2026, 11, 1, utc_hour, tzinfo=UTC)
    got = quiet_until(now, ZoneInfo(tz), (21, 9))
    if tz == "America/New_York":
        assert got == datetime(2026, 11, 1, 14, tzinfo=UTC)
    else:
        assert got == wake


@pytest.mark.parametrize("utc_hour", [0, 5, 12, 21, 23])
def test_equal_quiet_hours_mean_none(utc_hour: int) -> None:
    assert quiet_until(datetime(2026, 11, 1, utc_hour, tzinfo=UTC), ZoneInfo("Europe/Kyiv"), (9, 9)) is None


def test_unknown_time_zone_falls_back_to_default() -> None:
    assert zone("Mars/Olympus", "Europe/Kyiv") == ZoneInfo("Europe/Kyiv")
    assert zone(None, "UTC") == ZoneInfo("UTC")


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff(n, BACKOFF_BASE) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(30, BACKOFF_BASE) == timedelta(hours=6)
    # segment triggers use the same formula from a shorter first wait
    assert [backoff(n, triggers.BACKOFF_BASE) for n in (1, 2)] == [timedelta(seconds=30), timedelta(minutes=1)]


def test_links_are_signed() -> None:
    url = click_url("https://t.example/", "s3cret", 7, "https://shop/cart")
    token = url.rsplit("/", 1)[1]
    assert url.startswith("https://t.example/t/c/")
    assert read_token("s3cret", token) == {"m": 7, "u": "https://shop/cart"}
    with pytest.raises(BadTokenError, match="signature"):
        read_token("other", token)
    forged = sign_token("other", {"m": 7, "u": "https://evil"})
    with pytest.raises(BadTokenError):
        read_token("s3cret", forged)
    with pytest.raises(BadTokenError, match="malformed"):
        read_token("s3cret", "nodot")


def test_html_part_escapes_and_links() -> None:
    html = to_html("<b>hi</b>\n\nsee https://x.org/a", "https://t/o/1")
    assert "&lt;b&gt;" in html and '<a href="https://x.org/a">' in html and 'src="https://t/o/1"' in html


def test_two_proportions() -> None:
    r = two_proportions(30, 100, 20, 100)
    assert r["difference"] == pytest.approx(0.1)
    assert r["uplift"] == pytest.approx(0.5)
    assert r["ci_low"] == pytest.approx(0.1 - 1.96 * (0.3 * 0.7 / 100 + 0.2 * 0.8 / 100) ** 0.5, abs=1e-3)
    assert two_proportions(1, 10, 0, 0)["difference"] is None


def test_rate_limiter_spaces_calls() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(10, monotonic=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == pytest.approx([0.1, 0.1])
