"""End-to-end fixtures: a demo shop served by a real server process, and headless Chromium.

Chromium is Debian's ``/usr/bin/chromium`` (``tests/e2e/setup.sh`` installs it), driven
by Playwright's Python package; Playwright's own browser downloads are never used.
Without ``/usr/bin/chromium`` every test here is skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from furnish_shop import Furnished, furnish, furnish_person

from integration.server import CLI, HOST, LiveServer, cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artefacts" / "screenshots"
SHOP_END = "2026-11-01"  # the day the e2e shop's window ends (see make_demo)


class WebServer(LiveServer):
    """``persona360 serve`` with its output in a log file.

    The start-up allowance is generous: importing the rooms (DuckDB, SciPy, scikit-learn)
    takes 5 s of CPU, and on a busy shared machine that has taken 30 s of wall time.
    """

    start_timeout = 120.0

    def start(self) -> WebServer:
        command = [CLI, "--db", str(self.db), "serve", "--host", HOST, "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                cwd=ROOT,
            )
        self._wait_healthy()
        return self


@dataclass(frozen=True)
class Shop:
    """The demo shop's server, its tokens, a person whose identities were merged, what was furnished."""

    url: str
    admin_token: str
    read_token: str
    merged_email: str
    merged_profile: int
    furnished: Furnished
    db: Path


def merged_person(db: Path) -> tuple[str, int]:
    """An email of a profile joined from several identifiers (read before serving)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT i.value, i.profile_id FROM identifiers i JOIN profiles p USING (profile_id) "
            "WHERE i.kind = 'email' AND p.identifier_count >= 3 AND p.orders_count > 0 "
            "ORDER BY p.identifier_count DESC, i.profile_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None, "the demo shop has no merged person"
    return str(row[0]), int(row[1])


def make_demo(db: Path) -> None:
    """The demo shop, built by ``persona360 demo``; or a copy of one built before.

    The shop's window ends on a fixed day (``--end``), and the demo's stages run as of
    that day: built on any day, it is the same shop (ending today, it changed with the
    date, and a fresh clone after midnight once failed).

    ``P360_E2E_DEMO=FILE`` names a workspace that ``persona360 demo --customers 200
    --days 30 --end 2026-11-01 --no-serve`` built earlier: re-running the tests then
    skips a minute of building (for working on the pages; CI builds afresh).

    The demo keeps a reporting currency (UAH) in its workspace unless the environment sets
    one; built with an empty one, the shop keeps its three currencies apart, which is what
    the pages' per-currency charts and figures are tested on.
    """
    prebuilt = os.environ.get("P360_E2E_DEMO")
    if prebuilt:
        shutil.copyfile(prebuilt, db)
        return
    done = subprocess.run(
        [CLI, "--db", str(db), "demo", "--customers", "200", "--days", "30", "--end", SHOP_END, "--no-serve"]
        + ["--out", str(db.parent)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PERSONA360_REPORTING_CURRENCY": ""},
    )
    assert done.returncode == 0, f"persona360 demo failed:\n{done.stderr[-2000:]}"


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run tests/e2e/setup.sh as root")
    folder = tmp_path_factory.mktemp("e2e-shop")
    db = folder / "ws.duckdb"
    make_demo(db)
    admin = cli(db, "tokens", "create", "--scope", "admin", "--name", "e2e-admin")["token"]
    read = cli(db, "tokens", "create", "--scope", "profiles:read", "--name", "e2e-read")["token"]
    furnished = furnish(db)
    email, profile_id = merged_person(db)
    furnish_person(db, email)
    server = WebServer(db).start()
    try:
        yield Shop(server.url, admin, read, email, profile_id, furnished, db)
    finally:
        assert server.stop(), (
            f"the server did not stop cleanly (exit {server.process and server.process.returncode}); "
            f"its log:\n{server.log()}"
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run tests/e2e/setup.sh as root")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with Chromium

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, shop: Shop) -> Iterator[Any]:
    """A fresh browser context (no cookies) with a desktop-sized window."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=shop.url)
    page = context.new_page()
    page.set_default_timeout(30_000)  # a busy shared machine serves slowly
    yield page
    context.close()


@contextmanager
def admin_page(browser: Any, shop: Shop, width: int, height: int = 900) -> Iterator[Any]:
    """A page logged in as the admin in a fresh context ``width`` px wide, for a layout at that size."""
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=shop.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        log_in(page, shop.admin_token)
        yield page
    finally:
        context.close()


def log_in(page: Any, token: str) -> None:
    page.goto("/login")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# every text of every chart's SVG, as [left, right, the SVG's viewBox width, the text]
OUTSIDE = """() => [...document.querySelectorAll("figure.chart svg text")].map(t => {
  const box = t.getBBox();
  return [box.x, box.x + box.width, t.ownerSVGElement.viewBox.baseVal.width, t.textContent];
})"""


def text_boxes(page: Any) -> list[list[Any]]:
    boxes: list[list[Any]] = page.evaluate(OUTSIDE)
    return boxes


def cut_labels(page: Any) -> list[str]:
    return [text for left, right, width, text in text_boxes(page) if left < 0 or right > width]


def every_page(shop: Shop) -> list[str]:
    """One URL of each page of the UI (axe walks them; a test screenshots each)."""
    return [
        "/",
        f"/profiles/{shop.merged_profile}",
        f"/profiles/{shop.merged_profile}/erase",
        "/profiles",
        "/segments",
        "/segments/new",
        "/segments/1",
        "/search?q=nobody-at-all",
        "/personas",
        "/personas/0",
        "/surveys",
        "/surveys/delivery",
        "/enrichment",
        "/campaigns",
        f"/campaigns/{shop.furnished.campaign}",
        "/review",
        "/privacy",
        "/privacy/consent?purpose=marketing&state=granted",
        "/audit",
        "/settings",
    ]
