"""PDQ: Meta's 256-bit perceptual hash for photos.

A full-size raster is hashed by :mod:`childsafe.signals.pdq_kernels`, bit-identical to the
reference ``pdqhash`` (which stays a dependency: the conformance tests and the benchmark compare
against it). A reduced JPEG decode from :mod:`childsafe.media` is hashed by
:mod:`childsafe.signals.pdq_scaled`, which filters it as the full-size picture would be
filtered; that is what keeps a 1/8-scale decode inside Meta's 10-bit conformance rule of the
full-resolution hash and makes hashing a camera photo cheap.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

from childsafe.media import DecodedImage
from childsafe.media.transforms import DIHEDRAL
from childsafe.signals.base import Content, Signal, SignalType, normalize_hex
from childsafe.signals.pdq_kernels import pdq_hash, pdq_hash_dihedral
from childsafe.signals.pdq_scaled import pdq_hash_scaled

#: Below this PDQ quality the hash is dominated by flat regions and matches unreliably.
LOW_QUALITY = 50

#: For each EXIF orientation, whether the upright x and y axes run against the stored
#: picture's (where a reduced decode's block grid starts).
REVERSED_AXES = {
    1: (False, False),
    2: (True, False),
    3: (True, True),
    4: (False, True),
    5: (False, False),
    6: (True, False),
    7: (True, True),
    8: (False, True),
}

#: Names of the eight dihedral variants, in the order ``pdqhash.compute_dihedral`` returns them
#: (the same names and order as the raster transforms in :mod:`childsafe.media.transforms`).
DIHEDRAL_NAMES = DIHEDRAL


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
        vectors, q = _vectors(image, dihedral=False)
        return Signal(self.name, bits_to_hex(vectors[0]), q, q < LOW_QUALITY)

    def hash_dihedral(self, image: DecodedImage) -> dict[str, Signal]:
        """The reference's eight dihedral hashes, derived from one DCT (``compute_dihedral``).

        Kept for parity with tools that exchange these values. Matching does not use it: PDQ's
        box filter is not mirror-symmetric, so on fine textures these land 40-100 bits from
        the hash of the actually rotated picture; :mod:`childsafe.signals.variants` hashes
        rotated rasters instead.
        """
        vectors, q = _vectors(image, dihedral=True)
        return {
            n: Signal(self.name, bits_to_hex(v), q, q < LOW_QUALITY)
            for n, v in zip(DIHEDRAL_NAMES, vectors, strict=True)
        }


def _vectors(image: DecodedImage, *, dihedral: bool) -> tuple[npt.NDArray[np.uint8], int]:
    """Bit vectors (1 or 8 rows, pdqhash's element order) and quality of the full picture."""
    if (image.width, image.height) == image.original_size:
        if dihedral:
            return pdq_hash_dihedral(image.pixels)
        vector, q = pdq_hash(image.pixels)
        return vector[None, :], q
    reversed_axes = REVERSED_AXES.get(image.orientation, (False, False))
    return pdq_hash_scaled(image.pixels, image.original_size, reversed_axes, 8 if dihedral else 1)
