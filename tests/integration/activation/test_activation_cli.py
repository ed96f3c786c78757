"""``persona360 templates preview`` and ``campaigns create/send/report`` on a workspace file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import typer
from typer.testing import CliRunner

from integration.activation.conftest import Inbox, refused_campaign
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.cli import activation_cmds
from persona360.cli.state import STATE
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec


def cli(db: Path, *args: str) -> Any:
    app = typer.Typer()
    app.callback()(lambda: None)
    activation_cmds.register(app)
    STATE.db = db
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        STATE.db = None


def buy(order_id: str, revenue: float, currency: str) -> dict[str, Any]:
    properties = {"order_id": order_id, "revenue": revenue, "currency": currency}
    return {"type": "track", "userId": "u1", "event": "Order Completed", "properties": properties}


def test_preview_create_send_report(
    workspace: Workspace, clock: FixedClock, tmp_path: Path, smtp: Inbox, monkeypatch: Any
) -> None:
    workspace.access.add_source("web")
    workspace.ingest.send(
        "web", [at(clock, type="identify", userId="u1", traits={"email": "a@x.org", "name": "Ірина"})]
    )
    profile_id = workspace.profiles.find("user_id", "u1")
    workspace.privacy.grant(profile_id, "marketing", "email")
    workspace.segments.create(SegmentSpec("all", "event_count >= 1"))
    db = Path(workspace.settings.db)
    workspace.close()
    template = tmp_path / "hello.j2"
    template.write_text("Subject: Привіт\n\n{{ g('Дорогий', 'Дорога', 'Привіт,') }} {{ greeting() }}!\n")
    monkeypatch.setenv("PERSONA360_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PERSONA360_ACTIVATION_QUIET_HOURS", "[9, 9]")  # the CLI's clock is real: no quiet hours

    shown = cli(db, "templates", "preview", str(template), str(profile_id), "--json")
    assert shown.exit_code == 0, shown.output
    assert orjson.loads(shown.stdout) == {"subject": "Привіт", "text": "Дорога Ірина!", "traits_used": ["name"]}
    made = cli(db, "campaigns", "create", "hi", "--segment", "all", "--template", str(template), "--control-share", "0")
    assert made.exit_code == 0, made.output
    sent = cli(db, "campaigns", "send", "hi", "--json")
    assert sent.exit_code == 0, sent.output
    assert orjson.loads(sent.stdout)["sent"] == 1 and len(smtp.messages) == 1
    with Workspace.open(db) as ws:  # the recipient pays in two currencies (the CLI's clock is real: now)
        ws.ingest.send("web", [buy("c-1", 1200.0, "UAH"), buy("c-2", 35.5, "PLN")])
    report = cli(db, "campaigns", "report", "hi")
    assert report.exit_code == 0 and "queued: 1" in report.stdout and "sent: 1" in report.stdout
    assert "revenue: 35.50 PLN; 1,200.00 UAH" in report.stdout
    answer = orjson.loads(cli(db, "campaigns", "report", "hi", "--json").stdout)
    assert answer["revenue"] == {"PLN": 35.5, "UAH": 1200.0}
    assert "runs: 1 (send 1), considered 1, queued 1" in report.stdout
    assert "skipped: no_consent 0, no_address 0, capped 0, control 0, render_failed 0" in report.stdout


def test_report_says_queued_messages_the_server_refused_were_not_sent(tmp_path: Path, clock: FixedClock) -> None:
    """It said "sends: 3" for three messages no server ever accepted."""
    with refused_campaign(tmp_path, clock) as ws:
        db = Path(ws.settings.db)
    lines = [line.strip() for line in cli(db, "campaigns", "report", "hello").stdout.splitlines()]
    assert lines[:6] == ["queued: 3", "sent: 0", "waiting: 3", "retrying: 3", "dead: 0", "cancelled: 0"]
    assert lines[9].startswith("last error: ConnectionRefusedError")
