"""Random signal values: nothing here is the hash of any real picture."""

from __future__ import annotations

import random


def random_hex(rng: random.Random, n_hex: int) -> str:
    return f"{rng.getrandbits(4 * n_hex):0{n_hex}x}"


def random_pdq(rng: random.Random) -> str:
    return random_hex(rng, 64)


def random_md5(rng: random.Random) -> str:
    return random_hex(rng, 32)


def random_sha256(rng: random.Random) -> str:
    return random_hex(rng, 64)


def flip_bits(value: str, n: int, rng: random.Random) -> str:
    """A value exactly ``n`` bits away (a near duplicate for threshold tests)."""
    bits = len(value) * 4
    mask = 0
    for b in rng.sample(range(bits), n):
        mask |= 1 << b
    return f"{int(value, 16) ^ mask:0{len(value)}x}"
