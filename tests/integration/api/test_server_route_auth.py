"""Every route of the app, walked against a real server: none is reachable without its key.

The routes are enumerated from the FastAPI app itself, so a route added later is walked
too, and one that fits no class below fails the test until someone decides what guards
it. The fuzz of every route (no 5xx, none open without its key) is schemathesis, in
``test_server_schemathesis.py``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration import server as server_helper
from integration.server import LiveServer
from persona360 import Workspace
from persona360.access.keys import SCOPES
from persona360.api.app import create_app

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
# Importing the app takes ~25 s of wall time when 8 engineers share 2 cores: give the
# server more than the helper's 30 s to answer /health (only ever lengthens the wait).
server_helper.START_TIMEOUT = max(server_helper.START_TIMEOUT, 150.0)

WRITE_KEY_PATHS = re.compile(
    r"^/v1/(identify|track|page|screen|group|alias|batch|[itpsgab]|surveys/\{survey_id\}/responses)$"
)
SIGNED_PATHS = {"/t/c/{token}", "/t/o/{token}", "/v1/surveys/{survey_id}/a"}
# /v1/m: analytics.js's own metrics, answered and thrown away (no customer data stored)
PUBLIC_PATHS = {
    "/health",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/static/{name}",
    "/login",
    "/v1/m",
    # The embeddable survey: the script, the questions without the traits they write, and
    # the form page are public by design; answering them needs the write key.
    "/v1/surveys/widget.js",
    "/v1/surveys/{survey_id}/definition",
    "/v1/surveys/{survey_id}/form",
}
WEB_GUARDS = {"current_viewer", "segment_viewer"}
SAMPLE_PARAMS = {
    "profile_id": "1",
    "segment": "nobody",
    "survey_id": "nosurvey",
    "token": "forged",
    "name": "app.css",
    "persona": "1",
    "pair_id": "1",
    "decision": "accept",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    guards: tuple[str, ...]
    query: tuple[str, ...]

    def url(self) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], self.path)

    @property
    def scope(self) -> str | None:
        """The admin scope a ``require_*`` guard asks for (None for other guards)."""
        for guard in self.guards:
            if guard.startswith("require_"):
                name = guard.removeprefix("require_")
                return next(s for s in SCOPES if s.replace(":", "_") == name)
        return None


def _flat(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        yield from (contexts() if contexts else [route])


def _guards(dependant: Any) -> list[str]:
    found = []
    for dependency in dependant.dependencies:
        found.append(getattr(dependency.call, "__name__", ""))
        found += _guards(dependency)
    return found


def app_routes() -> list[Route]:
    app = create_app(Workspace.open(":memory:"))
    routes = []
    for route in _flat(app.routes):
        dependant = getattr(route, "dependant", None)
        guards = tuple(_guards(dependant)) if dependant else ()
        query = tuple(p.name for p in dependant.query_params) if dependant else ()
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"}):
            routes.append(Route(method, route.path, guards, query))
    return routes


ROUTES = app_routes()
ADMIN = [r for r in ROUTES if r.scope or "manage_surveys" in r.guards]
IDS = [f"{r.method} {r.path}" for r in ROUTES]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, template: Any) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("routes")
    db = folder / "ws.duckdb"
    shutil.copyfile(template.db, db)
    with Workspace.open(db) as ws:  # one token per scope, before the server holds the file
        tokens = {scope: ws.access.create_token([scope], name=f"only-{scope}") for scope in SCOPES}
    live = LiveServer(Path(db)).start()
    try:
        yield live, tokens
    finally:
        live.stop()


def call(server: LiveServer, route: Route, token: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(route.method, server.url + route.url(), headers=headers, timeout=30, **kwargs)


def test_every_route_is_classified() -> None:
    unclassified = [
        f"{r.method} {r.path}"
        for r in ROUTES
        if r not in ADMIN
        and not WRITE_KEY_PATHS.match(r.path)
        and r.path not in SIGNED_PATHS | PUBLIC_PATHS
        and not WEB_GUARDS & set(r.guards)
        and r.path != "/logout"
    ]
    assert unclassified == [], "decide what guards these routes, then add them to a class here"
    assert len(ADMIN) >= 20


@pytest.mark.parametrize("route", ADMIN, ids=[f"{r.method} {r.path}" for r in ADMIN])
def test_admin_routes_refuse_no_token_and_a_wrong_scope(
    server: tuple[LiveServer, dict[str, str]], route: Route
) -> None:
    live, tokens = server
    assert call(live, route).status_code == 401
    assert call(live, route, "p360_not_a_real_token").status_code == 401
    wrong = next(s for s in SCOPES if s not in ("admin", route.scope, "segments", "profiles:write"))
    if route.scope in ("privacy",):
        wrong = "profiles:read"
    answer = call(live, route, tokens[wrong])
    assert answer.status_code == 403, (wrong, answer.text)
    assert answer.json()["code"] == "forbidden" or answer.json()["success"] is False


@pytest.mark.parametrize("route", [r for r in ROUTES if WRITE_KEY_PATHS.match(r.path)], ids=lambda r: r.path)
def test_tracking_routes_need_the_write_key(server: tuple[LiveServer, dict[str, str]], route: Route) -> None:
    live, _ = server
    body = {"userId": "u-route", "event": "X", "batch": [], "answers": {}}
    assert call(live, route, json=body).status_code == 401
    assert call(live, route, json={**body, "writeKey": "wrong"}).status_code == 401


@pytest.mark.parametrize("route", [r for r in ROUTES if r.path in SIGNED_PATHS], ids=lambda r: r.path)
def test_signed_links_refuse_a_forged_token(server: tuple[LiveServer, dict[str, str]], route: Route) -> None:
    live, _ = server
    answer = call(live, route, params={"token": "forged"}, follow_redirects=False)
    assert answer.status_code in (400, 401, 403, 404) or (
        300 <= answer.status_code < 400 and "profile" not in answer.headers.get("location", "")
    ), answer.text


@pytest.mark.parametrize("route", [r for r in ROUTES if WEB_GUARDS & set(r.guards)], ids=IDS and (lambda r: r.path))
def test_web_pages_need_a_session(server: tuple[LiveServer, dict[str, str]], route: Route) -> None:
    live, _ = server
    answer = call(live, route, follow_redirects=False)
    assert answer.status_code in (303, 401, 403), answer.text
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("/login")


def test_erasing_an_unknown_profile_is_a_404(server: tuple[LiveServer, dict[str, str]]) -> None:
    """Erase is left out of the schemathesis fuzz (it rewrites the file): walked here once."""
    live, tokens = server
    answer = httpx.post(
        f"{live.url}/v1/profiles/987654/erase", headers={"Authorization": f"Bearer {tokens['admin']}"}, timeout=60
    )
    assert answer.status_code == 404, answer.text
