"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie naming a server-side session.

The cookie holds only a random session id and its HMAC; the admin token stays in this
process's memory, so it never travels back to the browser. The signing key is drawn
when the process starts: restarting the server logs everybody out, which is the price
of not storing a secret anywhere. The token is checked again on every request, so a
revoked token ends its sessions at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "p360_session"
MAX_AGE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    """What the server remembers about one logged-in browser."""

    session_id: str
    token: str
    csrf: str
    expires: float


class Sessions:
    """The sessions of this process, behind a signing key drawn at start-up."""

    def __init__(self, max_age: float = MAX_AGE_SECONDS) -> None:
        self._key = secrets.token_bytes(32)
        self._max_age = max_age
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, token: str) -> tuple[Session, str]:
        """Remember ``token`` under a new session; return it and its cookie value."""
        session = Session(secrets.token_urlsafe(24), token, secrets.token_urlsafe(24), time.time() + self._max_age)
        with self._lock:
            self._drop_expired()
            self._sessions[session.session_id] = session
        return session, f"{session.session_id}.{self._sign(session.session_id)}"

    def find(self, cookie: str | None) -> Session | None:
        """The live session a cookie value names, or None (unsigned, unknown or expired)."""
        session_id, _, signature = (cookie or "").partition(".")
        if not session_id or not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None or session.expires < time.time():
            return None
        return session

    def close(self, cookie: str | None) -> None:
        """Forget the session a cookie names (logout)."""
        session = self.find(cookie)
        if session is not None:
            with self._lock:
                self._sessions.pop(session.session_id, None)

    @property
    def max_age(self) -> int:
        return int(self._max_age)

    def _sign(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()

    def _drop_expired(self) -> None:
        now = time.time()
        for session_id in [s for s, v in self._sessions.items() if v.expires < now]:
            del self._sessions[session_id]
