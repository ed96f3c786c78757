"""The suppression key: the dev default is refused outside dev, a key of one's own is used."""

from __future__ import annotations

import pytest

from persona360.privacy.suppression import SuppressionError, suppression_secret
from persona360.settings import load_settings


def test_the_dev_default_is_refused_outside_dev() -> None:
    with pytest.raises(SuppressionError, match="PERSONA360_SUPPRESSION_SECRET still has its dev default"):
        suppression_secret(load_settings(db=":memory:", env="prod"))


def test_a_secret_of_ones_own_is_used() -> None:
    assert suppression_secret(load_settings(db=":memory:", env="prod", suppression_secret="k")) == b"k"
    assert suppression_secret(load_settings(db=":memory:")) == b"dev-only-suppression-secret"
