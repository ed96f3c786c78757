"""Admin endpoints for the review queue of probabilistic matches: list, show, accept, reject.

Wiring only: ``ws.resolution`` decides; every read of the pairs (they show both
profiles' identifiers) is audited like a profile list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from persona360.access.keys import Token
from persona360.api.deps import BigInt, WorkspaceDep, require
from persona360.api.openapi import error_responses

router = APIRouter(prefix="/v1/resolution", tags=["identity"], responses=error_responses(401, 403))
ReviewMatches = Annotated[Token, Depends(require("identity"))]


@router.get("/pairs", summary="Pairs of profiles the matcher proposed, most likely first")
def list_pairs(
    ws: WorkspaceDep,
    token: ReviewMatches,
    status: str = Query("pending", description="pending, accepted, rejected, merged or all"),
    limit: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    wanted = None if status == "all" else status
    pairs = ws.resolution.pairs(wanted, limit)
    ws.privacy.audit(f"token:{token.name}", "resolution.pairs", "profiles", {"status": status, "limit": limit})
    return {"pairs": pairs, "total": ws.resolution.count(wanted)}


@router.get(
    "/pairs/{pair_id}", summary="One pair with the match weight of every comparison", responses=error_responses(404)
)
def get_pair(pair_id: BigInt, ws: WorkspaceDep, token: ReviewMatches) -> dict[str, Any]:
    ws.privacy.audit(f"token:{token.name}", "resolution.pair", f"pair:{pair_id}")
    return ws.resolution.pair(pair_id)


@router.post(
    "/pairs/{pair_id}/accept", summary="Merge the two profiles of a pending pair", responses=error_responses(404)
)
def accept(pair_id: BigInt, ws: WorkspaceDep, token: ReviewMatches) -> dict[str, Any]:
    profile_id = ws.resolution.accept(pair_id, actor=f"token:{token.name}")
    return {"success": True, "pair_id": pair_id, "status": "accepted", "profile_id": profile_id}


@router.post(
    "/pairs/{pair_id}/reject",
    summary="Keep the profiles apart; the pair is never proposed again",
    responses=error_responses(404),
)
def reject(pair_id: BigInt, ws: WorkspaceDep, token: ReviewMatches) -> dict[str, Any]:
    ws.resolution.reject(pair_id, actor=f"token:{token.name}")
    return {"success": True, "pair_id": pair_id, "status": "rejected"}
