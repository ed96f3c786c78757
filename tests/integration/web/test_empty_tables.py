"""A table with nothing to list says so in one row that spans every column of its header.

The campaigns page's row spanned 11 of its 12 columns: its rule stopped short of the
last one. The profiles list of a new workspace was a bare header: it now says how
profiles come. The real app over ASGI on a new workspace, where every such table is empty.
"""

from __future__ import annotations

import re

import pytest

from integration.web.pages import fetch
from persona360 import Workspace

PAGES = ["/profiles", "/campaigns", "/segments", "/surveys", "/review", "/privacy", "/audit?actor=nobody"]


def spans_and_columns(html: str) -> list[tuple[int, int]]:
    """For each table's rows of one cell spanning the table: that span and the header's column count."""
    found = []
    for table in re.findall(r"<table.*?</table>", html, re.S):
        columns = len(re.findall(r'<th scope="col"', table.split("</thead>")[0]))
        found += [(int(span), columns) for span in re.findall(r'<tr><td colspan="(\d+)"', table)]
    return found


@pytest.mark.parametrize("path", PAGES)
def test_an_empty_table_spans_all_its_columns(workspace: Workspace, path: str) -> None:
    (html,) = fetch(workspace, path)
    found = spans_and_columns(html)
    assert found, "no empty row found"
    for span, columns in found:
        assert span == columns, (path, span, columns)


def test_an_empty_profiles_list_says_how_profiles_come(workspace: Workspace) -> None:
    (html,) = fetch(workspace, "/profiles")
    assert "No profiles yet: send events to the tracking API" in html
    assert "<code>persona360 import</code>" in html
