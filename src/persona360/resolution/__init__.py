"""Probabilistic identity resolution: Splink scores profiles that share no identifier.

Splink is imported only when a resolution runs, so ``import persona360`` stays fast.
"""

from __future__ import annotations

from persona360.resolution.api import ResolutionAPI, ResolveReport
from persona360.resolution.queue import weighed_reasons

__all__ = ["ResolutionAPI", "ResolveReport", "weighed_reasons"]
