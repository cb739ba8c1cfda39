"""childsafe's PDQ hex must be bit-for-bit what python-threatexchange / HMA write."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest

from childsafe.signals.pdq import bits_to_hex


@pytest.mark.parametrize("seed", range(5))
def test_hex_uses_threatexchange_bit_order(seed: int) -> None:
    bits = np.random.default_rng(seed).integers(0, 2, 256).astype(np.uint8)
    # threatexchange: first vector element is the most significant bit of the hex number.
    expected = format(int("".join(str(b) for b in bits), 2), "064x")
    assert bits_to_hex(bits) == expected


def test_hex_matches_pdqhash_of_an_image() -> None:
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    vector, _ = pdqhash.compute(img)
    assert int(bits_to_hex(vector), 16) == int("".join(str(int(b)) for b in vector), 2)
