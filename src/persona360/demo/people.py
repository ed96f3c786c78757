"""Simulated people: who they are, how they reach the shop and what drives them.

A person is built from their own seeded random stream, so the millionth person is the
same whether or not the first 999,999 were simulated in this process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from persona360.demo.behaviour import PREVALENCE, Behaviour, behaviour_of
from persona360.demo.catalogue import Catalogue
from persona360.demo.dirt import random_phone
from persona360.demo.identifiers import customer_id, hash_int, hash_unit, own_number, person_rng, stable_uuid
from persona360.demo.names import COUNTRY_OF, LANGUAGE_OF, LocalePools
from persona360.demo.networks import home_of
from persona360.demo.spec import ARCHETYPES, DemoSpec
from persona360.demo.variants import fold_ascii, transliterate

_CALLING_CODE = {"ua": "380", "pl": "48", "us": "1", "gb": "44"}
_CURRENCY = {"ua": "UAH", "pl": "PLN", "us": "USD", "gb": "USD"}
_AGENTS = {
    ("mobile", "iOS"): (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    ("mobile", "Android"): (
        "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Mobile Safari/537.36",
    ),
    ("desktop", "Windows"): (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    ),
    ("desktop", "macOS"): (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.0 Safari/605.1.15",
    ),
    ("tablet", "iPadOS"): (
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    ),
    ("tablet", "Android"): (
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Safari/537.36",
    ),
}
_OS_OF = {
    "mobile": ("iOS", "Android"), "desktop": ("Windows", "macOS"), "tablet": ("iPadOS", "Android"),
}  # fmt: skip
_ARCHETYPE_WEIGHTS = tuple(PREVALENCE[a] for a in ARCHETYPES)


@dataclass
class Device:
    """A browser or app install: one ``anonymousId`` until its cookies are cleared."""

    kind: str  # mobile, desktop or tablet
    os: str
    anonymous_id: str
    user_agent: str
    app: bool = False
    shared: bool = False
    identified_as: str | None = None  # the userId the device is logged in as
    resets: int = 0
    serial: str = field(init=False)  # the first ``anonymous_id``: the device itself, through cookie resets

    def __post_init__(self) -> None:
        self.serial = self.anonymous_id


@dataclass
class Person:
    index: int
    person_id: str
    locale: str
    gender: str
    age: int
    first: str
    last: str
    city: tuple[str, ...]
    address: str
    calling_code: str
    phone: str
    phone_style: int
    emails: list[str]
    archetypes: tuple[str, ...]
    behaviour: Behaviour
    devices: list[Device]
    currency: str
    tenure_days: float
    loyalty: bool
    buyer: bool
    brand: str
    category: str
    customer_ids: list[str] = field(default_factory=list)
    lapsed_at: float | None = None  # epoch seconds they stopped coming (set by the planner)
    home: str = ""  # the household whose network they use at home (``networks.home_of``)

    @property
    def country(self) -> str:
        return COUNTRY_OF[self.locale]

    @property
    def language(self) -> str:
        return LANGUAGE_OF[self.locale]

    @property
    def latin_first(self) -> str:
        return _latin(self.first, self.language)

    @property
    def latin_last(self) -> str:
        return _latin(self.last, self.language)

    def new_guest_account(self, seed: int) -> str:
        self.customer_ids.append(customer_id(seed, self.index, len(self.customer_ids)))
        return self.customer_ids[-1]


def _latin(name: str, language: str) -> str:
    return transliterate(name, language) if language in ("uk", "ru") else name


def build_person(
    spec: DemoSpec, pools: dict[str, LocalePools], catalogue: Catalogue, index: int
) -> tuple[Person, random.Random]:
    """Person ``index`` of the shop, and the random stream that goes on to drive them."""
    rng = person_rng(spec.seed, index)
    locale = rng.choices([loc for loc, _ in spec.locales], [w for _, w in spec.locales])[0]
    pool = pools[locale]
    gender = "female" if rng.random() < 0.56 else "male"
    archetypes = _archetypes(spec, rng)
    behaviour = behaviour_of(archetypes)
    country = COUNTRY_OF[locale]
    first, last = rng.choice(pool.first[gender]), rng.choice(pool.last[gender])
    person = Person(
        index=index,
        person_id=f"person-{index + 1:06d}",
        locale=locale,
        gender=gender,
        age=int(rng.triangular(18, 72, 33)),
        first=first,
        last=last,
        city=pool.pick_city(rng),
        address=_address(locale, rng.choice(pool.streets), rng),
        calling_code=_CALLING_CODE[country],
        phone=random_phone(_CALLING_CODE[country], rng),
        phone_style=rng.randrange(5),
        emails=[],
        archetypes=archetypes,
        behaviour=behaviour,
        devices=_devices(spec, index, behaviour, rng),
        currency=_CURRENCY[country],
        tenure_days=rng.uniform(*behaviour.tenure_days),
        loyalty=rng.random() < behaviour.loyalty,
        buyer=rng.random() < spec.buyer_share or behaviour.replenish > 0.5,
        brand=rng.choice(catalogue.brands),
        category=_category(gender, catalogue, rng),
    )
    person.emails = _emails(person, pool, spec, rng)
    person.home = home_of(spec.seed, index, spec.dirt.shared_home)
    person.customer_ids.append(customer_id(spec.seed, index, 0))
    return person, rng


def _archetypes(spec: DemoSpec, rng: random.Random) -> tuple[str, ...]:
    primary = rng.choices(ARCHETYPES, _ARCHETYPE_WEIGHTS)[0]
    if rng.random() >= spec.mixed_archetypes:
        return (primary,)
    others = [a for a in ARCHETYPES if a != primary]
    return (primary, rng.choice(others))


def _category(gender: str, catalogue: Catalogue, rng: random.Random) -> str:
    weights = (3, 3, 4, 2, 2) if gender == "female" else (4, 4, 1, 2, 2)
    return rng.choices(catalogue.categories, weights)[0]


def _address(locale: str, street: str, rng: random.Random) -> str:
    house, flat = rng.randrange(1, 180), rng.randrange(1, 240)
    if locale == "uk_UA":
        return f"вул. {street}, {house}, кв. {flat}"
    if locale == "ru_RU":
        return f"ул. {street}, д. {house}, кв. {flat}"
    if locale == "pl_PL":
        return f"ul. {street} {house}/{flat}"
    return f"{house} {street}" + (f", Apt {flat}" if rng.random() < 0.4 else "")


def _emails(person: Person, pool: LocalePools, spec: DemoSpec, rng: random.Random) -> list[str]:
    count = 2 if rng.random() < spec.dirt.second_email else 1
    return [
        f"{_local_part(person, own_number(spec.seed, person.index * 2 + n, spec.customers * 2), rng)}"
        f"@{pool.pick_domain(rng)}"
        for n in range(count)
    ]


def _local_part(person: Person, number: str, rng: random.Random) -> str:
    """A name-based mailbox name ending in the person's own ``number`` (see ``own_number``)."""
    informal = rng.random() < 0.4
    first = _ascii(person.first, person.language, informal)
    last = _ascii(person.last, person.language, informal)
    year = str(2026 - person.age)
    pattern = rng.randrange(6)
    if pattern == 0:
        return f"{first}.{last}{number}"
    if pattern == 1:
        return f"{first[0]}{last}{number}"
    if pattern == 2:
        return f"{first}_{last}{year[2:]}{number}"
    if pattern == 3:
        return f"{last}.{first}{number}"
    if pattern == 4:
        return f"{first}{year}.{number}"
    return f"{first}.{last}{rng.randrange(1, 100)}.{number}"


def _ascii(name: str, language: str, informal: bool) -> str:
    latin = transliterate(name, language, informal) if language in ("uk", "ru") else name
    return fold_ascii(latin)


def _devices(spec: DemoSpec, index: int, b: Behaviour, rng: random.Random) -> list[Device]:
    kinds = ["mobile"] if rng.random() < 0.93 or b.phone > 0.9 else []
    if not kinds or rng.random() < 0.75 * (1 - b.phone) + 0.1:
        kinds.append("desktop")
    if rng.random() < 0.2:
        kinds.append("tablet")
    devices = [_device(spec.seed, ("device", index, n), kind, rng) for n, kind in enumerate(kinds)]
    devices[0].app = devices[0].kind == "mobile" and rng.random() < min(1.0, b.app * 1.6)
    if hash_unit(spec.seed, "family", index // 2) < spec.dirt.shared_device:
        devices.append(_family_device(spec.seed, index // 2))
    return devices


def _device(seed: int, key: tuple[object, ...], kind: str, rng: random.Random) -> Device:
    os = rng.choice(_OS_OF[kind])
    agent = rng.choice(_AGENTS[(kind, os)])
    return Device(kind, os, stable_uuid(seed, *key), agent)


def _family_device(seed: int, household: int) -> Device:
    """The tablet or laptop two people of one household share: both compute the same one."""
    pick = hash_int(seed, "family-kind", household)
    kind = "tablet" if pick % 2 else "desktop"
    os = _OS_OF[kind][pick // 2 % 2]
    agents = _AGENTS[(kind, os)]
    agent = agents[pick // 4 % len(agents)]
    return Device(kind, os, stable_uuid(seed, "family", household), agent, shared=True)
