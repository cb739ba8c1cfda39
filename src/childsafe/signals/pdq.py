"""PDQ: Meta's 256-bit perceptual hash for photos, computed by the reference ``pdqhash``.

The decode in :mod:`childsafe.media` hands PDQ an upright RGB raster at a resolution chosen
so that the hash stays within Meta's 10-bit conformance rule of the full-resolution hash, which
is what makes hashing fast without eroding the match margin.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pdqhash

from childsafe.media import DecodedImage
from childsafe.signals.base import Content, Signal, SignalType, normalize_hex

#: Below this PDQ quality the hash is dominated by flat regions and matches unreliably.
LOW_QUALITY = 50

#: Names of the eight dihedral variants, in the order ``pdqhash.compute_dihedral`` returns them.
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


def bits_to_hex(bits: npt.NDArray[np.uint8] | npt.NDArray[np.bool_]) -> str:
    """Hex with the vector's first element as the most significant bit.

    This is the form python-threatexchange and HMA write, so hashes exchanged with them compare
    bit for bit.
    """
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return bytes(packed).hex()


class PdqSignal(SignalType):
    name: ClassVar[str] = "pdq"
    kind = "hamming"
    bits = 256
    default_threshold = 31
    needs_pixels = True

    def normalize(self, value: str) -> str:
        return normalize_hex(value, 64, self.name)

    def compute(self, content: Content) -> Signal:
        return self.hash_image(content.image())

    def hash_image(self, image: DecodedImage) -> Signal:
        vector, quality = pdqhash.compute(image.pixels)
        return Signal(self.name, bits_to_hex(vector), int(quality), int(quality) < LOW_QUALITY)

    def hash_dihedral(self, image: DecodedImage) -> dict[str, Signal]:
        """All eight rotations/flips at the cost of one hash (PDQ shares the DCT)."""
        vectors, quality = pdqhash.compute_dihedral(image.pixels)
        q = int(quality)
        return {
            n: Signal(self.name, bits_to_hex(v), q, q < LOW_QUALITY)
            for n, v in zip(DIHEDRAL_NAMES, vectors, strict=True)
        }
