"""Accessibility basics: axe-core on every page, our own label checks, keyboard, contrast.

axe-core is not committed: it is installed with ``npm`` into ``artefacts/axe-core`` on
first use. Without npm (or the registry) the axe test is skipped with the reason; the
label, keyboard and contrast checks written here always run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import ROOT, Shop, every_page, log_in

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("browser")]
CSS = ROOT / "src" / "persona360" / "web" / "static" / "app.css"
AXE_DIR = ROOT / "artefacts" / "axe-core"
AXE_VERSION = "4.14.1"
# (foreground, background) pairs of CSS variables that text is drawn in.
TEXT_PAIRS = [
    ("text", "bg"),
    ("text", "card"),
    ("muted", "card"),
    ("muted", "bg"),
    ("primary", "card"),
    ("primary", "bg"),
    ("primary-text", "primary"),
    ("error", "error-bg"),
    ("error", "card"),
    ("ok", "ok-bg"),
    ("warn", "warn-bg"),
]


def palette() -> dict[str, str]:
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text()))


def luminance(colour: str) -> float:
    """Relative luminance per WCAG 2.x."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_palette_text_contrast_is_at_least_aa(fg: str, bg: str) -> None:
    colours = palette()
    assert contrast(colours[fg], colours[bg]) >= 4.5, f"{fg} on {bg}"


def test_chart_series_colours_stand_out_from_the_card() -> None:
    colours = palette()
    for series in ("s0", "s1", "s2", "s3", "s4", "s5"):
        assert contrast(colours[series], colours["card"]) >= 3.0, series  # WCAG 1.4.11 graphics


def axe_source() -> str:
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script.read_text()
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: axe-core cannot be fetched (own checks still ran)")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-save", "--prefix", str(AXE_DIR), f"axe-core@{AXE_VERSION}"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0 or not script.exists():
        pytest.skip(f"npm could not install axe-core: {done.stderr.strip()[-300:]}")
    return script.read_text()


@pytest.mark.timeout(900)  # axe on 14 pages; a busy shared machine took over 300 s
def test_axe_finds_no_wcag_a_or_aa_violations(browser: Any, shop: Shop) -> None:
    source = axe_source()
    # our Content-Security-Policy rightly refuses injected scripts; axe is the exception
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=shop.url, bypass_csp=True)
    try:
        page = context.new_page()
        found = axe_every_page(page, source, shop)
    finally:
        context.close()
    problems = {url: v for url, v in found.items() if v}
    assert not problems, problems


def axe_every_page(page: Any, source: str, shop: Shop) -> dict[str, list[str]]:
    page.goto("/login")
    found = {"/login": run_axe(page, source)}
    log_in(page, shop.admin_token)
    for url in every_page(shop):
        page.goto(url)
        found[url] = run_axe(page, source)
    return found


def run_axe(page: Any, source: str) -> list[str]:
    page.add_script_tag(content=source)
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})" for v in result["violations"]
    ]


def test_every_field_has_a_label_and_every_image_a_text(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    for url in every_page(shop):
        page.goto(url)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.outerHTML)"""
        )
        assert not unlabelled, (url, unlabelled)
        no_text = page.evaluate(
            """() => [...document.querySelectorAll('img:not([alt]), svg[role=img]')]
                 .filter(el => el.tagName === 'IMG' || !el.querySelector('title'))
                 .map(el => el.outerHTML.slice(0, 80))"""
        )
        assert not no_text, (url, no_text)
        assert page.locator("main#main").count() == 1 and page.locator("header").count() == 1


def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    page.goto("/profiles")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "focused elements must show a focus ring"


@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_the_header_is_one_row_and_its_more_menu_works_by_keyboard(page: Any, shop: Shop, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, shop.admin_token)
    for url in ("/", "/surveys", "/audit"):
        page.goto(url)
        tops = page.evaluate("[...document.querySelector('header').children].map(c => c.getBoundingClientRect().top)")
        assert max(tops) - min(tops) < 20, (url, tops)  # brand, rooms, search and log out side by side
    nav = page.get_by_role("navigation", name="Main")
    summary = nav.locator("summary")
    expect(summary).to_have_text("More: Audit log")  # the current room, though its link is in the menu
    audit = nav.get_by_role("link", name="Audit log")
    expect(audit).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(audit).to_be_visible()
    expect(audit).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Surveys")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/surveys")
    expect(nav.locator("summary")).to_have_text("More: Surveys")
