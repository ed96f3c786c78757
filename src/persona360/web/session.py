"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie naming a token by its id.

The cookie carries a random session id, the id of the admin token that logged in, an
expiry time and an HMAC over the three; never the token itself. The signing key is
derived from a secret kept in the workspace (``store.secrets``), so a restarted server
still recognises its cookies: sessions survive restarts and deploys. The token is
looked up again on every request (``auth.current_viewer``), so revoking it ends its
sessions at once. The CSRF token of a session is an HMAC of its id: no server state.

Logging out adds the session id to a list of ended sessions. The app keeps that list in
the workspace (``store.revocations``, through the ``remember`` callback) and hands it
back to the next process, so a copied cookie of a logged-out session stays refused
after a restart. Revoking the token ends every session of it for good.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

COOKIE = "p360_session"
MAX_AGE_SECONDS = 12 * 3600
PURPOSE = b"persona360 web session v1"


@dataclass(frozen=True)
class Session:
    """What a valid cookie says about one logged-in browser."""

    session_id: str
    token_id: int
    csrf: str
    expires: float


def derive_key(secret: bytes) -> bytes:
    """The cookie signing key for a workspace secret (a key used for nothing else)."""
    return hmac.new(secret, PURPOSE, hashlib.sha256).digest()


class Sessions:
    """Opens, checks and closes sessions signed with ``key``.

    Args:
        key: the signing key (:func:`derive_key`).
        max_age: seconds a session lives.
        closed: session ids ended earlier (by another process) with their expiry.
        remember: called with (session id, expiry) on each logout, to keep it beyond
            this process; it runs before the logout is answered.
    """

    def __init__(
        self,
        key: bytes,
        max_age: float = MAX_AGE_SECONDS,
        closed: Mapping[str, float] | None = None,
        remember: Callable[[str, float], None] | None = None,
    ) -> None:
        self._key = key
        self._max_age = max_age
        self._closed: dict[str, float] = dict(closed or {})
        self._remember = remember
        self._lock = threading.Lock()

    def open(self, token_id: int) -> tuple[Session, str]:
        """A new session for the token ``token_id``; return it and its cookie value."""
        session_id = secrets.token_urlsafe(24)
        expires = int(time.time() + self._max_age)
        body = f"{session_id}.{token_id}.{expires}"
        return self._session(session_id, token_id, expires), f"{body}.{self._sign(body)}"

    def find(self, cookie: str | None) -> Session | None:
        """The live session a cookie value names, or None (unsigned, malformed, expired or closed)."""
        body, _, signature = (cookie or "").rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or not hmac.compare_digest(signature, self._sign(body)):
            return None
        session_id, token_id, expires = parts
        if not (token_id.isdigit() and expires.isdigit()) or int(expires) < time.time():
            return None
        with self._lock:
            if session_id in self._closed:
                return None
        return self._session(session_id, int(token_id), int(expires))

    def close(self, cookie: str | None) -> None:
        """Refuse the session a cookie names from now on (logout)."""
        session = self.find(cookie)
        if session is None:
            return
        if self._remember is not None:
            self._remember(session.session_id, session.expires)
        with self._lock:
            now = time.time()
            for gone in [s for s, expires in self._closed.items() if expires < now]:
                del self._closed[gone]
            self._closed[session.session_id] = session.expires

    @property
    def max_age(self) -> int:
        return int(self._max_age)

    def _session(self, session_id: str, token_id: int, expires: int) -> Session:
        csrf = self._sign(f"csrf:{session_id}")[:32]
        return Session(session_id, token_id, csrf, float(expires))

    def _sign(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
