"""The HTTP JSON provider against a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from integration.enrichment.json_service import json_service
from persona360.enrichment import ProfileView
from persona360.enrichment.remote import HttpProvider


class _Service:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0


@pytest.fixture
def service() -> Iterator[tuple[str, _Service]]:
    state = _Service()

    def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any] | None]:
        query = {k: v[0] for k, v in parse_qs(urlparse(request.path).query).items()}
        state.requests.append({"query": query, "auth": request.headers.get("Authorization")})
        if state.fail_first > 0:
            state.fail_first -= 1
            return 503, None
        if request.headers.get("Authorization") != "Bearer s3cret":
            return 401, None
        return 200, {"person": {"company": {"name": "Acme"}, "seniority": None}, "score": 0.4}

    with json_service(answer) as url:
        yield f"{url}/v1/person", state


def _provider(url: str, **options: Any) -> HttpProvider:
    return HttpProvider(
        "acme",
        url,
        {"email": "email"},
        {"person.company.name": "company_name", "person.seniority": "seniority", "score": "lead_score"},
        headers={"Authorization": "Bearer s3cret"},
        sleep=lambda seconds: None,
        **options,
    )


VIEW = ProfileView(1, identifiers=(("email", "olena@acme.com"),))


def test_maps_fields_and_sends_auth(service: tuple[str, _Service]) -> None:
    url, state = service
    provider = _provider(url)
    answers = {answer.trait: (answer.value, answer.confidence) for answer in provider.enrich(VIEW)}
    provider.close()
    assert answers == {"company_name": ("Acme", 0.7), "lead_score": (0.4, 0.7)}
    assert state.requests == [{"query": {"email": "olena@acme.com"}, "auth": "Bearer s3cret"}]


def test_cached_and_skips_profiles_without_inputs(service: tuple[str, _Service]) -> None:
    url, state = service
    provider = _provider(url)
    provider.enrich(VIEW)
    provider.enrich(VIEW)
    assert provider.enrich(ProfileView(2)) == []
    provider.close()
    assert len(state.requests) == 1


def test_retries_then_succeeds(service: tuple[str, _Service]) -> None:
    url, state = service
    state.fail_first = 2
    provider = _provider(url, retries=2)
    assert provider.enrich(VIEW)
    provider.close()
    assert len(state.requests) == 3


def test_gives_up_with_a_warning(service: tuple[str, _Service], caplog: pytest.LogCaptureFixture) -> None:
    url, state = service
    state.fail_first = 5
    provider = _provider(url, retries=1)
    assert provider.enrich(VIEW) == []
    provider.close()
    assert len(state.requests) == 2
    assert "gave up after 2 attempts: HTTP 503" in caplog.text


def test_rate_limit_waits_between_requests(service: tuple[str, _Service]) -> None:
    url, _ = service
    waits: list[float] = []
    provider = HttpProvider("acme", url, {"email": "email"}, {"score": "s"}, per_second=2, sleep=waits.append)
    for n in range(3):
        provider.enrich(ProfileView(n, identifiers=(("email", f"p{n}@x.com"),)))
    provider.close()
    # the recorded sleeps do not pass time: each request waits one interval more
    assert waits == pytest.approx([0.5, 1.0], abs=0.2)


def test_unauthorised_answers_nothing(service: tuple[str, _Service]) -> None:
    url, _ = service
    provider = HttpProvider("acme", url, {"email": "email"}, {"score": "s"})
    assert provider.enrich(VIEW) == []
    provider.close()
