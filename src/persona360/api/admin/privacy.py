"""Admin endpoints of the privacy room: a profile's consent, read and changed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from persona360.access.keys import Token
from persona360.api.deps import BigInt, WorkspaceDep, require
from persona360.api.openapi import error_responses

router = APIRouter(prefix="/v1/profiles", tags=["privacy"], responses=error_responses(401, 403, 404))
PrivacyScope = Annotated[Token, Depends(require("privacy"))]


class ConsentCreate(BaseModel):
    """A consent change: grant or withdraw a purpose, on one channel or all."""

    action: Literal["grant", "withdraw"]
    purpose: str = Field(examples=["marketing"])
    channel: str | None = Field(None, examples=["email"])
    basis: str = Field("consent", examples=["consent"])
    expires_at: datetime | None = None


@router.get("/{profile_id}/consent", summary="A profile's consent per purpose and channel")
def get_consent(
    profile_id: BigInt,
    ws: WorkspaceDep,
    token: PrivacyScope,
    history: bool = Query(False, description="every change, newest first"),
) -> dict[str, Any]:
    rows = ws.privacy.consent(profile_id, history=history)
    ws.privacy.audit(f"token:{token.name}", "consent.read", f"profile:{profile_id}")
    return {"profile_id": ws.profiles.resolve(profile_id), "consent": rows}


@router.post("/{profile_id}/consent", summary="Grant or withdraw a purpose for a profile")
def change_consent(profile_id: BigInt, body: ConsentCreate, ws: WorkspaceDep, token: PrivacyScope) -> dict[str, Any]:
    ws.privacy.change(
        profile_id,
        body.purpose,
        body.channel,
        granted=body.action == "grant",
        basis=body.basis,
        expires_at=body.expires_at,
        actor=f"token:{token.name}",
    )
    return {"success": True, "consent": ws.privacy.consent(profile_id)}


@router.post("/{profile_id}/erase", summary="Erase a person from every table (keeps a keyed hash only)")
def erase(profile_id: BigInt, ws: WorkspaceDep, token: PrivacyScope) -> dict[str, Any]:
    report = ws.privacy.erase(profile_id, actor=f"token:{token.name}")
    return {"success": True, "profile_id": report.profile_id, **report.detail(), "rewritten": report.rewritten}


@router.get("/{profile_id}/export", summary="Everything held about a person (access export)")
def export(profile_id: BigInt, ws: WorkspaceDep, token: PrivacyScope) -> dict[str, Any]:
    return ws.privacy.export(profile_id, actor=f"token:{token.name}")


retention_router = APIRouter(prefix="/v1/privacy", tags=["privacy"], responses=error_responses(401, 403))


@retention_router.post("/retention", summary="Apply the retention rules now, or count what they would delete")
def run_retention(
    ws: WorkspaceDep,
    token: PrivacyScope,
    dry_run: bool = Query(False, description="only count what would be deleted"),
) -> dict[str, Any]:
    return ws.privacy.retention(dry_run=dry_run, actor=f"token:{token.name}").as_dict()
