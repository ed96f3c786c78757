"""The built-in providers, by name."""

from __future__ import annotations

from collections.abc import Callable

from persona360.enrichment.provider import Provider
from persona360.errors import NotFoundError


# The providers import their data (phonenumbers' geocoder and carrier tables, GeoIP,
# user-agent rules) when made, not when persona360 is imported: that costs seconds
# every CLI call would otherwise pay.
def _phone(region: str) -> Provider:
    from persona360.enrichment.phone_number import PhoneProvider  # noqa: PLC0415

    return PhoneProvider(region)


def _email(region: str) -> Provider:
    from persona360.enrichment.email_address import EmailProvider  # noqa: PLC0415

    return EmailProvider()


def _name(region: str) -> Provider:
    from persona360.enrichment.gender import GenderProvider  # noqa: PLC0415

    return GenderProvider()


def _ip(region: str) -> Provider:
    from persona360.enrichment.network import IpProvider  # noqa: PLC0415

    return IpProvider()


def _user_agent(region: str) -> Provider:
    from persona360.enrichment.network import UserAgentProvider  # noqa: PLC0415

    return UserAgentProvider()


# Factories take the workspace's default phone region (the only setting any needs).
BUILTIN_PROVIDERS: dict[str, Callable[[str], Provider]] = {
    "phone": _phone,
    "email": _email,
    "name": _name,
    "ip": _ip,
    "user_agent": _user_agent,
}


def builtin_provider(name: str, region: str) -> Provider:
    """The built-in provider called ``name``; raise naming the choices."""
    check_builtin(name)
    return BUILTIN_PROVIDERS[name](region)


def check_builtin(name: str) -> None:
    """Raise :class:`NotFoundError` naming the choices unless ``name`` is a built-in provider."""
    if name not in BUILTIN_PROVIDERS:
        choices = ", ".join(BUILTIN_PROVIDERS)
        raise NotFoundError(f"no enrichment provider {name!r}: use one of {choices}")
