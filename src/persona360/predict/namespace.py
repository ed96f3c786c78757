"""``ws.predict``: the predict room as a Workspace namespace."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from persona360.predict.eligibility import EligibleProfiles, eligible_profiles
from persona360.predict.guardrails import PredictionError, PredictionOptions
from persona360.predict.run import Progress, prediction_report, profile_predictions, run_predictions

if TYPE_CHECKING:
    from persona360.workspace import Workspace

log = logging.getLogger(__name__)


class PredictAPI:
    """``ws.predict``: customer lifetime value, P(alive), churn risk, next purchase.

    Example:
        >>> from persona360 import Workspace
        >>> ws = Workspace.open(":memory:")
        >>> PredictAPI(ws).report() is None
        True
    """

    def __init__(self, ws: Workspace, eligible: EligibleProfiles = eligible_profiles) -> None:
        self._ws = ws
        self.eligible = eligible

    def run(
        self,
        *,
        as_of: datetime | None = None,
        options: PredictionOptions | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Fit, score and store (see :func:`~persona360.predict.run.run_predictions`)."""
        return run_predictions(self._ws, as_of=as_of, options=options, eligible=self.eligible, progress=progress)

    def report(self) -> dict[str, Any] | None:
        """The last fit's parameters, standard errors and holdout diagnostics, or None."""
        return prediction_report(self._ws)

    def get(self, profile_id: int) -> dict[str, Any] | None:
        """A profile's stored predictions (following merges), or None if it has none."""
        return profile_predictions(self._ws, profile_id)

    def run_if_due(self, every: timedelta) -> dict[str, Any] | None:
        """Fit and score when the last fit is older than ``every`` (the server's schedule).

        Too little data is not an error here: the schedule simply tries again next time.
        """
        report = self.report()
        now = self._ws.clock.now()
        if report and now - datetime.fromisoformat(str(report["fitted_at"])) < every:
            return None
        try:
            return self.run()
        except PredictionError as error:
            log.info("scheduled predictions skipped: %s", error)
            return None
