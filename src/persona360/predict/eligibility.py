"""Which profiles predictions may learn from and score.

Profiling can be objected to (GDPR art. 21/22), so a profile that is not eligible is
left out of the fit *and* gets no stored predictions. The default asks the privacy
room (``ws.privacy.may_many(ids, "profiling")``), as personas do; another function of
the same signature can be passed to ``run_predictions``.
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
    """The profiles whose consent allows ``profiling`` (one query for all of them).

    Args:
        ws: the workspace (to look up consent or objections).
        profile_ids: the customers predictions would use, as int64.

    Returns:
        A boolean array, true where the profile may be used and scored.
    """
    allowed = ws.privacy.may_many(profile_ids.tolist(), "profiling")
    return np.isin(profile_ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
