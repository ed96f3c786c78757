"""A generic remote provider: one HTTP GET per profile, JSON answer mapped to traits.

Rate-limited (at most ``per_second`` requests), cached (the same query is asked once
per provider object) and retried (transport errors, 429 and 5xx, with exponential
backoff). A profile whose request still fails gets no answer and a logged warning;
the run goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from persona360.enrichment.provider import Inferred, ProfileView, Provider

log = logging.getLogger(__name__)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpProvider(Provider):
    """Ask an HTTP JSON service about each profile.

    Args:
        name: results are stored under the source ``enrich.NAME``.
        url: the endpoint; called with GET and the query parameters of ``inputs``.
        inputs: query parameter -> what to send: ``email``, ``phone``, ``ip`` or a
            trait name. A profile missing any of them is not asked.
        fields: dotted path in the JSON answer -> trait name (``"person.gender": "gender"``).
        confidence: the confidence of every answer.
        headers: extra headers, e.g. ``{"Authorization": "Bearer ..."}``.
        per_second: at most this many requests a second.
        retries: attempts after the first, on transport errors, 429 and 5xx.
        timeout: seconds per request.

    Example:
        >>> HttpProvider("clearbit", "https://example.org/v1", {"email": "email"},
        ...     {"company.name": "company_name"}).source
        'enrich.clearbit'
    """

    def __init__(
        self,
        name: str,
        url: str,
        inputs: Mapping[str, str],
        fields: Mapping[str, str],
        *,
        confidence: float = 0.7,
        headers: Mapping[str, str] | None = None,
        per_second: float = 5.0,
        retries: int = 3,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name, self.url = name, url
        self.inputs, self.fields = dict(inputs), dict(fields)
        self.traits = tuple(self.fields.values())
        self.reads_events = "ip" in self.inputs.values()
        self.confidence, self.retries = confidence, retries
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._client = httpx.Client(headers=dict(headers or {}), timeout=timeout, transport=transport)
        self._sleep = sleep
        self._cache: dict[tuple[tuple[str, str], ...], dict[str, Any] | None] = {}
        self._lock = threading.Lock()
        self._next_at = 0.0

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        query = _query(profile, self.inputs)
        if query is None:
            return []
        key = tuple(sorted(query.items()))
        if key not in self._cache:
            self._cache[key] = self._ask(query)
        answer = self._cache[key]
        if answer is None:
            return []
        found = {trait: _at(answer, path) for path, trait in self.fields.items()}
        return [Inferred(trait, value, self.confidence) for trait, value in found.items() if value is not None]

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _ask(self, query: dict[str, str]) -> dict[str, Any] | None:
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                response = self._client.get(self.url, params=query)
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code not in _RETRY_STATUS:
                    return _json(response, self.name)
                problem = f"HTTP {response.status_code}"
            if attempt < self.retries:
                self._sleep(0.5 * 2**attempt)
        log.warning("enrichment provider %s gave up after %d attempts: %s", self.name, self.retries + 1, problem)
        return None

    def _wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            wait = self._next_at - now
            self._next_at = max(now, self._next_at) + self._interval
        if wait > 0:
            self._sleep(wait)


def _query(profile: ProfileView, inputs: Mapping[str, str]) -> dict[str, str] | None:
    query = {}
    for parameter, wanted in inputs.items():
        if wanted == "ip":
            value = profile.ips[0] if profile.ips else None
        else:
            value = profile.identifier(wanted) or profile.text(wanted)
        if value is None:
            return None
        query[parameter] = value
    return query


def _json(response: httpx.Response, name: str) -> dict[str, Any] | None:
    if response.status_code != 200:
        log.warning("enrichment provider %s answered HTTP %d", name, response.status_code)
        return None
    try:
        answer = response.json()
    except ValueError:
        log.warning("enrichment provider %s answered something that is not JSON", name)
        return None
    return answer if isinstance(answer, dict) else None


def _at(answer: dict[str, Any], path: str) -> Any:
    value: Any = answer
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
