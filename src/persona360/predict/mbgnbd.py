"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with dropout at the first purchase.

In BG/NBD a customer can drop out only right after a *repeat* purchase, so someone who
bought once is alive with certainty however long ago that was: on a shop where most
customers buy once, churn risk said nothing about most of them. MBG/NBD adds one
dropout chance right after the first purchase, with the same ``p ~ Beta(a, b)``; the
rest of the story (purchases at rate ``λ ~ Gamma(r, alpha)`` while alive) is unchanged.
A customer alive at ``T`` after ``x`` repeat purchases has then survived ``x + 1``
chances instead of ``x``, which is all the formulas need to know: they are written
once, in :mod:`persona360.predict.bgnbd`, and read :attr:`MbgNbd.shift`.

E. P. Batislam, M. Denizel & A. Filiztekin (2007), "Empirical validation and
comparison of models for customer base analysis", *International Journal of Research
in Marketing* 24(3); the conditional expectation as corrected by U. Wagner & D. Hoppe
(2008), "Erratum on the MBG/NBD model", same journal, 25(3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from numpy.typing import ArrayLike

from persona360.predict.bgnbd import BgNbd, fit_purchase_model
from persona360.predict.estimation import Fit


@dataclass(frozen=True)
class MbgNbd(BgNbd):
    """Fitted MBG/NBD parameters; every function of :mod:`~persona360.predict.bgnbd` takes them."""

    shift: ClassVar[int] = 1
    name: ClassVar[str] = "mbgnbd"


def fit_mbgnbd(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> tuple[MbgNbd, Fit]:
    """Fit the MBG/NBD model by maximum likelihood (arguments as :func:`~persona360.predict.bgnbd.fit_bgnbd`)."""
    return fit_purchase_model(MbgNbd, frequency, recency, age)
