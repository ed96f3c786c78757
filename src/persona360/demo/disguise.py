"""How a person shows up in one record: the name, email and phone as typed that day.

Rates come from :class:`~persona360.demo.spec.DirtRates` and are drawn per record, so the
same customer's orders, contacts and tickets disagree the way real ones do.
"""

from __future__ import annotations

import random

from persona360.demo.dirt import email_typo, format_phone, gmail_variant, shouted_email, typo
from persona360.demo.people import Person
from persona360.demo.spec import DirtRates
from persona360.demo.variants import diminutives_of, transliterate

TEST_EMAIL = "test@shop.example"


class Disguise:
    """Draws the dirty form of a person's identifiers, one record at a time."""

    def __init__(self, dirt: DirtRates, rng: random.Random) -> None:
        self.dirt, self.rng = dirt, rng

    def names(self, person: Person, allow_swap: bool = True) -> tuple[str, str]:
        """First and last name as written on one record."""
        d, rng = self.dirt, self.rng
        first, last = person.first, person.last
        forms = diminutives_of(first)
        if forms and rng.random() < d.diminutive:
            first = rng.choice(forms)
        if person.language in ("uk", "ru") and rng.random() < d.other_script:
            informal = rng.random() < 0.3
            first = transliterate(first, person.language, informal)
            last = transliterate(last, person.language, informal)
        if rng.random() < d.name_typo:
            last = typo(last, rng)
        if allow_swap and rng.random() < d.swapped_names:
            first, last = last, first
        return first, last

    def full_name(self, person: Person) -> str:
        first, last = self.names(person, allow_swap=False)
        if self.rng.random() < self.dirt.swapped_names:
            return f"{last} {first}"
        if self.rng.random() < 0.05:
            return f"{first} {last[0]}."
        return f"{first} {last}"

    def email(self, person: Person) -> str:
        """One of the person's emails as typed: gmail dots, a typo, capitals, blanks."""
        d, rng = self.dirt, self.rng
        email = person.emails[0] if rng.random() < 0.8 else rng.choice(person.emails)
        if rng.random() < d.gmail_variant:
            email = gmail_variant(email, rng)
        if rng.random() < d.email_typo:
            email = email_typo(email, rng)
        if rng.random() < d.email_case_space:
            email = shouted_email(email, rng)
        return email

    def phone(self, person: Person) -> str:
        """The person's phone, in their usual style or, often, another."""
        style = person.phone_style if self.rng.random() < 0.6 else self.rng.randrange(5)
        return format_phone(person.calling_code, person.phone, style)

    def missing(self) -> bool:
        return self.rng.random() < self.dirt.missing_field

    def blank(self, value: str) -> str:
        """``value``, or an empty cell at the missing-field rate."""
        return "" if self.missing() else value
