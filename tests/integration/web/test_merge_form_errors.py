"""A merge the card's form asks for that cannot be made is said in the form, on the card.

An unknown or malformed identifier used to leave the card for a whole "Not found" page,
and the typed value was lost. Now the card comes back (400) with the error in the merge
form, the kind and value kept, and nothing merged. The real app over ASGI.
"""

from __future__ import annotations

import pytest

from integration.web.test_unmerge_confirmation import web_request
from persona360 import Workspace


@pytest.mark.parametrize(
    ("kind", "value", "says"),
    [
        ("email", "nobody@example.org", "Not merged:"),
        ("phone", "12", "Not merged:"),
    ],
)
def test_a_merge_the_card_cannot_make_is_said_in_its_form(
    workspace: Workspace, kind: str, value: str, says: str
) -> None:
    workspace.access.add_source("shop")
    workspace.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "ann@example.org"}}])
    ann = workspace.profiles.find("user_id", "u1")
    answer = web_request(workspace, f"/profiles/{ann}/merge", {"kind": kind, "value": value})
    assert answer.status_code == 400, answer.text[-500:]
    assert 'id="merge-error"' in answer.text and says in answer.text
    assert f'value="{value}"' in answer.text and f"<option selected>{kind}</option>" in answer.text
    assert "ann@example.org" in answer.text  # the card itself, not an error page
    assert [p["kind"] for p in workspace.profiles.identifiers(ann)] == ["user_id", "email"]
