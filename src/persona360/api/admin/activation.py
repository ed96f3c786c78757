"""Admin endpoints of the activation room: templates, campaigns, the outbox, audience exports.

Every route needs a token with the ``campaigns`` scope (or ``admin``). Bodies of
messages are never listed here: the outbox shows status, attempts and errors.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from persona360.access.keys import Token
from persona360.activation import CampaignError, CampaignSpec
from persona360.api.deps import BigInt, WorkspaceDep, require
from persona360.api.openapi import error_responses

router = APIRouter(prefix="/v1", tags=["activation"], responses=error_responses(401, 403))
Campaigns = Annotated[Token, Depends(require("campaigns"))]


class TemplateCreate(BaseModel):
    """A named template: an optional ``Subject:`` line, a blank line, the body."""

    name: str = Field(examples=["cart reminder"])
    source: str = Field(
        examples=["Subject: {{ greeting() }}, ваш кошик чекає\n\nПовернутися: {{ link('https://shop/cart') }}"]
    )


class TemplatePreview(BaseModel):
    """A template (its text, or a saved one's name) rendered for one profile, links untracked."""

    profile_id: BigInt
    source: str | None = None
    name: str | None = None
    event: dict[str, Any] = Field(default_factory=dict)


class CampaignCreate(BaseModel):
    """A campaign: the template as text, or the name of a saved one (copied now)."""

    name: str = Field(examples=["spring sale"])
    segment: str = Field("", examples=["abandoned cart"], description="Empty only for a trigger campaign.")
    template: str | None = None
    template_name: str | None = None
    channel: Literal["email", "sms", "viber", "webhook"] = "email"
    control_share: float = Field(0.1, ge=0, lt=1)
    event: str | None = Field(None, examples=["Product Added"])
    trigger_event: str | None = Field(
        None, examples=["Order Completed"], description="Always on: each new event of this name sends the campaign."
    )
    purpose: Literal["marketing", "transactional"] = "marketing"
    send_time: bool = Field(False, description="Send each message at the profile's best hour.")


def _source(ws: WorkspaceDep, text: str | None, name: str | None) -> str:
    if (text is None) == (name is None):
        raise CampaignError("give the template either as text or by the name of a saved one, not both or neither")
    return text if text is not None else str(ws.activation.template(str(name))["source"])


@router.post("/templates", summary="Save a named template (checked to parse)", status_code=201)
def save_template(body: TemplateCreate, ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    saved = ws.activation.save_template(body.name, body.source)
    ws.privacy.audit(f"token:{token.name}", "template.save", f"template:{body.name}")
    return saved


@router.get("/templates", summary="Saved templates")
def list_templates(ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    return {"templates": ws.activation.templates()}


@router.post("/templates/preview", summary="Render a template for one profile", responses=error_responses(404))
def preview(body: TemplatePreview, ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    result = ws.activation.preview(_source(ws, body.source, body.name), body.profile_id, body.event)
    ws.privacy.audit(f"token:{token.name}", "template.preview", f"profile:{body.profile_id}")
    return {"subject": result.subject, "text": result.text, "traits_used": result.traits_used}


@router.post("/campaigns", summary="Create a campaign", status_code=201, responses=error_responses(404))
def create_campaign(body: CampaignCreate, ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    template = _source(ws, body.template, body.template_name)
    spec = CampaignSpec(
        body.name,
        body.segment,
        template,
        body.channel,
        body.control_share,
        body.event,
        body.trigger_event,
        body.purpose,
        body.send_time,
    )
    created = ws.activation.create(spec)
    ws.privacy.audit(f"token:{token.name}", "campaign.create", body.name, {"segment": body.segment})
    return created


@router.get("/campaigns", summary="Campaigns, oldest first")
def list_campaigns(ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    return {"campaigns": ws.activation.list()}


@router.post(
    "/campaigns/{name}/send",
    summary="Queue messages for new members and send what is due",
    responses=error_responses(404),
)
def send(name: str, ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    return ws.activation.send(name, actor=f"token:{token.name}")


@router.get(
    "/campaigns/{name}/report", summary="Deliveries, opens, clicks, conversions, uplift", responses=error_responses(404)
)
def report(name: str, ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    return ws.activation.report(name)


@router.get(
    "/campaigns/{name}/messages",
    summary="The outbox of a campaign: status, attempts, errors",
    responses=error_responses(404),
)
def messages(
    name: str,
    ws: WorkspaceDep,
    token: Campaigns,
    status: Literal["queued", "failed", "sent", "dead", "cancelled"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    rows = ws.activation.messages(name, status)
    # recipients' addresses and profile ids: a read of personal data
    ws.privacy.audit(f"token:{token.name}", "campaign.messages", name, {"status": status, "rows": len(rows[:limit])})
    return {"campaign": name, "total": len(rows), "messages": rows[:limit]}


@router.get("/outbox", summary="Messages per channel and status across campaigns")
def outbox(ws: WorkspaceDep, token: Campaigns) -> dict[str, Any]:
    return {"outbox": ws.activation.outbox()}


@router.get(
    "/audiences/{segment}.csv",
    summary="A segment as a hashed customer list (Facebook or Google)",
    responses=error_responses(404),
)
def audience(
    segment: str,
    ws: WorkspaceDep,
    token: Campaigns,
    format: Literal["facebook", "google"] = "facebook",
) -> Response:
    exported = ws.activation.export_audience(segment, format, actor=f"token:{token.name}")
    headers = {
        "Content-Disposition": f'attachment; filename="audience-{format}.csv"',
        "X-Persona360-Profiles": str(exported.exported),
    }
    return Response(exported.csv, media_type="text/csv", headers=headers)
