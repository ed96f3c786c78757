"""Enrichment: traits inferred from what a profile already holds, stored as events.

Providers (phone, email, name, IP, user agent, remote HTTP) read a profile and answer
inferred traits with a confidence; ``ws.enrichment.run`` stores them as identify
events of the source ``enrich.NAME``. See README.md.
"""

from __future__ import annotations

from persona360.enrichment.gender import guess_gender
from persona360.enrichment.namespace import EnrichmentAPI
from persona360.enrichment.provider import Inferred, ProfileView, Provider
from persona360.enrichment.run import EnrichmentReport

__all__ = ["EnrichmentAPI", "EnrichmentReport", "Inferred", "ProfileView", "Provider", "guess_gender"]
