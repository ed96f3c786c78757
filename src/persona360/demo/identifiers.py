"""Stable ids for everything the demo writes, derived from the seed.

Ids never come from a counter shared between people, so a person's records do not depend
on who was simulated first.
"""

from __future__ import annotations

import hashlib
import random

# Odd and not a multiple of five, so multiplying by it permutes any power of ten or sixteen.
_SPREAD = 0x5DEECE66D_3B


def person_rng(seed: int, index: int) -> random.Random:
    """The random stream of one person: independent of every other person's."""
    return random.Random(hash_int(seed, "person", index))


def hash_int(seed: int, *parts: object) -> int:
    text = ":".join(map(str, (seed, *parts))).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def hash_unit(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) that two people can both compute (a shared household)."""
    return hash_int(seed, *parts) / 2**64


def stable_uuid(seed: int, *parts: object) -> str:
    """A UUID-shaped id; 128 hashed bits make collisions practically impossible."""
    text = ":".join(map(str, (seed, *parts))).encode()
    h = hashlib.blake2b(text, digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def scrambled(seed: int, number: int, space: int) -> int:
    """A bijection of ``range(space)``: unique ids that do not reveal creation order."""
    return (number * _SPREAD + hash_int(seed, "offset", space)) % space


def own_number(seed: int, number: int, count: int) -> str:
    """Digits that make a mailbox or handle name belong to one person: ``number`` in ``range(count)``.

    Mail providers and social networks keep names unique: the second Oksana born in 1993
    cannot have oksana1993@gmail.com and adds a number. People here are simulated apart
    (in shards, with no registry of taken names), so names built from first name, last
    name and year alone were shared by namesakes: at a million people 71,000 order
    emails and ~14,000 handles a platform belonged to several people (up to 283), and
    stitching joined them, an error no CDP could avoid. A number unique to the person,
    zero-padded to one width so that no two names can run together, keeps them apart.
    """
    width = len(str(max(count - 1, 99)))
    return f"{scrambled(seed, number, 10**width):0{width}d}"


def customer_id(seed: int, index: int, account: int) -> str:
    """The shop's id of a person's ``account``-th account (0: their own, 1+: guest checkouts)."""
    return f"cust-{scrambled(seed, index * 8 + account, 10**8):08d}"


def order_id(seed: int, index: int, number: int) -> str:
    return f"SO{scrambled(seed, index * 512 + number, 10**11):011d}"


def record_id(seed: int, prefix: str, index: int, number: int) -> str:
    """Ids of contacts, tickets, social rows and survey responses."""
    return f"{prefix}{scrambled(seed, index * 16 + number, 16**10):010x}"
