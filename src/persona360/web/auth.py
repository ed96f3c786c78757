"""Who is looking: the login form, the session cookie, and the ``Viewer`` dependency.

A browser logs in by posting an admin token; the token must hold ``profiles:read``.
Every page depends on :data:`ViewerDep`, which re-checks the token on each request and
sends the browser to ``/login`` without a valid session. Forms that change anything
also carry the session's CSRF token (SameSite=Strict already stops cross-site posts;
the token covers browsers that ignore SameSite).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from persona360.access.keys import Token
from persona360.errors import AuthenticationError, PermissionDeniedError
from persona360.store.revocations import revoke, revoked
from persona360.store.secrets import workspace_secret
from persona360.web.rendering import LoginRequiredError, WebRoute, page
from persona360.web.session import COOKIE, Session, Sessions, derive_key

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MAX_FORM_BYTES = 64 * 1024
SECRET_NAME = "web-session"  # noqa: S105 - the name of a secret in meta, not a secret
ENDED = "web-session"  # the revocation list of logged-out sessions


@dataclass(frozen=True)
class Viewer:
    """The logged-in token and its session."""

    token: Token
    session: Session

    @property
    def actor(self) -> str:
        """Who did it, as the audit log and the rooms' ``actor=`` name a web user."""
        return f"web:{self.token.name}"

    def can(self, scope: str) -> bool:
        return self.token.allows(scope)

    def require(self, scope: str) -> None:
        if not self.can(scope):
            raise PermissionDeniedError(
                f"your token ({self.token.name}) lacks the scope {scope!r}; log in with a token that has it"
            )


def sessions_of(request: Request) -> Sessions:
    """The sessions of this app: key and logouts kept in the workspace (both survive restarts)."""
    state = request.app.state
    if not hasattr(state, "web_sessions"):
        db = state.workspace.db
        state.web_sessions = Sessions(
            derive_key(workspace_secret(db, SECRET_NAME)),
            closed=revoked(db, ENDED),
            remember=lambda session_id, expires: revoke(db, ENDED, session_id, expires),
        )
    found: Sessions = state.web_sessions
    return found


def live_token(request: Request, token_id: int) -> Token:
    """The unrevoked token ``token_id`` if it may read profiles (looked up on every request)."""
    for row in request.app.state.workspace.access.tokens():
        if row["token_id"] == token_id and row["revoked_at"] is None:
            token = Token(int(row["token_id"]), str(row["name"]), tuple(row["scopes"]))
            if token.allows("profiles:read"):
                return token
    raise AuthenticationError("the token was revoked")


def current_viewer(request: Request) -> Viewer:
    session = sessions_of(request).find(request.cookies.get(COOKIE))
    if session is None:
        raise LoginRequiredError("log in first")
    try:
        token = live_token(request, session.token_id)
    except AuthenticationError:
        sessions_of(request).close(request.cookies.get(COOKIE))
        raise LoginRequiredError("the token was revoked") from None
    viewer = Viewer(token, session)
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form post (no multipart: our forms never upload)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ValueError(f"the form is larger than {MAX_FORM_BYTES} bytes")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


FormDep = Annotated[dict[str, str], Depends(read_form)]


def check_csrf(viewer: Viewer, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(sent, viewer.session.csrf):
        raise PermissionDeniedError("the form expired or came from another site; reload the page")


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", next=safe_next(next), error=None)


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    token = form.get("token", "").strip()
    target = safe_next(form.get("next", "/"))
    try:
        found = request.app.state.workspace.access.check_token(token, "profiles:read")
    except AuthenticationError as error:
        message = (
            "That token does not open this workspace."
            if not isinstance(error, PermissionDeniedError)
            else "That token cannot read profiles."
        )
        return page(request, "login.html", status=401, next=target, error=message)
    _, cookie = sessions_of(request).open(found.token_id)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=sessions_of(request).max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    check_csrf(viewer, form.get("csrf"))
    sessions_of(request).close(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


def safe_next(target: str) -> str:
    """Only local paths: ``next=//evil.example`` must not become an open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
