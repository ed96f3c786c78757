"""persona360: a self-hosted Customer Data Platform for small and mid-size e-commerce."""

from __future__ import annotations

from persona360.workspace import Workspace

__all__ = ["Workspace", "__version__"]
__version__ = "0.1.0"
