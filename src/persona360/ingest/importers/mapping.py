"""Column mappings: what each column of an imported file means.

A mapping sends a column to a role: an identifier (``email``, ``phone``,
``user_id``, ``anonymous_id``, ``id:NAMESPACE``, ``handle:PLATFORM``), a trait
(``trait:NAME``), a property (``prop:NAME``), a line-item field of an order
(``item:FIELD``), a consent decision (``consent:PURPOSE`` or ``consent:PURPOSE:CHANNEL``,
e.g. an email service's subscription status as ``consent:marketing:email``), or one of
``timestamp``, ``event``, ``order_id``, ``message_id`` and ``ignore``. Columns without a
role are kept as properties.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from persona360.errors import MappingError
from persona360.identity.normalise import check_kind
from persona360.privacy.purposes import check_purpose

SINGLE_ROLES = ("timestamp", "event", "order_id", "message_id")
IDENTIFIER_ROLES = ("email", "phone", "user_id", "anonymous_id")
PREFIX_ROLES = ("id:", "handle:", "trait:", "prop:", "item:", "consent:")


def is_identifier_role(role: str) -> bool:
    """Whether a column of ``role`` holds an identifier (email, phone, ids, id:NAMESPACE, handle:PLATFORM)."""
    return role in IDENTIFIER_ROLES or role.startswith(("id:", "handle:"))


# Every role a column may have, as the error for an unknown role and ``import --help`` list them.
ROLE_CHOICES = (
    f"{', '.join(IDENTIFIER_ROLES + SINGLE_ROLES)}, id:NAMESPACE, handle:PLATFORM, "
    "trait:NAME, prop:NAME, item:FIELD, consent:PURPOSE[:CHANNEL] or ignore"
)


@dataclass
class ColumnMapping:
    """Roles by column name, checked when built."""

    roles: dict[str, str] = field(default_factory=dict)

    def column_for(self, role: str) -> str | None:
        """The column that holds ``role`` (e.g. ``timestamp``), if one does."""
        for column, mapped in self.roles.items():
            if mapped == role:
                return column
        return None

    def role_of(self, column: str) -> str:
        """The role of ``column``; unmapped columns are properties named after them."""
        return self.roles.get(column, f"prop:{column}")

    def check_columns(self, columns: Iterable[str]) -> None:
        """Raise :class:`MappingError` when the mapping names a column the file lacks."""
        present = set(columns)
        missing = [column for column in self.roles if column not in present]
        if missing:
            raise MappingError(
                f"the mapping names column(s) {', '.join(map(repr, missing))} that the file "
                f"does not have; its columns are {', '.join(sorted(present))}"
            )


def check_role(role: str, column: str) -> str:
    """Return ``role`` when valid; raise :class:`MappingError` naming column and fix."""
    role = role.strip()
    if role in SINGLE_ROLES or role in IDENTIFIER_ROLES or role == "ignore":
        return role
    for prefix in PREFIX_ROLES:
        if role.startswith(prefix) and len(role) > len(prefix):
            if prefix in ("id:", "handle:"):
                try:
                    check_kind(role)
                except ValueError as error:
                    raise MappingError(f"column {column!r}: {error}") from None
            if prefix == "consent:":
                _check_consent_role(role, column)
            return role
    raise MappingError(f"column {column!r} has unknown role {role!r}: use one of {ROLE_CHOICES}")


def _check_consent_role(role: str, column: str) -> None:
    purpose, _, channel = role.removeprefix("consent:").partition(":")
    try:
        check_purpose(purpose, channel or None)
    except ValueError as error:
        raise MappingError(f"column {column!r} ({role}): {error}") from None


def parse_mapping(flags: Iterable[str] = (), map_file: Path | None = None) -> ColumnMapping:
    """Build a mapping from a TOML file and ``COLUMN=ROLE`` flags (flags win).

    Example:
        >>> parse_mapping(["E-mail=email", "customer_id=id:shop"]).roles
        {'E-mail': 'email', 'customer_id': 'id:shop'}
    """
    roles: dict[str, str] = {}
    if map_file is not None:
        roles.update(_read_map_file(map_file))
    for flag in flags:
        column, separator, role = flag.rpartition("=")
        if not separator or not column.strip():
            raise MappingError(f"--map {flag!r} must look like COLUMN=ROLE")
        roles[column.strip()] = role
    mapping = ColumnMapping({column: check_role(role, column) for column, role in roles.items()})
    for role in SINGLE_ROLES:
        holders = [column for column, mapped in mapping.roles.items() if mapped == role]
        if len(holders) > 1:
            raise MappingError(f"role {role!r} is given to several columns: {', '.join(holders)}")
    return mapping


def _read_map_file(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"mapping file {path} is not valid TOML: {error}") from None
    table = data.get("columns", data)
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise MappingError(f'mapping file {path} must hold a [columns] table of COLUMN = "ROLE" strings')
    return {str(column): role for column, role in table.items()}
