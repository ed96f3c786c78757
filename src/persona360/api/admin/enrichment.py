"""Admin endpoints for enrichment: the providers, what automatic enrichment did, and a run.

Reading needs ``profiles:read``; a run writes inferred traits onto profiles, so it
needs ``profiles:write`` (the scope of every other change to a profile's data).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from persona360.access.keys import Token
from persona360.api.deps import WorkspaceDep, require
from persona360.api.openapi import error_responses

router = APIRouter(prefix="/v1/enrichment", tags=["enrichment"], responses=error_responses(401, 403))
ReadProfiles = Annotated[Token, Depends(require("profiles:read"))]
WriteProfiles = Annotated[Token, Depends(require("profiles:write"))]


class EnrichmentRun(BaseModel):
    """Which providers to run over whom."""

    model_config = ConfigDict(extra="forbid")
    providers: list[str] | None = Field(None, description="Provider names [default: every built-in one].")
    segment: str | None = Field(None, description="Only this segment's members [default: every profile].")


@router.get("", summary="The usable providers and what automatic enrichment did since the server started")
def status(ws: WorkspaceDep, token: ReadProfiles) -> dict[str, Any]:
    return ws.enrichment.status()


@router.post(
    "/run", summary="Enrich profiles now (consent checked); answers the run's counts", responses=error_responses(404)
)
def run(body: EnrichmentRun, ws: WorkspaceDep, token: WriteProfiles) -> dict[str, Any]:
    for name in body.providers or []:
        ws.enrichment.check_provider(name)
    report = ws.enrichment.run(body.providers or None, segment=body.segment).as_dict()
    ws.privacy.audit(f"token:{token.name}", "enrichment.run", "profiles", report)
    return report
