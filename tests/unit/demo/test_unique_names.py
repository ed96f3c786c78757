"""Mailboxes and handles belong to one person each, however many namesakes the shop has.

People are simulated apart, with no registry of taken names; a name-only address
(oksana1993@gmail.com) was shared by namesakes, and stitching could not but join them.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from demo_shop_data import SPEC

from persona360.demo.exports import social_handle
from persona360.demo.generator import Shop
from persona360.demo.identifiers import own_number

PEOPLE = 20_000  # enough namesakes: name-only addresses collided here by the hundred


@pytest.fixture(scope="module")
def shop() -> Shop:
    return Shop(replace(SPEC, customers=PEOPLE))


def _owners(names: dict[int, set[str]]) -> dict[str, set[int]]:
    owners: dict[str, set[int]] = {}
    for index, own in names.items():
        for name in own:
            owners.setdefault(name.lower(), set()).add(index)
    return owners


def test_no_two_people_share_an_email(shop: Shop) -> None:
    emails = {i: set(shop.person(i)[0].emails) for i in range(PEOPLE)}
    shared = {e: who for e, who in _owners(emails).items() if len(who) > 1}
    assert not shared, f"{len(shared)} emails belong to several people, e.g. {next(iter(shared.items()))}"
    assert sum(len(e) for e in emails.values()) > PEOPLE  # some have a second address


def test_no_two_people_share_a_handle(shop: Shop) -> None:
    handles = {}
    for i in range(PEOPLE):
        person, _ = shop.person(i)
        rng = random.Random(i)
        number = own_number(SPEC.seed, i, PEOPLE)
        handles[i] = {social_handle(person, number, rng) for _ in range(6)}
    shared = {h: who for h, who in _owners(handles).items() if len(who) > 1}
    assert not shared, f"{len(shared)} handles belong to several people, e.g. {next(iter(shared.items()))}"


@pytest.mark.parametrize("count", [1, 100, 101, 10_000, 2_000_000])
def test_own_numbers_are_distinct_and_of_one_width(count: int) -> None:
    sample = range(count) if count <= 10_000 else range(0, count, 997)
    numbers = [own_number(7, n, count) for n in sample]
    assert len(set(numbers)) == len(numbers)
    assert len({len(n) for n in numbers}) == 1
