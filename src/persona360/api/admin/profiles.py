"""Admin endpoints for profiles: read one, look one up, timeline, identity, list, merge.

Merge and unmerge name identifiers as an object ``{"kind", "value"}`` or as the
``KIND:VALUE`` string the CLI takes, read by the CLI's own parser (``split_identifier``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from persona360.api.deps import BigInt, ReadProfiles, WorkspaceDep, WriteProfiles
from persona360.api.openapi import error_responses
from persona360.identity.normalise import split_identifier

router = APIRouter(prefix="/v1/profiles", tags=["profiles"], responses=error_responses(401, 403))
LOOKUP_KINDS = ("email", "phone", "user_id", "anonymous_id")
OBJECT_FORM = '{"kind": "email", "value": "jane@example.org"}'
IDENTIFIER_FORMS = (
    f'an object {OBJECT_FORM} or a string "KIND:VALUE" '
    "(email:jane@example.org, user_id:42, id:shop:1234, handle:instagram:jane) or a bare email or phone"
)


class IdentifierRef(BaseModel):
    """An identifier as ``kind`` and ``value`` (``email``, ``jane@example.org``)."""

    kind: str = Field(examples=["email"])
    value: str = Field(examples=["jane.doe@gmail.com"])


def read_identifier(given: object) -> object:
    """A ``KIND:VALUE`` string as the CLI reads it (``split_identifier``); an object as it is.

    Anything else, or a string that names no kind, is refused naming both forms.
    """
    if isinstance(given, str):
        try:
            kind, value = split_identifier(given)
        except ValueError as error:
            raise PydanticCustomError(
                "identifier", "{reason}, or send an object {form}", {"reason": str(error), "form": OBJECT_FORM}
            ) from None
        return {"kind": kind, "value": value}
    if not isinstance(given, dict | IdentifierRef):
        raise PydanticCustomError("identifier", "give {forms}", {"forms": IDENTIFIER_FORMS})
    return given


IdentifierText = Annotated[
    str,
    Field(description="KIND:VALUE, as the CLI takes it, or a bare email or phone", examples=["email:jane@example.org"]),
]
Identifier = Annotated[
    IdentifierRef, BeforeValidator(read_identifier, json_schema_input_type=IdentifierRef | IdentifierText)
]


class MergeCreate(BaseModel):
    """The two identifiers whose profiles become one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"a": {"kind": "email", "value": "jane@example.org"}, "b": {"kind": "user_id", "value": "42"}},
                {"a": "email:jane@example.org", "b": "phone:+380671234567"},
            ]
        }
    )
    a: Identifier
    b: Identifier


class UnmergeCreate(BaseModel):
    """The identifier to detach, with what only it links, into a profile of its own."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"identifier": "handle:facebook:janedoe"},
                {"identifier": {"kind": "email", "value": "jane@example.org"}},
            ]
        }
    )
    identifier: Identifier


@router.get("", summary="List profiles")
def list_profiles(
    ws: WorkspaceDep,
    token: ReadProfiles,
    limit: int = Query(50, ge=1, le=1000),
    offset: Annotated[BigInt, Query(ge=0)] = 0,
    sort: str = Query("last_seen", pattern="^(last_seen|revenue|orders|events|first_seen)$"),
    min_orders: Annotated[BigInt | None, Query(ge=0)] = None,
    source: str | None = None,
    trait: str | None = Query(None, description="NAME=VALUE: only profiles showing that trait value"),
    currency: str | None = Query(None, description="only profiles whose revenue is in this currency (e.g. PLN)"),
) -> dict[str, Any]:
    trait_filter = None
    if trait:
        name, separator, value = trait.partition("=")
        if not separator:
            raise ValueError("trait filter must look like NAME=VALUE")
        trait_filter = (name, value)
    rows = ws.profiles.list(
        limit=limit,
        offset=offset,
        sort=sort,
        min_orders=min_orders,
        source=source,
        trait=trait_filter,
        currency=currency,
    )
    ws.privacy.audit(f"token:{token.name}", "profiles.list", "profiles", {"limit": limit, "offset": offset})
    return {"profiles": rows, "total": ws.profiles.count()}


@router.get("/lookup", summary="Find the profile holding an identifier", responses=error_responses(400, 404))
def lookup(request: Request, ws: WorkspaceDep, token: ReadProfiles) -> dict[str, Any]:
    given = [(kind, value) for kind, value in request.query_params.items()]
    if len(given) != 1:
        raise ValueError(
            "give exactly one identifier: ?email=..., ?phone=..., ?user_id=..., "
            "?anonymous_id=..., ?id:NAMESPACE=... or ?handle:PLATFORM=..."
        )
    kind, value = given[0]
    profile_id = ws.profiles.find(kind, value)
    ws.privacy.audit(f"token:{token.name}", "profile.read", f"profile:{profile_id}", {"lookup": kind})
    return ws.profiles.show(profile_id)


@router.post("/merge", summary="Merge the profiles holding two identifiers", responses=error_responses(404))
def merge(body: MergeCreate, ws: WorkspaceDep, token: WriteProfiles) -> dict[str, Any]:
    profile_id = ws.identity.merge(
        (body.a.kind, body.a.value), (body.b.kind, body.b.value), actor=f"token:{token.name}"
    )
    return {"success": True, "profile_id": profile_id}


@router.get("/{profile_id}", summary="A whole profile", responses=error_responses(404))
def get_profile(profile_id: BigInt, ws: WorkspaceDep, token: ReadProfiles) -> dict[str, Any]:
    ws.privacy.audit(f"token:{token.name}", "profile.read", f"profile:{profile_id}")
    return ws.profiles.show(profile_id)


@router.get("/{profile_id}/timeline", summary="A profile's events, newest first", responses=error_responses(404))
def timeline(
    profile_id: BigInt,
    ws: WorkspaceDep,
    token: ReadProfiles,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    type: str | None = Query(None, description="an event type (track) or name (Order Completed)"),
) -> dict[str, Any]:
    ws.privacy.audit(f"token:{token.name}", "profile.timeline", f"profile:{profile_id}")
    return ws.profiles.timeline(profile_id, limit=limit, cursor=cursor, event_type=type)


@router.get(
    "/{profile_id}/identifiers", summary="A profile's identifiers and their edges", responses=error_responses(404)
)
def identifiers(profile_id: BigInt, ws: WorkspaceDep, token: ReadProfiles) -> dict[str, Any]:
    live = ws.profiles.resolve(profile_id)
    ws.privacy.audit(f"token:{token.name}", "profile.identifiers", f"profile:{live}")
    return {"profile_id": live, **ws.profiles.identity(live)}


@router.post("/{profile_id}/unmerge", summary="Detach an identifier from a profile", responses=error_responses(404))
def unmerge(profile_id: BigInt, body: UnmergeCreate, ws: WorkspaceDep, token: WriteProfiles) -> dict[str, Any]:
    live = ws.profiles.resolve(profile_id)
    holder = ws.profiles.find(body.identifier.kind, body.identifier.value)
    if holder != live:
        raise ValueError(f"{body.identifier.kind} {body.identifier.value!r} is not in profile {live}")
    old, new = ws.identity.unmerge((body.identifier.kind, body.identifier.value), actor=f"token:{token.name}")
    return {"success": True, "profiles": [old, new]}
