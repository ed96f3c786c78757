"""The Segment-compatible tracking endpoints (``/v1/identify`` ... ``/v1/batch``).

Also the browser library's short paths (``/v1/i``, ``/v1/t``, ``/v1/p``, ``/v1/s``,
``/v1/g``, ``/v1/a``, ``/v1/b``) and its metrics endpoint ``/v1/m``, which is
acknowledged and dropped. Success is answered as Segment does: ``{"success": true}``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request

from persona360.api.body import read_json
from persona360.api.deps import WRITE_KEY_SECURITY, get_batcher, get_workspace, source_for
from persona360.api.errors import error_body
from persona360.api.openapi import error_responses
from persona360.api.responses import JSONBody
from persona360.errors import IndexedError, InvalidEventError, PayloadTooLargeError
from persona360.ingest.batcher import Batcher
from persona360.ingest.record import EventRecord
from persona360.ingest.validate import to_record
from persona360.workspace import Workspace

router = APIRouter(prefix="/v1", tags=["tracking"], responses=error_responses(400, 401, 413, 503))
SHORT_PATHS = {
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
}
OK = {"success": True}


async def _single(request: Request, kind: str) -> dict[str, Any]:
    workspace = get_workspace(request)
    body = await read_json(request, workspace.settings.max_body_bytes)
    await accept_single(workspace, get_batcher(request), body, source_for(request, body).source_id, kind)
    return OK


async def _batch(request: Request) -> JSONBody:
    workspace = get_workspace(request)
    body = await read_json(request, workspace.settings.max_body_bytes)
    source = source_for(request, body)
    status, answer = await accept_batch(workspace, get_batcher(request), body, source.source_id)
    return JSONBody(answer, status_code=status)


async def accept_single(workspace: Workspace, batcher: Batcher, body: Any, source_id: int, kind: str) -> None:
    """Validate one ``kind`` call and return once it is committed; raise naming what is wrong."""
    await batcher.write(single_records(workspace, body, source_id, kind))


async def accept_batch(workspace: Workspace, batcher: Batcher, body: Any, source_id: int) -> tuple[int, dict[str, Any]]:
    """Store the valid events of a batch body; return the status and the answer."""
    return await store_batch(batcher, *batch_records(workspace, body, source_id))


def single_records(workspace: Workspace, body: Any, source_id: int, kind: str) -> list[EventRecord]:
    """The record of one ``kind`` call; raise naming what is wrong."""
    settings = workspace.settings
    size = len(orjson.dumps(body))
    if size > settings.max_event_bytes:
        raise PayloadTooLargeError(
            f"the event is {size} bytes; the limit is {settings.max_event_bytes} bytes "
            f"({settings.max_event_bytes // 1024} KB)"
        )
    return [to_record(body, source_id=source_id, limits=workspace.limits(), expected_type=kind)]


def batch_records(workspace: Workspace, body: Any, source_id: int) -> tuple[list[EventRecord], list[IndexedError]]:
    """The records of a batch body's valid events, and the errors of the others by index."""
    if not isinstance(body, dict) or not isinstance(body.get("batch"), list):
        raise InvalidEventError("the body must be an object with a 'batch' array", field="batch")
    return _validate_batch(body, source_id, workspace)


async def store_batch(
    batcher: Batcher, records: list[EventRecord], errors: list[IndexedError]
) -> tuple[int, dict[str, Any]]:
    """Commit a batch's valid records; the answer lists invalid events by index.

    A batch with no valid event is a 400.
    """
    if errors and not records:
        message = f"all {len(errors)} events of the batch are invalid"
        return 400, error_body("invalid_event", message, "batch", [error.as_dict() for error in errors])
    await batcher.write(records)
    answer: dict[str, Any] = {"success": True, "accepted": len(records)}
    if errors:
        answer["rejected"] = [error.as_dict() for error in errors]
    return 200, answer


def _validate_batch(
    body: dict[str, Any], source_id: int, workspace: Workspace
) -> tuple[list[EventRecord], list[IndexedError]]:
    limits, limit = workspace.limits(), workspace.settings.max_event_bytes
    context = body.get("context") if isinstance(body.get("context"), dict) else None
    sent_at = body.get("sentAt") if isinstance(body.get("sentAt"), str) else None
    records, errors = [], []
    for index, item in enumerate(body["batch"]):
        try:
            size = len(orjson.dumps(item))
            if size > limit:
                raise PayloadTooLargeError(f"the event is {size} bytes; the limit is {limit} bytes")
            records.append(
                to_record(
                    item,
                    source_id=source_id,
                    limits=limits,
                    batch_sent_at=sent_at,
                    batch_context=context,
                )
            )
        except InvalidEventError as error:
            errors.append(IndexedError(index, error.field, str(error)))
    return records, errors


def _register(path: str, kind: str) -> None:
    async def endpoint(request: Request) -> dict[str, Any]:
        return await _single(request, kind)

    endpoint.__name__ = f"track_{kind}_{path}"
    router.add_api_route(
        f"/{path}",
        endpoint,
        methods=["POST"],
        summary=f"Segment {kind} call",
        include_in_schema=path == kind,
        dependencies=WRITE_KEY_SECURITY,
    )


for _path, _kind in [*((kind, kind) for kind in SHORT_PATHS.values()), *SHORT_PATHS.items()]:
    _register(_path, _kind)

# the paths that only write events: they need not wait for derivation (api/consistency.py)
TRACKING_PATHS = frozenset(f"/v1/{path}" for path in (*SHORT_PATHS, *SHORT_PATHS.values(), "batch", "b", "m"))
# what each POST path takes: a kind of call, or "batch" (the intake serves these, api/intake.py)
INTAKE_KINDS = {
    **{f"/v1/{kind}": kind for kind in SHORT_PATHS.values()},
    **{f"/v1/{path}": kind for path, kind in SHORT_PATHS.items()},
    "/v1/batch": "batch",
    "/v1/b": "batch",
}


@router.post("/batch", summary="Segment batch of calls", dependencies=WRITE_KEY_SECURITY)
async def batch(request: Request) -> JSONBody:
    return await _batch(request)


@router.post("/b", include_in_schema=False, dependencies=WRITE_KEY_SECURITY)
async def batch_short(request: Request) -> JSONBody:
    return await _batch(request)


@router.post("/m", include_in_schema=False)
async def metrics(request: Request) -> dict[str, Any]:
    """analytics.js reports its own metrics here; they are not customer data."""
    return OK
