"""Name, street and city pools per locale, drawn once from a seeded Faker.

Faker costs tens of microseconds a call; a million people would spend minutes in it.
So each locale's pools are drawn once and people are sampled from them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from faker import Faker

from persona360.demo.variants import DIMINUTIVES

# A name with everyday forms is drawn this many times more often than one without,
# so that diminutive dirt has names to work on in every locale.
_DIMINUTIVE_WEIGHT = 6
_POOL_DRAWS = 400

# (spellings, weight): the first spelling is the locale's own; the others turn up in exports.
_CITIES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "ua": (
        (("Київ", "Киев", "Kyiv", "Kiev"), 3.0), (("Харків", "Харьков", "Kharkiv"), 1.4),
        (("Одеса", "Одесса", "Odesa", "Odessa"), 1.0), (("Дніпро", "Днепр", "Dnipro"), 1.0),
        (("Львів", "Львов", "Lviv"), 0.7), (("Запоріжжя", "Запорожье", "Zaporizhzhia"), 0.7),
        (("Вінниця", "Винница", "Vinnytsia"), 0.35), (("Полтава", "Poltava"), 0.3),
        (("Чернігів", "Чернигов", "Chernihiv"), 0.3), (("Житомир", "Zhytomyr"), 0.26),
        (("Івано-Франківськ", "Ивано-Франковск", "Ivano-Frankivsk"), 0.23),
        (("Ужгород", "Uzhhorod"), 0.12),
    ),
    "pl": (
        (("Warszawa", "Warsaw"), 1.8), (("Kraków", "Krakow"), 0.8), (("Łódź", "Lodz"), 0.67),
        (("Wrocław", "Wroclaw"), 0.64), (("Poznań", "Poznan"), 0.53),
        (("Gdańsk", "Gdansk"), 0.47), (("Szczecin",), 0.4), (("Lublin",), 0.34),
    ),
    "us": (
        (("New York", "NYC"), 8.3), (("Los Angeles", "LA"), 3.9), (("Chicago",), 2.7),
        (("Houston",), 2.3), (("Philadelphia",), 1.6), (("Seattle",), 0.75),
    ),
    "gb": (
        (("London",), 8.9), (("Birmingham",), 1.1), (("Manchester",), 0.55),
        (("Leeds",), 0.8), (("Glasgow",), 0.6), (("Bristol",), 0.47),
    ),
}  # fmt: skip

_EMAIL_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = {
    "uk_UA": (("gmail.com", 0.55), ("ukr.net", 0.3), ("i.ua", 0.08), ("meta.ua", 0.07)),
    "ru_RU": (("gmail.com", 0.5), ("ukr.net", 0.2), ("yandex.ru", 0.15), ("mail.ru", 0.15)),
    "pl_PL": (("gmail.com", 0.45), ("wp.pl", 0.2), ("onet.pl", 0.15), ("o2.pl", 0.1),
              ("interia.pl", 0.1)),
    "en_US": (("gmail.com", 0.55), ("yahoo.com", 0.2), ("outlook.com", 0.15),
              ("icloud.com", 0.1)),
    "en_GB": (("gmail.com", 0.5), ("hotmail.co.uk", 0.2), ("yahoo.co.uk", 0.15),
              ("btinternet.com", 0.15)),
}  # fmt: skip

COUNTRY_OF = {"uk_UA": "ua", "ru_RU": "ua", "pl_PL": "pl", "en_US": "us", "en_GB": "gb"}
LANGUAGE_OF = {"uk_UA": "uk", "ru_RU": "ru", "pl_PL": "pl", "en_US": "en", "en_GB": "en"}


@dataclass(frozen=True)
class LocalePools:
    """What people of one locale are called and where they live."""

    locale: str
    first: dict[str, tuple[str, ...]]
    last: dict[str, tuple[str, ...]]
    streets: tuple[str, ...]
    cities: tuple[tuple[str, ...], ...]
    city_weights: tuple[float, ...]
    domains: tuple[str, ...]
    domain_weights: tuple[float, ...]

    def pick_city(self, rng: random.Random) -> tuple[str, ...]:
        return rng.choices(self.cities, cum_weights=self.city_weights)[0]

    def pick_domain(self, rng: random.Random) -> str:
        return rng.choices(self.domains, cum_weights=self.domain_weights)[0]


def build_pools(locales: tuple[str, ...], seed: int) -> dict[str, LocalePools]:
    """Draw every locale's pools from a Faker seeded with ``seed``."""
    return {locale: _locale_pools(locale, seed) for locale in locales}


def _locale_pools(locale: str, seed: int) -> LocalePools:
    faker = Faker(locale)
    faker.seed_instance(seed)
    country = COUNTRY_OF[locale]
    cities = _CITIES[country]
    domains = _EMAIL_DOMAINS[locale]
    return LocalePools(
        locale=locale,
        first={g: _first_names(faker, g) for g in ("male", "female")},
        last={g: _last_names(faker, g) for g in ("male", "female")},
        streets=tuple(dict.fromkeys(faker.street_name() for _ in range(_POOL_DRAWS))),
        cities=tuple(spellings for spellings, _ in cities),
        city_weights=_cumulative(weight for _, weight in cities),
        domains=tuple(domain for domain, _ in domains),
        domain_weights=_cumulative(weight for _, weight in domains),
    )


def _first_names(faker: Faker, gender: str) -> tuple[str, ...]:
    draw = getattr(faker, f"first_name_{gender}")
    names: list[str] = []
    for _ in range(_POOL_DRAWS):
        name = draw()
        names.extend([name] * (_DIMINUTIVE_WEIGHT if name in DIMINUTIVES else 1))
    return tuple(names)


def _last_names(faker: Faker, gender: str) -> tuple[str, ...]:
    draw = getattr(faker, f"last_name_{gender}", faker.last_name)
    return tuple(draw() for _ in range(_POOL_DRAWS))


def _cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    return tuple(accumulate(weights))
