"""Our PDQ kernels against the reference ``pdqhash`` binding: bit for bit, quality for quality.

Measured when written: every case here is bit-identical (0 differing bits, equal quality), and
the 16x16 float DCT output equals ``pdqhash.compute_float`` exactly on every bundled photo, so
the tests demand exact equality rather than a tolerance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pdqhash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childsafe.signals import pdq_kernels
from childsafe.signals.pdq_kernels import pdq_hash, pdq_hash_dihedral
from tests.factories.images import gradient, noise, real_photo, real_photo_paths, shapes

Pixels = npt.NDArray[np.uint8]


def assert_same_as_reference(rgb: Pixels) -> None:
    rgb = np.ascontiguousarray(rgb)
    ref, ref_q = pdqhash.compute(rgb)
    got, q = pdq_hash(rgb)
    assert np.array_equal(np.asarray(ref, dtype=np.uint8), got)
    assert q == int(ref_q)
    refs, ref_dq = pdqhash.compute_dihedral(rgb)
    gots, dq = pdq_hash_dihedral(rgb)
    assert np.array_equal(np.asarray(refs, dtype=np.uint8), gots)
    assert dq == int(ref_dq)


def test_every_bundled_photo_is_bit_identical() -> None:
    paths = real_photo_paths()
    assert len(paths) >= 10
    for p in paths:
        assert_same_as_reference(np.asarray(real_photo(p.stem)))


def test_float_dct_output_is_identical() -> None:
    rgb = np.ascontiguousarray(np.asarray(real_photo("astronaut")))
    ref, _ = pdqhash.compute_float(rgb)
    a = np.empty((64, 64), dtype=np.float32)
    pdq_kernels._jarosz_decimate(rgb, a)
    b = np.empty((16, 16), dtype=np.float32)
    pdq_kernels.dct64_to_16(a, pdq_kernels.DCT_MATRIX, b)
    assert np.array_equal(np.asarray(ref, dtype=np.float32), b.reshape(256)[::-1])


@pytest.mark.parametrize(
    ("h", "w"),
    [(5, 5), (7, 1000), (1000, 7), (64, 64), (63, 65), (128, 129), (257, 131), (640, 480)],
)
def test_odd_sizes_of_noise_and_shapes(h: int, w: int) -> None:
    rng = np.random.default_rng(h * 1000 + w)
    assert_same_as_reference(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    pattern = shapes(w, h, seed=h + w) if min(h, w) >= 16 else gradient(w, h)
    assert_same_as_reference(np.asarray(pattern))


@pytest.mark.parametrize(("h", "w"), [(1, 1), (4, 4), (4, 100), (100, 4), (1, 1000)])
def test_below_five_pixels_is_the_reference_no_hash(h: int, w: int) -> None:
    rgb = np.full((h, w, 3), 200, dtype=np.uint8)
    assert_same_as_reference(rgb)
    bits, q = pdq_hash(rgb)
    assert not bits.any()
    assert q == 0


def test_flat_images_have_quality_zero() -> None:
    for value in (0, 37, 255):
        rgb = np.full((300, 200, 3), value, dtype=np.uint8)
        assert_same_as_reference(rgb)
        assert pdq_hash(rgb)[1] == 0


def test_greyscale_and_near_grey() -> None:
    grey = np.asarray(real_photo("camera"))
    assert_same_as_reference(grey)
    tinted = np.clip(grey.astype(np.int16) + np.array([3, 0, -2]), 0, 255).astype(np.uint8)
    assert_same_as_reference(tinted)
    assert_same_as_reference(np.asarray(gradient(333, 77)))


def test_smooth_noise_and_strided_input() -> None:
    rgb = np.asarray(noise(500, 300, seed=5, smooth=3))
    assert_same_as_reference(rgb)
    got, _ = pdq_hash(rgb[::2, ::-1])  # non-contiguous input is copied, not misread
    ref, _ = pdqhash.compute(np.ascontiguousarray(rgb[::2, ::-1]))
    assert np.array_equal(got, np.asarray(ref, dtype=np.uint8))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=st.integers(1, 160),
    w=st.integers(1, 160),
    seed=st.integers(0, 2**32 - 1),
    levels=st.sampled_from([2, 16, 256]),
)
def test_random_small_images(h: int, w: int, seed: int, levels: int) -> None:
    rng = np.random.default_rng(seed)
    rgb = (rng.integers(0, levels, (h, w, 3)) * (255 // max(1, levels - 1))).astype(np.uint8)
    assert_same_as_reference(rgb)


def test_jit_without_a_writable_cache_still_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    real_njit = pdq_kernels.njit

    def refusing_njit(**kw: object) -> object:
        if kw.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real_njit(**kw)

    monkeypatch.setattr(pdq_kernels, "njit", refusing_njit)

    def add(a: int, b: int) -> int:
        return a + b

    assert pdq_kernels.jit(add)(2, 3) == 5
