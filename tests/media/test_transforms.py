"""Border trimming, crops and dihedral transforms on generated rasters."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from childsafe.media import transforms as tf


def generated(seed: int, h: int = 180, w: int = 240) -> np.ndarray:
    """Gradient plus coarse noise: no row or column of it is near-uniform."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 200 // w, yy * 200 // h, (xx + yy) * 100 // (h + w)], axis=2)
    noise = rng.integers(0, 56, (h // 4 + 1, w // 4 + 1, 3)).repeat(4, 0).repeat(4, 1)[:h, :w]
    return (base + noise).astype(np.uint8)


def jpeg(px: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(px)).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


COLOURS = [(0, 0, 0), (255, 255, 255), (30, 80, 200), (128, 128, 128), (250, 240, 10)]
WIDTHS = [(2, 2, 2, 2), (9, 9, 0, 0), (0, 0, 31, 31), (20, 5, 13, 40), (0, 17, 0, 3)]


@pytest.mark.parametrize("colour", COLOURS)
@pytest.mark.parametrize("widths", WIDTHS)
def test_trim_recovers_exact_box(colour: tuple[int, int, int], widths: tuple[int, ...]) -> None:
    px = generated(1)
    t, b, le, r = widths
    bordered = tf.add_border(px, top=t, bottom=b, left=le, right=r, colour=colour)
    assert tf.find_content_box(bordered) == (t, t + 180, le, le + 240)
    assert np.array_equal(tf.trim_borders(bordered), px)


@pytest.mark.parametrize("quality", [70, 90])
@pytest.mark.parametrize("colour", COLOURS)
def test_trim_with_jpeg_noise_within_two_pixels(colour: tuple[int, int, int], quality: int) -> None:
    px = generated(2)
    bordered = jpeg(tf.add_border(px, top=21, bottom=14, left=37, right=6, colour=colour), quality)
    box = tf.find_content_box(bordered)
    expected = (21, 21 + 180, 37, 37 + 240)
    assert max(abs(a - e) for a, e in zip(box, expected, strict=True)) <= 2, box


@pytest.mark.parametrize("aspect", [16 / 9, 9 / 16, 1.0])
def test_letterbox_and_pillarbox_come_off(aspect: float) -> None:
    px = generated(3)
    boxed = tf.fit_to_aspect(px, aspect, (0, 0, 0))
    assert abs(boxed.shape[1] / boxed.shape[0] - aspect) < 0.02
    assert np.array_equal(tf.trim_borders(boxed), px)


def test_different_colour_per_side() -> None:
    px = generated(4)
    boxed = tf.add_border(px, top=10, bottom=10, colour=(0, 0, 0))
    boxed = tf.add_border(boxed, left=25, right=25, colour=(255, 255, 255))
    assert np.array_equal(tf.trim_borders(boxed), px)


def test_nested_borders() -> None:
    px = generated(10)
    matted = tf.add_frame(px, 0.05, (255, 255, 255))
    boxed = tf.add_frame(matted, 0.05, (0, 0, 0))
    assert np.array_equal(tf.trim_borders(boxed), matted)  # one run per side
    assert np.array_equal(tf.trim_borders(boxed, nested=True), px)
    assert np.array_equal(tf.trim_borders(matted, nested=True), px)  # same fixed point


def test_borderless_image_is_not_trimmed() -> None:
    for seed in range(5):
        px = generated(seed)
        assert tf.find_content_box(px) == (0, 180, 0, 240)
        assert np.array_equal(tf.trim_borders(jpeg(px, 70)), jpeg(px, 70))


@pytest.mark.parametrize("value", [0, 255, 77])
def test_uniform_image_is_kept_whole(value: int) -> None:
    flat = np.full((50, 80, 3), value, dtype=np.uint8)
    assert tf.find_content_box(flat) == (0, 50, 0, 80)
    noisy = jpeg(flat + np.random.default_rng(0).integers(0, 3, flat.shape, dtype=np.uint8), 70)
    assert tf.trim_borders(noisy).shape == noisy.shape


def test_tiny_content_in_a_flat_image_is_not_trimmed_to_a_sliver() -> None:
    flat = np.zeros((200, 200, 3), dtype=np.uint8)
    flat[95:105, 95:105] = 255  # 5% of each side: below min_keep, so no trim
    assert tf.find_content_box(flat) == (0, 200, 0, 200)
    assert tf.find_content_box(flat, min_keep=0.01) == (95, 105, 95, 105)


def test_thin_edges_are_ignored() -> None:
    px = tf.add_border(generated(5), top=1, left=1, colour=(0, 0, 0))
    assert tf.find_content_box(px) == (0, 181, 0, 241)


def test_tiny_images() -> None:
    for shape in [(1, 1, 3), (2, 5, 3), (5, 2, 3)]:
        px = np.zeros(shape, dtype=np.uint8)
        assert tf.find_content_box(px) == (0, shape[0], 0, shape[1])
    with pytest.raises(ValueError):
        tf.find_content_box(np.zeros((10, 10), dtype=np.uint8))


@pytest.mark.parametrize("name", tf.DIHEDRAL)
def test_trim_commutes_with_dihedral(name: str) -> None:
    px = tf.add_border(generated(6), top=12, bottom=3, left=20, colour=(255, 255, 255))
    px = tf.add_border(px, left=7, right=30, colour=(0, 0, 0))
    assert np.array_equal(
        tf.trim_borders(tf.dihedral(px, name)), tf.dihedral(tf.trim_borders(px), name)
    )


def test_dihedral_definitions() -> None:
    px = generated(7, 30, 40)
    assert np.array_equal(tf.dihedral(px, "rotate90"), np.rot90(px))  # counter-clockwise
    assert np.array_equal(tf.dihedral(px, "rotate270"), np.rot90(px, -1))
    assert np.array_equal(tf.dihedral(px, "flip_y"), px[:, ::-1])
    assert np.array_equal(tf.dihedral(px, "flip_x"), px[::-1])
    assert np.array_equal(tf.dihedral(px, "flip_plus1"), px.transpose(1, 0, 2))
    assert len({tf.dihedral(px, n).tobytes() for n in tf.DIHEDRAL}) == 8
    inverse = {"rotate90": "rotate270", "rotate270": "rotate90"}
    for n in tf.DIHEDRAL:
        back = tf.dihedral(tf.dihedral(px, n), inverse.get(n, n))
        assert np.array_equal(back, px), n
    with pytest.raises(ValueError):
        tf.dihedral(px, "rotate45")


def test_crops() -> None:
    px = generated(8, 100, 200)
    assert tf.center_crop(px, 0.9).shape == (90, 180, 3)
    assert np.array_equal(tf.center_crop(px, 0.9), px[5:95, 10:190])
    assert np.array_equal(tf.crop_sides(px, right=0.1), px[:, :180])
    assert np.array_equal(tf.crop_sides(px, top=0.1, left=0.05), px[10:, 10:])
    assert tf.center_crop(px, 1.0).shape == px.shape
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError):
            tf.center_crop(px, bad)
    with pytest.raises(ValueError):
        tf.crop_sides(px, left=0.5, right=0.5)


def test_frames() -> None:
    px = generated(9, 100, 200)
    assert tf.add_frame(px, 0.05).shape == (120, 220, 3)
    assert tf.fit_to_aspect(px, 1.0).shape == (200, 200, 3)
    assert tf.fit_to_aspect(px, 4.0).shape == (100, 400, 3)
    with pytest.raises(ValueError):
        tf.add_border(px, top=-1)
