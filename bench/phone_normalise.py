"""µs per distinct phone through ``normalise_phone``: E.164 mobiles and a mixed sample.

    PYTHONPATH=src .venv/bin/python bench/phone_normalise.py [--repeats 7]

Each sample is passed through once per repeat with the lru cache cleared before it
(``timeit.repeat`` with the clear as setup), so every call is a miss, as in an import of
that many distinct phones; the median repeat is shown, and the fastest. The clock is the
process's CPU time, which a loaded machine disturbs less than the wall clock. Compare two
versions in one sitting (the machine is shared): run this with ``PYTHONPATH`` at each
checkout in turn, twice.

- ``e164``: 61,000 distinct ``+38050xxxxxxx``, the bulk of an orders import.
- ``mixed``: 60,000 distinct phones, region UA: 70% Ukrainian mobiles in E.164 over
  twelve operator codes, 8% the same without '+', 10% national forms
  (``067 123 45 67``, ``(067) 123-45-67``, ``0671234567``), 7% foreign E.164 (PL, DE,
  US, GB, KZ, IT landlines), 5% junk (short, letters, empty).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import timeit

from persona360.identity.normalise import normalise_phone

_OPERATORS = ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99")
_FOREIGN = ("+48512{:06d}", "+4915112{:05d}", "+1212555{:04d}", "+447700{:06d}", "+7701{:07d}", "+3906{:08d}")
_JUNK = ("", "n/a", "12", "call me", "067-12", "+380")


def e164_sample(size: int, rng: random.Random) -> list[str]:
    return [f"+38050{subscriber:07d}" for subscriber in rng.sample(range(10**7), size)]


def mixed_phone(rng: random.Random) -> str:
    operator, subscriber = rng.choice(_OPERATORS), rng.randrange(10**7)
    digits = f"{subscriber:07d}"
    kind = rng.random()
    if kind < 0.70:
        return f"+380{operator}{digits}"
    if kind < 0.78:
        return f"380{operator}{digits}"
    if kind < 0.88:
        forms = (
            f"0{operator} {digits[:3]} {digits[3:5]} {digits[5:]}",
            f"(0{operator}) {digits[:3]}-{digits[3:5]}-{digits[5:]}",
            f"0{operator}{digits}",
        )
        return rng.choice(forms)
    if kind < 0.95:
        pattern = rng.choice(_FOREIGN)
        return pattern.format(rng.randrange(10 ** pattern.count("0")))
    return rng.choice(_JUNK) + str(rng.randrange(10)) * rng.randrange(2)


def mixed_sample(size: int, rng: random.Random) -> list[str]:
    phones: dict[str, None] = {}
    while len(phones) < size:
        phones[mixed_phone(rng)] = None
    return list(phones)


def measure(phones: list[str], repeats: int) -> tuple[float, float]:
    def run() -> None:
        for phone in phones:
            normalise_phone(phone, "UA")

    times = timeit.repeat(run, setup=normalise_phone.cache_clear, timer=time.process_time, number=1, repeat=repeats)
    per_call = [seconds / len(phones) * 1e6 for seconds in times]
    return statistics.median(per_call), min(per_call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(2026)
    samples = {"e164": e164_sample(61_000, rng), "mixed": mixed_sample(60_000, rng)}
    for name, phones in samples.items():
        median, fastest = measure(phones, args.repeats)
        valid = sum(normalise_phone(phone, "UA") is not None for phone in phones)
        print(f"{name:6s} {len(phones):,} phones ({valid:,} valid): {median:.2f} µs/call median, {fastest:.2f} fastest")


if __name__ == "__main__":
    main()
