"""The workspace's encryption key, from the settings (a key file wins over the variable)."""

from __future__ import annotations

from persona360.errors import WorkspaceError
from persona360.settings import Settings
from persona360.store.database import Encryption


def encryption_from(settings: Settings) -> Encryption | None:
    """The :class:`Encryption` the settings ask for, or None for a plain file.

    Raises:
        WorkspaceError: the key file cannot be read or is empty.
    """
    key = settings.encryption_key
    if settings.encryption_key_file is not None:
        try:
            key = settings.encryption_key_file.read_text().strip()
        except OSError as error:
            raise WorkspaceError(
                f"PERSONA360_ENCRYPTION_KEY_FILE {settings.encryption_key_file}: cannot read it ({error.strerror})"
            ) from error
        if not key:
            raise WorkspaceError(f"PERSONA360_ENCRYPTION_KEY_FILE {settings.encryption_key_file} is empty")
    if not key:
        return None
    return Encryption(key, settings.encryption_allow_mbedtls)
