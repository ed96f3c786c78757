"""Which profiles predictions may learn from and score.

Profiling can be objected to (GDPR art. 21/22), so a profile that is not eligible is
left out of the fit *and* gets no stored predictions. Today every profile is eligible;
the privacy room will pass its own function (same signature) to ``run_predictions``,
or register it once hook specifications exist (``persona360_eligible_profiles``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from persona360.workspace import Workspace

# (workspace, candidate profile ids) -> boolean mask of the eligible ones
EligibleProfiles = Callable[["Workspace", np.ndarray], np.ndarray]


def eligible_profiles(ws: Workspace, profile_ids: np.ndarray) -> np.ndarray:
    """Every profile is eligible (the default until the privacy room restricts it).

    Args:
        ws: the workspace (to look up consent or objections).
        profile_ids: the customers predictions would use, as int64.

    Returns:
        A boolean array, true where the profile may be used and scored.
    """
    return np.ones(len(profile_ids), dtype=bool)
