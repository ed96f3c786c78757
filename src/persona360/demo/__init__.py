"""A demo shop: simulated people and the fragmented, dirty exports they leave behind.

Example:
    >>> from persona360.demo import DemoSpec
    >>> DemoSpec(customers=100).days
    90
"""

from __future__ import annotations

from persona360.demo.generator import generate_shop
from persona360.demo.manifest import Manifest, ManifestFile
from persona360.demo.spec import ARCHETYPES, DemoSpec, DirtRates

__all__ = ["ARCHETYPES", "DemoSpec", "DirtRates", "Manifest", "ManifestFile", "generate_shop"]
