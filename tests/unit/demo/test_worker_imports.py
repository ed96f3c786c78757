"""The generator's worker processes are spawned: each pays for what it imports.

``import persona360`` used to import the workspace and with it every room (SciPy,
pandas, Splink's helpers), about 1.5 s of CPU per worker for nothing the generator uses.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_generator_imports_no_other_room() -> None:
    probe = (
        "import sys, persona360.demo.generator; "
        "print(sorted(m for m in ('persona360.workspace', 'scipy', 'sklearn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    assert done.stdout.strip() == "[]"


def test_workspace_is_still_importable_from_the_package() -> None:
    from persona360 import Workspace
    from persona360.workspace import Workspace as Direct

    assert Workspace is Direct
