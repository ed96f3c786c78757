"""The providers a workspace can use, by name: the built-ins and those of the providers file."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from persona360.enrichment.provider import Provider
from persona360.enrichment.remote_config import RemoteProviderSpec, load_remote_specs, remote_provider
from persona360.errors import NotFoundError
from persona360.settings import Settings

if TYPE_CHECKING:
    from persona360.enrichment.geo_city import CityDatabase


# The providers import their data (phonenumbers' geocoder and carrier tables, GeoIP,
# user-agent rules) when made, not when persona360 is imported: that costs seconds
# every CLI call would otherwise pay.
def _phone(settings: Settings) -> Provider:
    from persona360.enrichment.phone_number import PhoneProvider  # noqa: PLC0415

    return PhoneProvider(settings.default_region)


def _email(settings: Settings) -> Provider:
    from persona360.enrichment.email_address import EmailProvider  # noqa: PLC0415

    return EmailProvider()


def _name(settings: Settings) -> Provider:
    from persona360.enrichment.gender import GenderProvider  # noqa: PLC0415

    return GenderProvider()


def _ip(settings: Settings) -> Provider:
    from persona360.enrichment.network import IpProvider  # noqa: PLC0415

    return IpProvider(_city_db(settings.enrich_city_db))


def _user_agent(settings: Settings) -> Provider:
    from persona360.enrichment.network import UserAgentProvider  # noqa: PLC0415

    return UserAgentProvider()


BUILTIN_PROVIDERS: dict[str, Callable[[Settings], Provider]] = {
    "phone": _phone,
    "email": _email,
    "name": _name,
    "ip": _ip,
    "user_agent": _user_agent,
}


def provider_names(settings: Settings) -> list[str]:
    """Every usable provider's name: the built-ins, then the remote ones of the file."""
    return [*BUILTIN_PROVIDERS, *remote_specs(settings)]


def make_provider(name: str, settings: Settings) -> Provider:
    """A new provider called ``name``; :class:`NotFoundError` naming the choices otherwise."""
    check_provider(name, settings)
    if name in BUILTIN_PROVIDERS:
        return BUILTIN_PROVIDERS[name](settings)
    return remote_provider(name, remote_specs(settings)[name])


def check_provider(name: str, settings: Settings) -> None:
    """Raise :class:`NotFoundError` naming the choices unless ``name`` is a usable provider."""
    names = provider_names(settings)
    if name not in names:
        raise NotFoundError(f"no enrichment provider {name!r}: use one of {', '.join(names)}")


def is_remote(name: str) -> bool:
    """Whether ``name`` is not a built-in (offline) provider."""
    return name not in BUILTIN_PROVIDERS


def remote_specs(settings: Settings) -> dict[str, RemoteProviderSpec]:
    """The providers file's providers, read again only when the file changes."""
    path = settings.enrich_providers_file
    stamp = path.stat().st_mtime_ns if path is not None and path.exists() else None
    return _remote_specs(path, stamp)


@cache
def _remote_specs(path: Path | None, stamp: int | None) -> dict[str, RemoteProviderSpec]:
    return load_remote_specs(path, set(BUILTIN_PROVIDERS))


@cache
def _city_db(path: Path | None) -> CityDatabase:
    """One open (memory-mapped) city database per file for the whole process."""
    from persona360.enrichment.geo_city import open_city_db  # noqa: PLC0415

    return open_city_db(path)
