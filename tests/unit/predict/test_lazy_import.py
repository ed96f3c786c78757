"""The models' scipy import is paid only by the code that fits or scores.

Starting the CLI, opening a workspace and reading a profile's stored predictions must not
import scipy: it is about 0.4 s of every command's start-up and of every server worker.
A fresh interpreter is used because the test session itself has long imported scipy.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = """
import sys
import persona360.cli
from persona360 import Workspace
from persona360.predict import PredictAPI, PredictionOptions
ws = Workspace.open(":memory:")
assert ws.predict.report() is None
print(sorted(name for name in ("scipy", "persona360.predict.bgnbd") if name in sys.modules))
"""


def test_cli_and_workspace_start_without_scipy() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"


def test_every_exported_name_still_resolves() -> None:
    import persona360.predict as predict

    assert sorted(predict.__all__) == sorted(predict._HOMES)
    for name in predict.__all__:
        assert getattr(predict, name) is not None, name
    assert "fit_bgnbd" in dir(predict)


def test_an_unknown_name_is_an_attribute_error() -> None:
    import persona360.predict as predict

    with pytest.raises(AttributeError, match="no_such_model"):
        predict.no_such_model  # noqa: B018
