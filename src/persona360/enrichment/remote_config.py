"""Remote providers declared in a TOML file (``PERSONA360_ENRICH_PROVIDERS_FILE``).

A shop adds a Clearbit-like or SocialScore-like service without writing Python::

    [clearbit]
    url = "https://person.example.com/v2/find"
    inputs = { email = "email" }                     # query parameter -> email | phone | ip | TRAIT
    fields = { "person.gender" = "gender", "employment.name" = "company" }  # JSON path -> trait
    confidence = 0.7
    per_second = 5                                   # rate limit
    [clearbit.auth]
    type = "bearer"                                  # bearer | basic | header
    token_env = "CLEARBIT_KEY"                       # secrets only by environment variable name

Secrets never sit in the file: it names the environment variables that hold them, so
the file can be committed with the shop's other configuration.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from persona360.enrichment.remote import HttpProvider
from persona360.errors import ConfigError

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class _Bearer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["bearer"]
    token_env: str


class _Basic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["basic"]
    user: str
    password_env: str


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["header"]
    name: str
    value_env: str


class RemoteProviderSpec(BaseModel):
    """One provider of the file, checked."""

    model_config = ConfigDict(extra="forbid")
    url: Annotated[str, Field(pattern=r"^https?://")]
    inputs: Annotated[dict[str, str], Field(min_length=1)]
    fields: Annotated[dict[str, str], Field(min_length=1)]
    confidence: Annotated[float, Field(gt=0, le=1)] = 0.7
    per_second: Annotated[float, Field(gt=0)] = 5.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    timeout: Annotated[float, Field(gt=0, le=120)] = 10.0
    auth: Annotated[_Bearer | _Basic | _Header, Field(discriminator="type")] | None = None

    def headers(self, provider: str) -> dict[str, str]:
        """The auth header, its secret read from the environment now."""
        if self.auth is None:
            return {}
        if isinstance(self.auth, _Bearer):
            return {"Authorization": f"Bearer {_secret(provider, self.auth.token_env)}"}
        if isinstance(self.auth, _Header):
            return {self.auth.name: _secret(provider, self.auth.value_env)}
        import base64  # noqa: PLC0415

        pair = f"{self.auth.user}:{_secret(provider, self.auth.password_env)}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


def load_remote_specs(path: Path | None, reserved: set[str]) -> dict[str, RemoteProviderSpec]:
    """The providers of ``path`` by name (none without a file).

    Raises:
        ConfigError: the file is missing or not TOML, a name is malformed or taken by
            a built-in provider, or a provider's table is wrong (the field is named).
    """
    if path is None:
        return {}
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(
            f"enrichment providers file {path} does not exist (PERSONA360_ENRICH_PROVIDERS_FILE)"
        ) from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"enrichment providers file {path} is not valid TOML: {error}") from error
    specs = {}
    for name, table in tables.items():
        if not _NAME.match(name):
            raise ConfigError(f"{path}: provider name {name!r} must be lower-case letters, digits, '-' or '_'")
        if name in reserved:
            raise ConfigError(f"{path}: provider name {name!r} is a built-in provider's; choose another")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        specs[name] = _checked(path, name, table)
    return specs


def remote_provider(name: str, spec: RemoteProviderSpec) -> HttpProvider:
    """The :class:`HttpProvider` of one spec (reads its secret from the environment)."""
    return HttpProvider(
        name,
        spec.url,
        spec.inputs,
        spec.fields,
        confidence=spec.confidence,
        headers=spec.headers(name),
        per_second=spec.per_second,
        retries=spec.retries,
        timeout=spec.timeout,
    )


def _checked(path: Path, name: str, table: dict[str, Any]) -> RemoteProviderSpec:
    try:
        return RemoteProviderSpec.model_validate(table)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if not str(part).startswith(("_", "function")))
        raise ConfigError(f"{path}: [{name}] {where}: {first['msg']}") from error


def _secret(provider: str, variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(
            f"enrichment provider {provider!r} needs the environment variable {variable}, which is not set"
        )
    return value
