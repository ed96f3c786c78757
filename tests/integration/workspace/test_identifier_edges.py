"""A profile's identifiers and edges read as before the edges query took the identifier ids.

The former query found the profile's edges by two semi-joins on its identifiers and a
UNION; it is kept here as the reference the current one must match, on Jane's profile
(four sources, record and identify edges, a manual merge undone) and on every other,
a blocked link included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.workspace.test_rebuild_and_unmerge import send_web

from persona360 import Workspace

REFERENCE_EDGES_SQL = """
WITH m AS (SELECT identifier_id FROM identifiers WHERE profile_id = $p),
touching AS (SELECT * FROM edges WHERE a IN (SELECT identifier_id FROM m)
    UNION SELECT * FROM edges WHERE b IN (SELECT identifier_id FROM m))
SELECT e.edge_id, e.a AS a_id, e.b AS b_id, ia.kind || ':' || ia.value AS a,
    ib.kind || ':' || ib.value AS b, e.reason, e.status, e.detail,
    s.name AS source, e.created_at, coalesce(ev.timestamp, e.created_at) AS seen_at
FROM touching e JOIN identifiers ia ON ia.identifier_id = e.a
JOIN identifiers ib ON ib.identifier_id = e.b JOIN sources s ON s.source_id = e.source_id
LEFT JOIN events ev ON ev.message_key = e.message_key ORDER BY e.edge_id
"""


def test_identifiers_and_edges_read_as_the_reference_query(
    workspace: Workspace, tmp_path: Path, import_jane: Any
) -> None:
    import_jane(workspace, tmp_path)
    send_web(workspace)
    # a family tablet: the second account's link to it is blocked
    tablet = [{"type": "identify", "userId": user, "anonymousId": "tablet"} for user in ("mum", "son")]
    workspace.ingest.send("web", tablet)
    workspace.identity.merge(("email", "john@roe.org"), ("id:shop", "1234"))
    workspace.identity.unmerge(("email", "john@roe.org"))
    jane = workspace.profiles.find("id:shop", "1234")
    assert len(workspace.profiles.identifiers(jane)) >= 5
    statuses = set()
    for (profile_id,) in workspace.db.query("SELECT profile_id FROM profiles ORDER BY profile_id"):
        expected = workspace.db.query_dicts(REFERENCE_EDGES_SQL, {"p": profile_id})
        assert workspace.profiles.edges(profile_id) == expected
        identity = workspace.profiles.identity(profile_id)
        assert identity["edges"] == expected
        for identifier in identity["identifiers"]:
            mine = identifier["identifier_id"]
            assert identifier["edges"] == [edge for edge in expected if mine in (edge["a_id"], edge["b_id"])]
        assert identity["identifiers"] == workspace.profiles.identifiers(profile_id)
        statuses |= {edge["status"] for edge in expected}
    assert statuses == {"active", "blocked", "removed"}
    assert len(workspace.profiles.edges(jane)) >= 4
