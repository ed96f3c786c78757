"""persona360: a self-hosted Customer Data Platform for small and mid-size e-commerce."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from persona360.workspace import Workspace

__all__ = ["Workspace", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``persona360.Workspace`` on first use (PEP 562), not on ``import persona360``.

    Importing the workspace pulls in every room (SciPy, pandas, Splink's DuckDB
    helpers): about 1.2 s of CPU. Processes that need only one room, such as the demo's
    generator workers (spawned, so each pays its own imports), no longer pay for all.
    """
    if name == "Workspace":
        from persona360.workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'persona360' has no attribute {name!r}")
