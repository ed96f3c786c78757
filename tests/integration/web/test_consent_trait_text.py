"""A consent trait reads the same on the profile card and in ``profile show``: ``email: no, sms: yes``.

The web wrote a mapping as ``email no, sms yes``, the CLI as ``email: no, sms: yes``. The
real app over ASGI and the CLI through Typer's runner, on one real workspace file.
"""

from __future__ import annotations

import re

from typer.testing import CliRunner

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import app


def test_the_card_and_the_cli_write_a_consent_trait_alike(workspace: Workspace) -> None:
    workspace.access.add_source("shop")
    consent = {"marketing": {"email": False, "sms": True}}
    workspace.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"consent": consent}}])
    profile_id = workspace.profiles.find("user_id", "u1")
    (card,) = fetch(workspace, f"/profiles/{profile_id}")
    text = " ".join(re.sub(r"<[^>]+>", "", card).split())
    assert "email: no, sms: yes" in text and "email no" not in text
    workspace.close()
    done = CliRunner().invoke(app, ["--db", str(workspace.settings.db), "profile", "show", "user_id:u1"])
    assert "email: no, sms: yes" in " ".join(done.output.replace("│", " ").split())
