"""Match reasons leave out comparisons that weigh nothing; ``--json`` keeps every weight.

Two profiles with a name and a city and nothing else were listed with "phone +0.0"
among their strongest reasons, and the review page drew a bar of +0.00 for each
comparison the model could not make. The real resolver's queue on a real workspace
file; the CLI through Typer's runner, the page through the real app over ASGI.
"""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from integration.resolution.look_alikes import send_two_likely_pairs
from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import app


def test_review_list_and_page_show_only_weights_that_weigh(workspace: Workspace) -> None:
    workspace.access.add_source("shop")
    send_two_likely_pairs(workspace, "shop")
    assert workspace.resolution.resolve().queued == 2
    weights = workspace.resolution.pairs()[0]["explanation"]["match_weights"]
    zero = sorted(name for name, weight in weights.items() if weight == 0)
    assert zero and any(weights.values())  # the look-alikes share a name and a city, and nothing else
    (html,) = fetch(workspace, "/review")
    charts = re.findall(r'<text class="chart-label"[^>]*>([^<]+)</text>', html)
    assert charts and not {name.replace("_", " ") for name in zero} & set(charts)
    assert "+0.00" not in html
    workspace.close()
    db = str(workspace.settings.db)
    listed = CliRunner().invoke(app, ["--db", db, "review", "list"]).output
    assert "+0.0" not in listed and "name +" in listed
    raw = json.loads(CliRunner().invoke(app, ["--db", db, "review", "list", "--json"]).output)
    assert raw[0]["explanation"]["match_weights"] == weights
