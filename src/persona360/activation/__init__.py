"""Activation: templates, campaigns over a channel, tracking, attribution and audience export (see README.md)."""

from persona360.activation.attribution import uplift_withheld
from persona360.activation.audience import Audience, AudienceError
from persona360.activation.campaigns import CampaignError, CampaignSpec
from persona360.activation.links import BadTokenError
from persona360.activation.namespace import ActivationAPI
from persona360.activation.templates import Renderer, RenderResult, TemplateRenderError

__all__ = [
    "ActivationAPI",
    "Audience",
    "AudienceError",
    "BadTokenError",
    "CampaignError",
    "CampaignSpec",
    "RenderResult",
    "Renderer",
    "TemplateRenderError",
    "uplift_withheld",
]
