"""Names in any alphabet, and the URLs a person types or edits, on the web pages.

The real app over ASGI on a real workspace file, logged in as in test_web_forms_bad_input.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from integration.web.test_web_forms_bad_input import Site, visit
from persona360 import Workspace
from persona360.segments.definitions import SegmentSpec

UKRAINIAN = "Постійні клієнти"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = tmp_path_factory.mktemp("web-names") / "ws.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        ws.ingest.send(
            "shop",
            [
                {
                    "type": "identify",
                    "userId": "u1",
                    "traits": {"email": "olena@example.org", "firstName": "Олена", "lastName": "Коваль"},
                },
                {
                    "type": "identify",
                    "userId": "u2",
                    "traits": {"email": "o.shevchenko@x.org", "name": "Олена Шевченко"},
                },
                {"type": "identify", "userId": "u3", "traits": {"email": "pp@x.org", "firstName": "Phillip"}},
            ],
        )
        # the bad-URL cases page through this segment's members: it exists whatever order the tests run in
        ws.segments.create(SegmentSpec("everyone", "event_count >= 1"))
        admin = ws.access.create_token(["admin"], "names-admin")
        reader = ws.access.create_token(["profiles:read"], "names-reader")
        yield Site(ws, admin, reader, ws.profiles.find("email", "olena@example.org"))


def test_a_segment_named_in_ukrainian_is_saved_and_opened_by_name(site: Site) -> None:
    saved = visit(site, site.admin, "POST", "/segments", {"name": UKRAINIAN, "condition": "event_count >= 1"})
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/segments/{quote(UKRAINIAN, safe='')}"
    by_name = visit(site, site.admin, "GET", saved.headers["location"])
    assert by_name.status_code == 200
    assert UKRAINIAN in by_name.text
    card = visit(site, site.admin, "GET", f"/profiles/{site.profile_id}")
    assert f'href="/segments/{quote(UKRAINIAN)}"' in card.text


def test_the_builder_leaves_the_name_to_the_server_which_says_what_is_wrong(site: Site) -> None:
    builder = visit(site, site.admin, "GET", "/segments/new")
    assert 'id="segment-name"' in builder.text and "pattern=" not in builder.text.split('id="segment-name"')[1][:200]
    refused = visit(site, site.admin, "POST", "/segments", {"name": "a/b", "condition": "event_count >= 1"})
    assert refused.status_code == 400
    assert "must be 1-80 letters (of any alphabet)" in refused.text and 'id="save-error"' in refused.text


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/profiles/abc", 404, "no page at /profiles/abc: profile_id &#39;abc&#39; is not valid"),
        ("/profiles?page=-1", 400, "page &#39;-1&#39;: input should be greater than or equal to 1"),
        ("/profiles?page=9999", 404, "there is no page 9999: the list has 1 page"),
        ("/segments/everyone?page=50", 404, "there is no page 50: the list has 1 page"),
        ("/nope", 404, "there is no page here"),
        ("/privacy/consent?purpose=marketing", 400, "the address is missing state=… (a query parameter)"),
    ],
)
def test_a_bad_url_gets_the_error_page_not_json(site: Site, url: str, status: int, message: str) -> None:
    answer = visit(site, site.admin, "GET", url)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html") and message in answer.text, answer.text
    assert 'href="/profiles"' in answer.text  # the navigation of the logged-in viewer


def test_a_page_past_the_last_is_not_read_nor_audited(site: Site) -> None:
    visit(site, site.admin, "GET", "/profiles?page=9999")
    listed = site.ws.privacy.audit_log(1000, action="profiles.list")
    assert listed and not [row for row in listed if "499900" in str(row)]


def test_the_api_keeps_its_json_errors(site: Site) -> None:
    for url in ("/v1/nope", "/v1/profiles/abc"):
        answer = visit(site, site.admin, "GET", url)
        assert answer.status_code in (400, 401, 404) and answer.json()["success"] is False


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("Phillip", "pp@x.org"),
        ("phillip", "pp@x.org"),
        ("олена коваль", "olena@example.org"),
        ("Шевченко", "o.shevchenko@x.org"),
    ],
)
def test_a_name_that_one_person_has_opens_their_profile(site: Site, q: str, found: str) -> None:
    answer = visit(site, site.admin, "GET", f"/search?q={quote(q)}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/profiles/{site.ws.profiles.find('email', found)}"


@pytest.mark.parametrize("form", ["#{id}", " profile:{id} ", "user_id:u3", "email:PP@x.org", "pp@x.org"])
def test_a_person_written_as_the_cli_and_the_pages_write_one_opens_their_profile(site: Site, form: str) -> None:
    person = site.ws.profiles.find("email", "pp@x.org")
    answer = visit(site, site.admin, "GET", f"/search?q={quote(form.format(id=person))}")
    assert answer.status_code == 303 and answer.headers["location"] == f"/profiles/{person}"


def test_a_name_several_people_share_lists_them(site: Site) -> None:
    answer = visit(site, site.admin, "GET", f"/search?q={quote('Олена')}")
    assert answer.status_code == 200 and 'id="search-results"' in answer.text
    listed = answer.text.replace("<wbr>", "")  # an email in a table may break after its @
    assert "olena@example.org" in listed and "o.shevchenko@x.org" in listed and "pp@x.org" not in listed
    searched = site.ws.privacy.audit_log(10, action="profiles.search")[0]
    assert "Олена" not in str(searched), "a name typed is personal data: the log holds the profiles shown"


@pytest.mark.parametrize("q", ["Nobody", "%", "_"])
def test_a_name_nobody_has_says_so(site: Site, q: str) -> None:
    answer = visit(site, site.admin, "GET", f"/search?q={quote(q)}")
    assert answer.status_code == 404 and "as an identifier or in its name" in answer.text
