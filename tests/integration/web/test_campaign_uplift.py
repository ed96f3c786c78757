"""A campaign none of whose messages was sent shows no uplift ("—", saying why), not "+0.0 pt".

The demo without an SMTP sink cancels its campaign's messages; /campaigns and the
campaign's page still drew the arms' difference, an effect of messages no one received.
A real workspace file whose SMTP port refuses connections, the real app over ASGI, the
CLI through Typer's runner.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from integration.activation.conftest import refused_campaign
from integration.web.pages import fetch
from integration.web.test_campaign_pages import cells
from persona360.cli import app
from persona360.clock import FixedClock


def test_cancelled_messages_show_no_uplift_and_say_why(tmp_path: Path, clock: FixedClock) -> None:
    with refused_campaign(tmp_path, clock, control_share=0.5) as ws:
        sends = ws.activation.cancel_waiting("hello", "held back: a test")
        report = ws.activation.report("hello")
        assert sends == report["sends"] > 0 and report["difference"] is not None  # the figures are still computed
        listing, campaign = fetch(ws, "/campaigns", "/campaigns/hello")
        db = ws.settings.db
    why = f"No message was sent (all {sends} were cancelled before sending), so there is no uplift to show."
    assert cells(listing, "hello")[-1].startswith("—")
    assert f'<span title="{why}">—' in listing and " pt" not in listing
    uplift = campaign.split('id="uplift"')[1].split("</section>")[0]
    assert why in uplift and " pt" not in uplift and "<svg" not in uplift
    assert re.findall(r"<dd>(.*?)</dd>", uplift)[2:] == [f'<span title="{why}">—</span>'] * 2
    done = CliRunner().invoke(app, ["--db", str(db), "campaigns", "report", "hello"], env={"COLUMNS": "300"})
    assert "difference: - No message was sent" in " ".join(done.output.split())
