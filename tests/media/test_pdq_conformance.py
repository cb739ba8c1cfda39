"""The reduced ``for_pdq`` decode must stay inside Meta's PDQ conformance rule.

Rule: for images of PDQ quality >= 80, the hash must be within 10 bits of ``pdqhash.compute``
on the full-resolution upright RGB image. The JPEG DCT-scaled decode keeps the short side at
least ``PDQ_MIN_SIDE`` pixels and ``PdqSignal`` filters it as the full-size picture would be
filtered; the benchmark measured at most 6 bits of drift there.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from childsafe.media import PDQ_MIN_SIDE, decode
from childsafe.media import decode_image as decode_fn
from childsafe.signals.pdq import PdqSignal
from tests.factories.images import encode, noise, real_photo, shapes, upscale_to
from tests.media.conftest import distance, reference_pdq

RULE = 10


def check_conformance(data: bytes) -> tuple[int, tuple[int, int]]:
    ref, quality = reference_pdq(data)
    d = decode_fn(data, for_pdq=True)
    got = np.unpackbits(np.frombuffer(bytes.fromhex(PdqSignal().hash_image(d).value), np.uint8))
    if quality >= 80:
        assert distance(got, ref) <= RULE
    return distance(got, ref), (d.width, d.height)


def test_every_bundled_photo_at_native_size(photo_names: list[str]) -> None:
    for name in photo_names:
        data = encode(real_photo(name), "JPEG", quality=90)
        check_conformance(data)


def test_generated_images_conform(generated: dict[str, object]) -> None:
    for im in generated.values():
        check_conformance(encode(im, "JPEG", quality=90))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["coffee", "grace_hopper"])
def test_half_scale_decode_of_upscaled_photo(name: str) -> None:
    data = encode(upscale_to(real_photo(name), 2 * PDQ_MIN_SIDE), "JPEG", quality=90)
    drift, size = check_conformance(data)
    assert min(size) == PDQ_MIN_SIDE  # 1/2 scale was used
    assert drift <= 4


@pytest.mark.slow
def test_quarter_scale_decode_of_generated_image() -> None:
    base = shapes(600, 600, seed=3)
    base.paste(noise(300, 300, seed=4, smooth=4), (150, 150))
    data = encode(upscale_to(base, 4 * PDQ_MIN_SIDE), "JPEG", quality=85)
    drift, size = check_conformance(data)
    assert min(size) == PDQ_MIN_SIDE  # 1/4 scale was used
    assert drift <= 4


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_each_dct_scale_is_chosen_by_short_side(
    monkeypatch: pytest.MonkeyPatch, scale: int
) -> None:
    # Mechanism only: a smaller threshold lets small images exercise 1/4 and 1/8.
    monkeypatch.setattr(decode, "PDQ_MIN_SIDE", 100)
    im = upscale_to(shapes(160, 120), 100 * scale)
    d = decode_fn(encode(im, "JPEG", quality=90), for_pdq=True)
    assert min(d.width, d.height) == 100
    assert d.original_size == im.size
    full = decode_fn(encode(im, "JPEG", quality=90))
    assert full.pixels.shape == (im.height, im.width, 3)


def test_small_jpeg_is_not_scaled() -> None:
    im = shapes(2 * PDQ_MIN_SIDE - 1, PDQ_MIN_SIDE * 2 + 10)
    d = decode_fn(encode(im, "JPEG", quality=90), for_pdq=True)
    assert (d.width, d.height) == im.size
    assert np.array_equal(d.pixels.shape, (im.height, im.width, 3))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_eighth_scale_decode_with_exif_orientation_and_partial_blocks(orientation: int) -> None:
    # Sides that are not multiples of 8 put a partial DCT block at the stored right/bottom
    # edge; after the EXIF turn it sits on a different upright edge.
    im = upscale_to(real_photo("astronaut"), 8 * PDQ_MIN_SIDE + 13).crop((0, 0, 8 * 400 + 5, 2893))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(im, "JPEG", quality=90, exif=exif.tobytes())
    drift, size = check_conformance(data)
    assert min(size) * 8 >= min(im.size)  # 1/8 scale was used
    assert drift <= 6
