"""The tracking POSTs, served straight from ASGI ahead of FastAPI's middleware and router.

``/v1/track``, ``/v1/batch`` and the other tracking paths carry nearly all of a
server's traffic, and FastAPI's per-request machinery (matching the path against
every route in turn, solving the security dependency, encoding the answer through
``jsonable_encoder``) cost more CPU than a no-op endpoint can afford: 270 µs a
request measured on ``/v1/m``, where the goal of 2,000 single calls a second on two
shared cores leaves about 500. This middleware answers those POSTs itself, with the
same functions the FastAPI routes call (``tracking.single_records``,
``tracking.batch_records``, ``tracking.store_batch``), the same write-key check and the same error shape, so
the behaviour does not depend on which door a request came through. The routes stay
declared in ``tracking.py``: the OpenAPI schema, the route walk test and any other
method (405, the CORS pre-flight) still go through FastAPI.

The app calls it before its middleware stack (``app.Persona360App``): the six layers a
request crossed on its way here (FastAPI's error, telemetry and body-limit layers, the
read settling, CORS, whose wrapper parsed the request headers and rewrote each answer's)
were a fifth of the event loop's Python per call, and none of them does anything for
these paths. So the intake adds the CORS headers itself, the ones Starlette's
``CORSMiddleware`` adds with the app's policy (any origin, no credentials):
``Access-Control-Allow-Origin: *`` when the request names an origin, ``Vary: Origin``
always; a test compares them with a FastAPI route's. While it reads and checks a
request, the request counts as arriving (``Batcher.arriving``), so a commit that starts
meanwhile can wait for it rather than leave it for the next one.
"""

from __future__ import annotations

import logging

from starlette.datastructures import State
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from persona360.api import tracking
from persona360.api.body import decode_json, receive_body
from persona360.api.deps import write_key_of
from persona360.api.errors import error_body, status_of
from persona360.api.responses import render_json
from persona360.errors import IndexedError, Persona360Error
from persona360.ingest.record import EventRecord
from persona360.workspace import Workspace

log = logging.getLogger(__name__)
_OK = render_json(tracking.OK)
_WANTED = (b"authorization", b"content-encoding", b"content-length")
_CORS_ANY_ORIGIN = (b"access-control-allow-origin", b"*")
_VARY = (b"vary", b"Origin")


class TrackingIntake:
    """Answer POSTs to the tracking paths (:meth:`kind_of` says which).

    Args:
        workspace: the workspace the events go to.
        state: the app's state, whose ``batcher`` the lifespan sets.
    """

    def __init__(self, workspace: Workspace, state: State) -> None:
        self.workspace, self.state = workspace, state

    @staticmethod
    def kind_of(scope: Scope) -> str | None:
        """The kind of call (or ``"batch"``) a request is, if the intake serves it."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        return tracking.INTAKE_KINDS.get(scope["path"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send, kind: str) -> None:
        """Answer one tracking POST of ``kind``."""
        origin = any(name == b"origin" for name, _ in scope["headers"])
        try:
            status, body = await self._take(scope, receive, kind)
        except ClientDisconnect:
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        if origin:
            headers.append(_CORS_ANY_ORIGIN)
        headers.append(_VARY)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _take(self, scope: Scope, receive: Receive, kind: str) -> tuple[int, bytes]:
        """The status and body that answer one tracking POST."""
        try:
            batcher = self.state.batcher
            with batcher.arriving():  # a commit starting meanwhile may wait for it (ingest/batcher.py)
                records, errors = await self._check(scope, receive, kind)
            if kind == "batch":
                status, answer = await tracking.store_batch(batcher, records, errors)
                return status, render_json(answer)
            await batcher.write(records)
        except (Persona360Error, ValueError) as error:
            status, code = status_of(error)
            return status, render_json(error_body(code, str(error), getattr(error, "field", "")))
        except ClientDisconnect:
            raise
        except Exception:  # noqa: BLE001 - the process boundary: logged and answered in the one shape
            log.exception("unexpected error on POST %s", scope["path"])
            return 500, render_json(error_body("internal_error", "an unexpected error happened; it was logged"))
        return 200, _OK

    async def _check(self, scope: Scope, receive: Receive, kind: str) -> tuple[list[EventRecord], list[IndexedError]]:
        """Read, authenticate and validate: the records to store and the errors by index."""
        headers = {name: value.decode("latin-1") for name, value in scope["headers"] if name in _WANTED}
        workspace = self.workspace
        limit = workspace.settings.max_body_bytes
        raw = await receive_body(receive, headers.get(b"content-length"), limit)
        payload = decode_json(raw, headers.get(b"content-encoding", ""), limit)
        key = write_key_of(headers.get(b"authorization", ""), payload)
        source_id = workspace.access.source_for_write_key(key).source_id
        if kind == "batch":
            return tracking.batch_records(workspace, payload, source_id)
        return tracking.single_records(workspace, payload, source_id, kind), []
