"""Admin endpoints for segments: list, preview, create, members, history, counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from persona360.access.keys import Token
from persona360.api.deps import BigInt, WorkspaceDep, require
from persona360.api.openapi import error_responses
from persona360.segments.definitions import SegmentSpec

router = APIRouter(prefix="/v1/segments", tags=["segments"], responses=error_responses(401, 403))
ManageSegments = Annotated[Token, Depends(require("segments"))]


class SegmentPreview(BaseModel):
    """A condition to size before saving it: as text, or as the JSON tree the preview returns.

    The name may be left out, as a preview saves nothing (the CLI and the web builder call
    theirs ``preview``); one given is checked as ``create`` will check it.
    """

    name: str = Field("preview", examples=["Kyiv regulars"])
    condition: str | None = Field(None, examples=['orders_count >= 3 and city = "Kyiv"'])
    tree: dict[str, Any] | None = None

    def spec(self) -> SegmentSpec:
        return SegmentSpec(self.name, self.condition, self.tree)


class SegmentCreate(SegmentPreview):
    """A segment: a name, and the condition as text or as the JSON tree the preview returns."""

    name: str = Field(examples=["Kyiv regulars"])
    description: str = ""

    def spec(self) -> SegmentSpec:
        return SegmentSpec(self.name, self.condition, self.tree, self.description)


class TriggerCreate(BaseModel):
    """A webhook (``url``) or a campaign (``campaign``, sent to each profile that enters)."""

    url: str | None = Field(None, examples=["https://example.org/hooks/persona360"])
    campaign: str | None = Field(None, examples=["abandoned cart email"])
    on: str = Field("enter", pattern="^(enter|exit)$")
    max_attempts: int = Field(5, ge=1, le=50)


@router.get("", summary="List segments with their sizes")
def list_segments(ws: WorkspaceDep, token: ManageSegments) -> dict[str, Any]:
    return {"segments": ws.segments.list()}


@router.post("/preview", summary="Size and sample of a condition, without saving")
def preview(
    body: SegmentPreview,
    ws: WorkspaceDep,
    token: ManageSegments,
    sample: int = Query(10, ge=0, le=100),
) -> dict[str, Any]:
    found = ws.segments.preview(body.spec(), sample)
    if found["sample"]:  # members were shown: a read of personal data
        ws.privacy.audit(f"token:{token.name}", "segment.preview", "profiles", {"rows": len(found["sample"])})
    return found


@router.post("", summary="Create a segment", status_code=201)
def create(body: SegmentCreate, ws: WorkspaceDep, token: ManageSegments) -> dict[str, Any]:
    created = ws.segments.create(body.spec())
    ws.privacy.audit(f"token:{token.name}", "segment.create", f"segment:{created['name']}")
    return created


@router.get("/{segment}", summary="One segment", responses=error_responses(404))
def get_segment(segment: str, ws: WorkspaceDep, token: ManageSegments) -> dict[str, Any]:
    return {
        **ws.segments.get(segment).public(),
        "members": ws.segments.members(segment, limit=0)["total"],
    }


@router.get("/{segment}/members", summary="Current members", responses=error_responses(404))
def members(
    segment: str,
    ws: WorkspaceDep,
    token: ManageSegments,
    limit: int = Query(100, ge=0, le=1000),
    offset: Annotated[BigInt, Query(ge=0)] = 0,
) -> dict[str, Any]:
    page = ws.segments.members(segment, limit, offset)
    ws.privacy.audit(f"token:{token.name}", "segment.members", f"segment:{segment}", {"rows": len(page["members"])})
    return page


@router.get("/{segment}/history", summary="Entries and exits, newest first", responses=error_responses(404))
def history(
    segment: str,
    ws: WorkspaceDep,
    token: ManageSegments,
    profile_id: BigInt | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    rows = ws.segments.history(segment, profile_id, limit)
    target = f"profile:{profile_id}" if profile_id is not None else f"segment:{segment}"
    ws.privacy.audit(f"token:{token.name}", "segment.history", target, {"segment": segment, "rows": len(rows)})
    return {"history": rows}


@router.get("/{segment}/counts", summary="Size over time", responses=error_responses(404))
def counts(segment: str, ws: WorkspaceDep, token: ManageSegments) -> dict[str, Any]:
    return {"counts": ws.segments.counts(segment)}


@router.post(
    "/{segment}/triggers",
    summary="Call a webhook or send a campaign on entry or exit",
    status_code=201,
    responses=error_responses(404),
)
def add_trigger(segment: str, body: TriggerCreate, ws: WorkspaceDep, token: ManageSegments) -> dict[str, Any]:
    added = ws.segments.add_trigger(segment, body.url, body.on, body.max_attempts, campaign=body.campaign)
    ws.privacy.audit(f"token:{token.name}", "segment.trigger", f"segment:{segment}", {"on": body.on})
    return added
