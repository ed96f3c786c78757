"""Personas: behaviour clusters of customers, named after archetypes, as cards.

Features per customer in SQL, k-means with k chosen by silhouette and checked by
bootstrap stability, archetype matching from an editable table. See README.md.
"""

from __future__ import annotations

from persona360.personas.archetypes import Archetype, ArchetypeTableError, load_archetypes
from persona360.personas.build import CLUSTERED, assign_profiles, build_personas
from persona360.personas.cards import CHANNEL_LABELS, CHANNELS_NOTE, CHANNELS_TITLE
from persona360.personas.discovery import Discovery, DiscoveryOptions, PersonaDiscoveryError, discover
from persona360.personas.features import FeatureMatrix, feature_matrix, read_features
from persona360.personas.namespace import PersonasAPI

__all__ = [
    "CHANNELS_NOTE",
    "CHANNELS_TITLE",
    "CHANNEL_LABELS",
    "CLUSTERED",
    "Archetype",
    "ArchetypeTableError",
    "Discovery",
    "DiscoveryOptions",
    "FeatureMatrix",
    "PersonaDiscoveryError",
    "PersonasAPI",
    "assign_profiles",
    "build_personas",
    "discover",
    "feature_matrix",
    "load_archetypes",
    "read_features",
]
