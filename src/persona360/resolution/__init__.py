"""Probabilistic identity resolution: Splink scores profiles that share no identifier.

Splink is imported only when a resolution runs, so ``import persona360`` stays fast.
"""

from __future__ import annotations

from persona360.resolution.api import ResolutionAPI, ResolveReport

__all__ = ["ResolutionAPI", "ResolveReport"]
