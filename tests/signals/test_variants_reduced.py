"""Views of a reduced (DCT-scaled) JPEG decode hash as the same views of the full picture.

Production hashes uploads from ``decode_image(for_pdq=True)``, which decodes a 12 MP JPEG at
1/8 and a 3 MP one at 1/4. If a trimmed, cropped or rotated view of such a raster were hashed as
a small picture of its own it would drift by up to 40 bits from the full-resolution view, and
a banked 12 MP photo would stop meeting its 3 MP edited copies. Measured when this was written
(astronaut, grace_hopper and coffee at 12 MP, JPEG q90, EXIF orientations 1, 3, 6 and 8; trims,
crops and all rotations/flips, query and bank side; 133 views): at most 6 bits, mean 1.5.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from PIL import Image

from childsafe.media import DecodedImage, decode_image
from childsafe.media import transforms as tf
from childsafe.signals.pdq import PdqSignal
from childsafe.signals.pdq_kernels import pdq_hash
from childsafe.signals.variants import (
    DEFAULT_BANK_VARIANTS,
    VARIANTS,
    _placement,
    bank_variants,
    query_signals,
)
from tests.factories.images import STORE_OPS, encode, real_photo, upscale_to_megapixels

THRESHOLD = PdqSignal.default_threshold
#: Allowed distance between a view of the reduced decode and the same view at full size.
MAX_DRIFT = 8
DIHEDRAL_VIEWS = tuple(n for n in VARIANTS if n.startswith("dihedral:"))


@cache
def photo_12mp(name: str) -> Image.Image:
    return upscale_to_megapixels(real_photo(name), 12)


def jpeg(upright: Image.Image | np.ndarray, orientation: int = 1) -> bytes:
    im = upright if isinstance(upright, Image.Image) else Image.fromarray(upright)
    op = STORE_OPS[orientation]
    stored = im if op is None else im.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=90, exif=exif.tobytes())


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def drifts(data: bytes, names: tuple[str, ...]) -> dict[str, int]:
    reduced = decode_image(data, for_pdq=True)
    full = decode_image(data, for_pdq=False)
    assert reduced.pixels.shape[0] * 2 < full.pixels.shape[0]  # a 1/4 or 1/8 decode
    r = bank_variants(reduced, names)
    f = bank_variants(full, names)
    assert set(r) == set(f) == set(names)
    return {n: distance(r[n].value, f[n].value) for n in names}


@pytest.mark.parametrize(
    ("name", "orientation"), [("astronaut", 1), ("grace_hopper", 6), ("coffee", 3)]
)
def test_crop_and_dihedral_views_of_a_reduced_decode(name: str, orientation: int) -> None:
    d = drifts(jpeg(photo_12mp(name), orientation), ("crop90", "crop95:left", *DIHEDRAL_VIEWS))
    assert max(d.values()) <= MAX_DRIFT, d


def test_trim_of_a_reduced_decode_of_a_bordered_rotated_photo() -> None:
    # The full-size reference is the known content box: finding it on a 12 MP raster costs
    # 10 s, and the picture inside the frame is what the trim is meant to recover anyway.
    picture = np.asarray(photo_12mp("grace_hopper"))
    bordered = tf.add_frame(picture, 0.05)
    b = (bordered.shape[0] - picture.shape[0]) // 2
    data = jpeg(bordered, 8)
    full = decode_image(data, for_pdq=False).pixels[b:-b, b:-b]
    expected = bytes(np.packbits(pdq_hash(np.ascontiguousarray(full))[0])).hex()
    got = bank_variants(decode_image(data, for_pdq=True), ("trim",))["trim"].value
    assert distance(got, expected) <= MAX_DRIFT


def test_banked_12mp_photo_meets_3mp_copies() -> None:
    big = photo_12mp("astronaut")
    banked = decode_image(jpeg(big), for_pdq=True)
    bank = bank_variants(banked, ("", *DEFAULT_BANK_VARIANTS))
    small = np.asarray(upscale_to_megapixels(big, 3))

    mirrored = decode_image(jpeg(tf.add_frame(tf.flip_horizontal(small), 0.05)), for_pdq=True)
    assert mirrored.original_size[0] * mirrored.original_size[1] > 2.5e6
    query = query_signals(mirrored, trim_borders=True, dihedral=True)
    assert distance(query["trim+dihedral:flip_y"].value, bank[""].value) <= THRESHOLD
    assert distance(query[""].value, bank[""].value) > THRESHOLD  # the views did the work

    cropped = decode_image(jpeg(tf.center_crop(small, 0.9)), for_pdq=True)
    plain = PdqSignal().hash_image(cropped).value
    assert distance(plain, bank["crop90"].value) <= THRESHOLD
    assert distance(plain, bank[""].value) > THRESHOLD


@pytest.mark.parametrize("orientation", [1, 6])
def test_views_of_a_full_size_raster_take_the_exact_path(orientation: int) -> None:
    px = np.asarray(real_photo("coffee"))
    image = DecodedImage(px, "raw", (px.shape[1], px.shape[0]), orientation=orientation)
    got = bank_variants(image, ("crop90:top-right", "dihedral:rotate90"))
    for name, signal in got.items():
        view = np.ascontiguousarray(VARIANTS[name].derive(px))
        assert signal.value == bytes(np.packbits(pdq_hash(view)[0])).hex()


def test_placement_recovers_every_view() -> None:
    h, w = 61, 90
    rows, cols = np.mgrid[0:h, 0:w]
    coords = np.dstack([rows, cols, np.zeros_like(rows)]).astype(np.uint8)
    for name, spec in VARIANTS.items():
        for pixels in (coords, coords[3:50, 7:80]):
            src = np.ascontiguousarray(pixels)
            view = spec.derive(src)
            if view is None:
                continue
            placement = _placement(src, view)
            assert placement is not None, name
            (a0, r0, s0), (a1, c0, s1) = placement
            first = src[0, 0, :2].astype(int)
            for i, j in ((0, 0), (view.shape[0] - 1, view.shape[1] - 1), (2, 1)):
                at = [0, 0]
                at[a0] += r0 + s0 * i
                at[a1] += c0 + s1 * j
                assert (view[i, j, :2] - first).tolist() == at, (name, i, j)
    assert _placement(coords, coords.copy()[::-1]) is None
