"""Country, region, carrier and line type of a phone number, offline (phonenumbers)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import carrier, geocoder

from persona360.enrichment.provider import Inferred, ProfileView, Provider

# Carriers are the number's original operator: numbers move between operators
# (number portability), so the carrier is the least sure of the answers.
_CONFIDENCE = {"phone_country": 0.99, "phone_line_type": 0.9, "phone_region": 0.7, "phone_carrier": 0.6}
_LINE_TYPES = {
    value: name.lower()
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


class PhoneProvider(Provider):
    """Reads the profile's phone identifier (E.164) or its ``phone`` trait."""

    name = "phone"
    traits = tuple(_CONFIDENCE)

    def __init__(self, default_region: str | None = None) -> None:
        self.default_region = default_region

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        text = profile.identifier("phone") or profile.text("phone")
        number = _parse(text, self.default_region) if text else None
        if number is None:
            return []
        answers = {
            "phone_country": phonenumbers.region_code_for_number(number),
            "phone_line_type": _LINE_TYPES.get(phonenumbers.number_type(number)),
            "phone_region": _region(number),
            "phone_carrier": carrier.name_for_number(number, "en"),
        }
        return [Inferred(name, value, _CONFIDENCE[name]) for name, value in answers.items() if value]


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _region(number: phonenumbers.PhoneNumber) -> str | None:
    # For mobile numbers the geocoder answers only the country: no region then.
    region = geocoder.description_for_number(number, "en")
    return None if region == geocoder.country_name_for_number(number, "en") else region
