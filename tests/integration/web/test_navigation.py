"""The header's navigation: six rooms in a row, the less-used ones in a "More" menu that names the current one.

The real app over ASGI; the browser's view of it (one row at 1280 px, the menu by keyboard)
is in tests/e2e/test_a11y.py.
"""

from __future__ import annotations

import re

import pytest

from integration.web.pages import fetch
from persona360 import Workspace

MORE = ["Surveys", "Enrichment", "Privacy", "Audit log", "Settings"]


def nav(html: str) -> str:
    found = re.search(r'<nav aria-label="Main">.*?</nav>', html, re.S)
    assert found, html[:500]
    return found.group(0)


def menu(html: str) -> tuple[str, str, list[str], list[str]]:
    """The summary's class and text, the menu's links, and those marked as the current page."""
    details = re.search(r"<details>\s*<summary([^>]*)>(.*?)</summary>(.*?)</details>", nav(html), re.S)
    assert details, nav(html)
    links = re.findall(r"<a href=\"[^\"]+\" ?([^>]*)>([^<]+)</a>", details.group(3))
    text = re.sub(r"<[^>]+>", "", details.group(2)).strip()
    return details.group(1).strip(), text, [label for _, label in links], [label for attrs, label in links if attrs]


@pytest.mark.parametrize(
    ("path", "summary", "text", "current"),
    [
        ("/profiles", "", "More", []),
        ("/surveys", 'class="current"', "More: Surveys", ["Surveys"]),
        ("/enrichment", 'class="current"', "More: Enrichment", ["Enrichment"]),
        ("/privacy", 'class="current"', "More: Privacy", ["Privacy"]),
        ("/audit", 'class="current"', "More: Audit log", ["Audit log"]),
        ("/settings", 'class="current"', "More: Settings", ["Settings"]),
    ],
)
def test_the_more_menu_holds_the_less_used_rooms_and_names_the_current_one(
    workspace: Workspace, path: str, summary: str, text: str, current: list[str]
) -> None:
    (html,) = fetch(workspace, path)
    assert menu(html) == (summary, text, MORE, current)
    rooms = re.findall(r'<li><a href="(/[a-z]*)"', nav(html).split("<details>")[0])
    assert rooms == ["/", "/profiles", "/segments", "/personas", "/campaigns", "/review"]
    assert nav(html).count('aria-current="page"') == (1 if current or path == "/profiles" else 0)


def test_a_viewer_without_privacy_sees_no_privacy_rooms_in_the_menu(workspace: Workspace) -> None:
    (html,) = fetch(workspace, "/surveys", scopes=("profiles:read",))
    assert menu(html) == ('class="current"', "More: Surveys", ["Surveys", "Enrichment", "Settings"], ["Surveys"])
