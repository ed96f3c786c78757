"""Activation: templates, campaigns over a channel, tracking and attribution (see README.md)."""

from persona360.activation.campaigns import CampaignError, CampaignSpec
from persona360.activation.links import BadTokenError
from persona360.activation.namespace import ActivationAPI
from persona360.activation.templates import Renderer, RenderResult, TemplateRenderError

__all__ = [
    "ActivationAPI",
    "BadTokenError",
    "CampaignError",
    "CampaignSpec",
    "RenderResult",
    "Renderer",
    "TemplateRenderError",
]
