"""IP address -> city, region and time zone, from a MaxMind-format (``.mmdb``) database.

No package ships a current city database offline: geoip2fast ships countries only, and
MaxMind's own GeoLite2 City needs an account to download. So the default is the
GeoLite2 City snapshot the ``maxminddb-geolite2`` package ships (July 2018, CC BY-SA
4.0, the last release before MaxMind changed the licence), read with MaxMind's own
``maxminddb`` reader. Cities move between address blocks over the years, so its
answers are marked with a low confidence and, in :class:`IpProvider`, kept only where
the current country database agrees on the country. A newer file (GeoLite2 City,
DB-IP City Lite: both use this layout) is used instead when
``PERSONA360_ENRICH_CITY_DB`` names it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from persona360.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Place:
    """Where a database puts an address; any part may be missing."""

    country: str | None
    city: str | None
    region: str | None
    timezone: str | None


class CityDatabase:
    """An open ``.mmdb`` city database (thread-safe reads, memory-mapped).

    Args:
        path: the file; :class:`ConfigError` if it is missing or not a city database.
    """

    def __init__(self, path: Path) -> None:
        import maxminddb  # noqa: PLC0415 - opening maps 56 MB: only providers that need it pay

        if not path.is_file():
            raise ConfigError(f"city database {path} does not exist (PERSONA360_ENRICH_CITY_DB)")
        try:
            self._reader = maxminddb.open_database(str(path))
        except (maxminddb.InvalidDatabaseError, ValueError, OSError) as error:
            raise ConfigError(f"{path} is not a MaxMind-format database: {error}") from error
        metadata = self._reader.metadata()
        if "city" not in metadata.database_type.lower():
            raise ConfigError(f"{path} is a {metadata.database_type} database, not a city database")
        self.path = path
        self.built = datetime.fromtimestamp(metadata.build_epoch, UTC)

    def lookup(self, ip: str) -> Place | None:
        """The place of a public address; None for private, reserved, unknown or malformed ones."""
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if not address.is_global:
            return None
        record = self._reader.get(address)
        if not isinstance(record, dict):
            return None
        # maxminddb types a record as any JSON value; a City database's is this mapping
        found = cast(dict[str, Any], record)
        subdivisions = found.get("subdivisions") or [{}]
        return Place(
            country=found.get("country", {}).get("iso_code"),
            city=_english(found.get("city")),
            region=_english(subdivisions[0]),
            timezone=found.get("location", {}).get("time_zone"),
        )

    def close(self) -> None:
        self._reader.close()


def open_city_db(path: Path | None) -> CityDatabase:
    """The configured city database, or the snapshot shipped by ``maxminddb-geolite2``."""
    if path is not None:
        return CityDatabase(path)
    try:
        from _maxminddb_geolite2 import geolite2_database  # noqa: PLC0415
    except ImportError as error:
        raise ConfigError(
            "no city database: install maxminddb-geolite2 or set PERSONA360_ENRICH_CITY_DB to a .mmdb file"
        ) from error
    return CityDatabase(Path(geolite2_database()))


def _english(entry: dict[str, Any] | None) -> str | None:
    names = (entry or {}).get("names") or {}
    name = names.get("en")
    return name if isinstance(name, str) and name else None
