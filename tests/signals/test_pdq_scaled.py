"""Hashing a reduced decode as the full-size picture: weights, orientation table, drift."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from childsafe.media import DecodedImage
from childsafe.media.convert import apply_orientation
from childsafe.signals import pdq_kernels
from childsafe.signals.pdq import REVERSED_AXES, PdqSignal
from childsafe.signals.pdq_kernels import luma, pdq_hash
from childsafe.signals.pdq_scaled import full_weights, pdq_hash_scaled, reduced_weights
from tests.factories.images import encode, real_photo, shapes, upscale_to


@pytest.mark.parametrize("n", [9, 64, 100, 129, 1000, 1733])
def test_weights_at_full_size_are_the_reference_filter(n: int) -> None:
    w = full_weights(n)
    assert np.allclose(w.sum(axis=1), 1.0)
    rgb = np.asarray(shapes(n, 97, seed=n))
    y = luma(rgb).astype(np.float64)
    expected = np.empty((64, 64), dtype=np.float32)
    pdq_kernels._jarosz_decimate(np.ascontiguousarray(rgb), expected)
    got = full_weights(97) @ y @ w.T
    assert np.allclose(got, expected, atol=1e-3)


def test_reduced_weights_integrate_the_full_ones() -> None:
    m = reduced_weights(1001, 126, False)  # 1/8 with a 1-pixel partial block at the end
    assert m.shape == (64, 126)
    assert np.allclose(m.sum(axis=1), 1.0, atol=1e-5)
    f = full_weights(1001)
    assert np.allclose(m[:, 0], f[:, :8].sum(axis=1), atol=1e-6)
    assert np.allclose(m[:, -1], f[:, 1000], atol=1e-6)
    flipped = reduced_weights(1001, 126, True)
    assert np.allclose(flipped[:, 0], f[:, 0], atol=1e-6)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_reversed_axes_table_matches_the_orientation_transform(orientation: int) -> None:
    h, w = 3, 5
    index = np.arange(h * w, dtype=np.int32).reshape(h, w)
    upright = np.asarray(apply_orientation(Image.fromarray(index, "I"), orientation))
    sy, sx = np.divmod(upright, w)  # stored row and column of every upright pixel
    along_x = sx[0, :] if not (sx[0, 1:] == sx[0, 0]).all() else sy[0, :]
    along_y = sy[:, 0] if not (sy[1:, 0] == sy[0, 0]).all() else sx[:, 0]
    assert REVERSED_AXES[orientation] == (
        bool(along_x[1] < along_x[0]),
        bool(along_y[1] < along_y[0]),
    )


def test_full_size_image_takes_the_exact_path() -> None:
    rgb = np.asarray(real_photo("coffee"))
    image = DecodedImage(rgb, "raw", (rgb.shape[1], rgb.shape[0]))
    ref, _ = pdq_hash(rgb)
    assert PdqSignal().hash_image(image).value == bytes(np.packbits(ref)).hex()


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper", "rocket"])
def test_eighth_scale_decode_is_within_the_rule(name: str) -> None:
    im = upscale_to(real_photo(name), 3000)
    data = encode(im, "JPEG", quality=90)
    ref, quality = pdq_hash(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    j = Image.open(io.BytesIO(data))
    j.draft("RGB", (j.width // 8, j.height // 8))
    red = np.asarray(j.convert("RGB"))
    assert min(red.shape[:2]) == 375
    bits, q = pdq_hash_scaled(red, im.size)
    assert quality >= 80
    assert int(np.count_nonzero(bits[0] != ref)) <= 6
    assert abs(q - quality) <= 2
    many, _ = pdq_hash_scaled(red, im.size, n_variants=8)
    assert np.array_equal(many[0], bits[0])


def test_tiny_original_is_the_no_hash() -> None:
    bits, q = pdq_hash_scaled(np.zeros((1, 1, 3), np.uint8), (4, 40))
    assert not bits.any()
    assert q == 0
