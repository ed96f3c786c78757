"""The exceptions persona360 raises.

One root, :class:`Persona360Error`. Errors caused by input also subclass
``ValueError`` so callers that only know the standard library still catch them.
Every message names the field, the value and, where there is one, the fix.
"""

from __future__ import annotations

from dataclasses import dataclass


class Persona360Error(Exception):
    """The root of every error persona360 raises on purpose."""


class InvalidEventError(ValueError, Persona360Error):
    """A tracking payload or imported record is not acceptable.

    Attributes:
        field: dotted path of the offending field, or ``""`` for the whole payload.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class PayloadTooLargeError(InvalidEventError):
    """A body or a single event is over its size limit."""


class AuthenticationError(Persona360Error):
    """A write key or admin token is missing, unknown or lacks the scope."""


class PermissionDeniedError(AuthenticationError):
    """The token is valid but its scopes do not cover the operation."""


class NotFoundError(LookupError, Persona360Error):
    """A profile, source or identifier that was asked for does not exist."""


class WorkspaceError(Persona360Error):
    """The workspace file cannot be opened or is in a state that forbids the operation."""


class ConfigError(ValueError, Persona360Error):
    """A setting, or a configuration file a setting names, is wrong; the message names it."""


class StoreUnavailableError(Persona360Error):
    """The store could not commit; the client should retry later (HTTP 503)."""


class MappingError(ValueError, Persona360Error):
    """A column mapping for an import is malformed."""


class IdentityError(ValueError, Persona360Error):
    """A merge or unmerge request cannot be carried out."""


class SurveyError(ValueError, Persona360Error):
    """A survey definition, answer or answer link is not acceptable.

    Attributes:
        field: dotted path of the offending field (``answers.rating``), or ``""``.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class IndexedError:
    """One rejected item of a batch, reported by its position."""

    index: int
    field: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "field": self.field, "message": self.message}
