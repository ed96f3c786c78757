"""Schemathesis against a real server's OpenAPI schema: no 5xx, no route open without its key.

The schema is read from the running server (``/openapi.json``), so a route added later
is fuzzed too. Each operation gets schema-valid and schema-violating cases (positive and
negative generation) sent with the credentials the schema declares for it, and two
checks: ``not_a_server_error`` and ``ignored_auth`` (for every operation that declares a
security scheme, a successful answer is replayed without credentials and with forged
ones, and must then be refused). A route that declares no security scheme must be one
of the few public ones, so a guarded route cannot hide from ``ignored_auth`` by leaving
its scheme out of the schema.

Bounded for CI: ``PERSONA360_FUZZ_EXAMPLES`` cases per operation and mode (4 by
default, about 400 requests; raise it locally for a longer hunt), derandomised, no
shrinking.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth

from integration.server import Credentials, LiveServer

# The timeout covers the server's start too, which took minutes on the shared, loaded machine.
EXAMPLES = int(os.environ.get("PERSONA360_FUZZ_EXAMPLES", "4"))
TIMEOUT = int(os.environ.get("PERSONA360_FUZZ_TIMEOUT", "900"))
pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server"), pytest.mark.slow, pytest.mark.timeout(TIMEOUT)]
# Public by design (see test_server_route_auth.py): health, the signed open/click links
# (their token is the credential) and the embeddable survey's script, questions and form.
PUBLIC = {
    "GET /health",
    "GET /t/c/{token}",
    "GET /t/o/{token}",
    "GET /v1/surveys/widget.js",
    "GET /v1/surveys/{survey_id}/definition",
    "GET /v1/surveys/{survey_id}/form",
    "GET /v1/surveys/{survey_id}/a",
}
# Erasing rewrites the whole file (seconds a call): it is walked by the route test and
# its own tests, not fuzzed here.
SKIPPED = {"POST /v1/profiles/{profile_id}/erase"}


@pytest.fixture(scope="module")
def fuzzed(template: Credentials, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Credentials]]:
    """A server over a copy of the template workspace, with a few people in it."""
    db = tmp_path_factory.mktemp("schemathesis") / "ws.duckdb"
    shutil.copyfile(template.db, db)
    with LiveServer(Path(db)) as live:
        with httpx.Client(base_url=live.url, auth=(template.write_key, ""), timeout=60) as tracking:
            for n in range(1, 4):
                traits = {"email": f"fuzz{n}@example.com", "phone": f"+38050123450{n}", "first_name": "Fuzz"}
                tracking.post("/v1/identify", json={"userId": f"fuzz-{n}", "traits": traits}).raise_for_status()
                order = {"order_id": f"fuzz-order-{n}", "revenue": 10.0 * n}
                tracking.post(
                    "/v1/track", json={"userId": f"fuzz-{n}", "event": "Order Completed", "properties": order}
                )
        yield live.url, template


def credentials(operation: Any, creds: Credentials) -> dict[str, str]:
    """The header the schema says this operation authenticates with."""
    schemes = {name for requirement in operation.definition.raw.get("security", []) for name in requirement}
    if "adminToken" in schemes:
        return {"Authorization": f"Bearer {creds.admin_token}"}
    if "writeKey" in schemes:
        return {"Authorization": "Basic " + base64.b64encode(f"{creds.write_key}:".encode()).decode()}
    return {}


def test_every_operation_declares_how_it_authenticates(fuzzed: tuple[str, Credentials]) -> None:
    url, creds = fuzzed
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    undeclared = {op.label for op in operations if not credentials(op, creds)}
    assert undeclared == PUBLIC, "a route without a security scheme in the schema must be public by design"


def test_fuzz_finds_no_5xx_and_no_route_open_without_its_key(fuzzed: tuple[str, Credentials]) -> None:
    url, creds = fuzzed
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz(operation, mode, credentials(operation, creds), statuses)
    assert failures == []
    # not vacuous: the cases got past authentication, and many were answered, some refused
    assert sum(n for status, n in statuses.items() if status < 300) >= 40, statuses
    assert sum(n for status, n in statuses.items() if 400 <= status < 500) >= 40, statuses


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], statuses: Counter[int]) -> list[str]:
    """Run ``EXAMPLES`` cases of one operation; return what went wrong (empty: nothing)."""
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        try:
            response = case.call(headers=headers, timeout=60)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error, ignored_auth], headers=headers)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - failures are collected, reported together
            found.append(f"{operation.label} [{mode.value}]: {str(error)[:600]}")

    try:
        one()
    except Unsatisfiable:  # no part of the request can be made invalid (e.g. no parameters at all)
        assert mode is GenerationMode.NEGATIVE, operation.label
    return found[:3]
