"""Where and on what a profile's visits came from: IP country and city, user-agent device.

Both read the ``context`` of the profile's own events (``context.ip``,
``context.userAgent``), newest first, and answer for the newest one that parses.
Everything is offline: the country comes from ``geoip2fast``'s database (refreshed with
each release), the city, region and time zone from a MaxMind-format city database
(``geo_city.py``).
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

from persona360.enrichment.geo_city import CityDatabase
from persona360.enrichment.provider import Inferred, ProfileView, Provider
from persona360.ingest.validate import infer_device


class IpProvider(Provider):
    """Country, city, region and time zone of the newest public ``context.ip``.

    Args:
        city_db: the city database (see :func:`~persona360.enrichment.geo_city.open_city_db`);
            None leaves out everything finer than the country.
    """

    name = "ip"
    traits = ("ip_country", "ip_city", "ip_region", "ip_timezone")
    reads_events = True

    def __init__(self, city_db: CityDatabase | None = None) -> None:
        self.city_db = city_db

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        for ip in profile.ips:
            country = ip_country(ip)
            if country:
                # An IP is where the visit came from: VPNs and travel make it a guess.
                return [Inferred("ip_country", country, 0.8), *self._finer(ip, country)]
        return []

    def _finer(self, ip: str, country: str) -> list[Inferred]:
        place = self.city_db.lookup(ip) if self.city_db else None
        # An older city database can place a re-assigned block in its former country:
        # finer answers count only where both databases agree on the country.
        if place is None or place.country != country:
            return []
        found = [("ip_city", place.city, 0.5), ("ip_region", place.region, 0.6), ("ip_timezone", place.timezone, 0.7)]
        return [Inferred(trait, value, confidence) for trait, value, confidence in found if value]


def ip_country(ip: str) -> str | None:
    """The country code of a public IPv4/IPv6 address, or None (private, unknown, bad)."""
    try:
        result = _geoip().lookup(ip)
    except (ValueError, TypeError):
        return None
    code = getattr(result, "country_code", "")
    return code if isinstance(code, str) and len(code) == 2 and code.isalpha() else None


class UserAgentProvider(Provider):
    """``ua_device_type``, ``ua_os`` and ``ua_browser`` from the newest ``context.userAgent``."""

    name = "user_agent"
    traits = ("ua_device_type", "ua_os", "ua_browser")
    reads_events = True

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        for agent in profile.user_agents:
            answers = parse_user_agent(agent)
            if answers:
                return answers
        return []


def parse_user_agent(agent: str) -> list[Inferred]:
    """Device type, OS family and browser family; empty for an unrecognised string."""
    from ua_parser import parse  # its regex tables load on first use

    result = parse(agent)
    answers = []
    if result.os and result.os.family != "Other":
        answers.append(Inferred("ua_os", result.os.family, 0.9))
    if result.user_agent and result.user_agent.family != "Other":
        answers.append(Inferred("ua_browser", result.user_agent.family, 0.9))
    device = "bot" if result.device and result.device.family == "Spider" else infer_device({"userAgent": agent})
    if answers and device:
        answers.append(Inferred("ua_device_type", device, 0.8))
    return answers


@cache
def _geoip() -> Any:
    # geoip2fast 1.2.2 has invalid escapes in regex literals: compiling it warns
    # (DeprecationWarning, SyntaxWarning from 3.12), fatal where warnings are errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        from geoip2fast import GeoIP2Fast

        return GeoIP2Fast(verbose=False)  # loads its database (0.4 s) once
