"""``ws.predict``: the predict room as a Workspace namespace."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from persona360.predict.eligibility import EligibleProfiles, eligible_profiles
from persona360.predict.guardrails import ModelFitError, PredictionError, PredictionOptions
from persona360.predict.persistence import read_latest_fit, read_predictions

if TYPE_CHECKING:
    from persona360.predict.run import Progress
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
        # (when, orders seen) of the last scheduled run that could not fit
        self._skipped: tuple[datetime, tuple[Any, ...]] | None = None

    def run(
        self,
        *,
        as_of: datetime | None = None,
        options: PredictionOptions | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Fit, score and store (see :func:`~persona360.predict.run.run_predictions`)."""
        # Imported here: the fitting code pulls in scipy (~0.4 s), which reading a
        # profile or starting the CLI never needs.
        from persona360.predict.run import run_predictions

        return run_predictions(self._ws, as_of=as_of, options=options, eligible=self.eligible, progress=progress)

    def report(self) -> dict[str, Any] | None:
        """The last fit's parameters, standard errors and holdout diagnostics, or None."""
        return read_latest_fit(self._ws.db)

    def get(self, profile_id: int) -> dict[str, Any] | None:
        """A profile's stored predictions (following merges), or None if it has none.

        ``currency`` names the money of ``expected_spend`` and ``clv`` (None: the fit
        added spend in several currencies as one; see the report's warnings).

        Raises:
            NotFoundError: no profile has (or had) that id.
        """
        found = read_predictions(self._ws.db, self._ws.profiles.resolve(profile_id))
        if found is not None:
            # the money of expected_spend and clv: the one currency the fit's spend was in
            # (after conversion to reporting_currency), None when it added several as one
            currencies = (self.report() or {}).get("spend_currencies") or []
            found["currency"] = currencies[0] if len(currencies) == 1 else None
        return found

    def run_if_due(self, every: timedelta) -> dict[str, Any] | None:
        """Fit and score when the last fit is older than ``every`` (the server's schedule).

        Too little data or a fit that does not converge is not an error here: it is
        logged in one line and not tried again until the orders change (new ones, or
        merges that regroup them) or ``every`` has passed, since the same data would
        fail the same way on every tick of the server's clock.
        """
        report = self.report()
        now = self._ws.clock.now()
        if report and now - datetime.fromisoformat(str(report["fitted_at"])) < every:
            return None
        orders = self._orders_seen()
        if self._skipped and self._skipped[1] == orders and now - self._skipped[0] < every:
            return None
        try:
            result = self.run()
        except (PredictionError, ModelFitError) as error:
            self._skipped = (now, orders)
            log.info("scheduled predictions skipped until the orders change or %s passes: %s", every, error)
            return None
        self._skipped = None
        return result

    def _orders_seen(self) -> tuple[Any, ...]:
        """A cheap fingerprint of what a fit reads: the orders and the profiles they belong to."""
        row = self._ws.db.query(
            "SELECT count(*), max(o.ordered_at), count(DISTINCT i.profile_id)"
            " FROM orders o JOIN identifiers i ON i.identifier_id = o.anchor_id"
        )[0]
        return tuple(row)
