"""The privacy room: consent, the audit trail and erasure (see README.md)."""

from __future__ import annotations

from persona360.privacy.api import PrivacyAPI
from persona360.privacy.purposes import CHANNELS, PURPOSES, ConsentError, check_purpose

__all__ = ["CHANNELS", "PURPOSES", "ConsentError", "PrivacyAPI", "check_purpose"]
