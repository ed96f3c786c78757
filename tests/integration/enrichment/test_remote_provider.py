"""The HTTP JSON provider against a real server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from persona360.enrichment import ProfileView
from persona360.enrichment.remote import HttpProvider


class _Service:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0


@pytest.fixture
def service() -> Iterator[tuple[str, _Service]]:
    state = _Service()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            state.requests.append({"query": query, "auth": self.headers.get("Authorization")})
            if state.fail_first > 0:
                state.fail_first -= 1
                self.send_response(503)
                self.end_headers()
                return
            if self.headers.get("Authorization") != "Bearer s3cret":
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps({"person": {"company": {"name": "Acme"}, "seniority": None}, "score": 0.4})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/person", state
    server.shutdown()
    server.server_close()


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
