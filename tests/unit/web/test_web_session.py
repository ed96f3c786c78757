"""Signed session cookies: what a valid one carries, and every kind of bad one refused."""

from __future__ import annotations

import pytest

from persona360.web.session import Sessions, derive_key

KEY = derive_key(b"\x01" * 32)


def test_a_cookie_names_its_token_and_a_stable_csrf_token() -> None:
    sessions = Sessions(KEY)
    session, cookie = sessions.open(7)
    found = sessions.find(cookie)
    assert found == session and found.token_id == 7
    assert "p360_" not in cookie and len(session.csrf) == 32


def test_another_process_with_the_same_key_accepts_the_cookie() -> None:
    session, cookie = Sessions(KEY).open(3)
    assert Sessions(KEY).find(cookie) == session  # what a restart looks like


def tamper(cookie: str) -> str:
    session_id, token_id, expires, signature = cookie.split(".")
    return f"{session_id}.{int(token_id) + 1}.{expires}.{signature}"


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("missing", lambda cookie: None),
        ("empty", lambda cookie: ""),
        ("no signature", lambda cookie: cookie.rpartition(".")[0]),
        ("wrong signature", lambda cookie: cookie[:-4] + "0000"),
        ("token id changed", tamper),
        ("too few parts", lambda cookie: "a.b"),
        ("not numbers", lambda cookie: "x.y.z." + "0" * 64),
        ("signed by another key", lambda cookie: Sessions(derive_key(b"\x02" * 32)).open(1)[1]),
    ],
)
def test_bad_cookies_are_refused(kind: str, make: object) -> None:
    sessions = Sessions(KEY)
    _, cookie = sessions.open(1)
    assert sessions.find(make(cookie)) is None, kind  # type: ignore[operator]


def test_expired_and_closed_sessions_are_refused() -> None:
    expired = Sessions(KEY, max_age=-10)
    assert expired.find(expired.open(1)[1]) is None
    sessions = Sessions(KEY)
    _, cookie = sessions.open(1)
    sessions.close(cookie)
    assert sessions.find(cookie) is None
    sessions.close("garbage")  # closing an unknown cookie is a no-op


def test_a_logout_is_handed_to_remember_and_refused_by_the_next_process() -> None:
    kept: dict[str, float] = {}
    sessions = Sessions(KEY, remember=kept.__setitem__)
    session, cookie = sessions.open(4)
    other, other_cookie = sessions.open(4)
    sessions.close(cookie)
    assert kept == {session.session_id: session.expires}
    restarted = Sessions(KEY, closed=kept)
    assert restarted.find(cookie) is None
    assert restarted.find(other_cookie) == other
    Sessions(KEY, remember=kept.__setitem__).close("garbage")
    assert len(kept) == 1, "a cookie that names no session is not remembered"
