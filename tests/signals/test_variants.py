"""Banked and query-side PDQ variants: edited copies match, distinct photos never do."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from childsafe.media import DecodedImage
from childsafe.media import transforms as tf
from childsafe.signals import Signal
from childsafe.signals.pdq import PdqSignal
from childsafe.signals.variants import (
    DEFAULT_BANK_VARIANTS,
    VARIANTS,
    bank_variants,
    query_signals,
)

THRESHOLD = PdqSignal.default_threshold
PDQ = PdqSignal()
# The photos and pictures bundled with scikit-image and matplotlib (see SAFETY.md).
SKIMAGE = (
    "astronaut", "brick", "camera", "cell", "chelsea", "clock_motion", "coffee", "coins",
    "color", "grass", "gravel", "horse", "hubble_deep_field", "ihc", "logo", "microaneurysms",
    "moon", "motorcycle_left", "motorcycle_right", "page", "retina", "rocket", "text",
)  # fmt: skip
MATPLOTLIB = ("grace_hopper.jpg", "Minduka_Present_Blue_Pack.png", "logo2.png")
#: Longest side the corpus is reduced to, as the PDQ decode does, to keep the test fast.
SIDE = 256


@cache
def corpus() -> dict[str, np.ndarray]:
    import matplotlib
    import skimage

    sk = Path(skimage.__file__).parent / "data"
    paths = [p for n in SKIMAGE for p in sk.glob(f"{n}.*") if p.suffix in {".png", ".jpg"}]
    paths += [Path(matplotlib.get_data_path()) / "sample_data" / n for n in MATPLOTLIB]
    out = {}
    for p in paths:
        with Image.open(p) as im:
            im = Image.alpha_composite(
                Image.new("RGBA", im.size, (255, 255, 255, 255)), im.convert("RGBA")
            ).convert("RGB")
            im.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
            out[p.stem] = np.asarray(im)
    return out


def image(px: np.ndarray) -> DecodedImage:
    px = np.ascontiguousarray(px)
    return DecodedImage(px, "raw", (px.shape[1], px.shape[0]))


def jpeg(px: np.ndarray, quality: int = 70) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(px)).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def generated(seed: int, h: int = 240, w: int = 320) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (h // 16, w // 16, 3)).astype(np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC))


def bits(signals: dict[str, Signal]) -> np.ndarray:
    raw = bytes.fromhex("".join(s.value for s in signals.values()))
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8).reshape(len(signals), 32), axis=1)


def best(bank: dict[str, Signal], query: dict[str, Signal]) -> int:
    b, q = bits(bank), bits(query)
    return int((b[:, None, :] != q[None, :, :]).sum(axis=2).min())


def test_variant_names_are_stable() -> None:
    # These names are stored with banked signals: renaming one orphans existing rows.
    for name in (
        "", "trim", "crop95", "crop90", "crop85", "crop80", "crop90:left", "crop90:top-right",
        "dihedral:rotate90", "dihedral:rotate180", "dihedral:flip_y", "dihedral:flip_minus1",
    ):  # fmt: skip
        assert name in VARIANTS
    assert set(DEFAULT_BANK_VARIANTS) <= set(VARIANTS)
    assert "" not in DEFAULT_BANK_VARIANTS


def test_bank_variants_skip_what_does_not_apply() -> None:
    px = generated(1)
    got = bank_variants(image(px), ["", "trim", "crop90"])
    assert set(got) == {"", "crop90"}  # nothing to trim
    assert got[""] == PDQ.hash_image(image(px))
    bordered = tf.add_frame(px, 0.1, (255, 255, 255))
    got = bank_variants(image(bordered), ["trim"])
    assert got["trim"].value == PDQ.hash_image(image(px)).value
    with pytest.raises(ValueError):
        bank_variants(image(px), ["crop42"])


def test_query_signal_names_and_costs() -> None:
    px = generated(2)
    assert set(query_signals(image(px), trim_borders=True, dihedral=False)) == {""}
    boxed = tf.fit_to_aspect(px, 16 / 9)
    assert set(query_signals(image(boxed), trim_borders=True, dihedral=False)) == {"", "trim"}
    full = query_signals(image(boxed), trim_borders=True, dihedral=True)
    assert len(full) == 16
    assert "dihedral:rotate90" in full and "trim+dihedral:flip_y" in full


def test_nested_borders_match_hash_only_and_media_banks() -> None:
    # A picture with its own white margin, then framed in black by whoever copied it.
    px = tf.add_frame(generated(4), 0.08, (255, 255, 255))
    copy = jpeg(tf.add_frame(px, 0.05, (0, 0, 0)), 85)
    query = query_signals(image(copy), trim_borders=True, dihedral=False)
    assert set(query) == {"", "trim", "trim:outer"}
    hash_only = {"": PDQ.hash_image(image(px))}
    assert PDQ.distance(hash_only[""].value, query["trim:outer"].value) <= THRESHOLD
    from_media = bank_variants(image(px), ["trim"])
    assert PDQ.distance(from_media["trim"].value, query["trim"].value) <= THRESHOLD


@pytest.mark.parametrize("name", ["astronaut", "brick", "grace_hopper"])
def test_crop_variant_matches_cropped_copy(name: str) -> None:
    px = corpus()[name]
    bank = bank_variants(image(px), DEFAULT_BANK_VARIANTS)
    for copy in (
        jpeg(tf.center_crop(px, 0.9)),
        tf.crop_sides(px, right=0.1),
        jpeg(tf.crop_sides(px, top=0.1, left=0.1)),
    ):
        query = query_signals(image(copy), trim_borders=True, dihedral=False)
        assert PDQ.distance(PDQ.hash_image(image(px)).value, query[""].value) > THRESHOLD
        assert best(bank, query) <= THRESHOLD


def test_crop_variant_of_generated_image() -> None:
    px = generated(3)
    bank = bank_variants(image(px), ["crop90"])
    query = query_signals(
        image(jpeg(tf.center_crop(px, 0.9), 80)), trim_borders=False, dihedral=False
    )
    assert best(bank, query) <= THRESHOLD


@pytest.mark.parametrize("name", ["brick", "chelsea", "page"])
def test_dihedral_query_matches_flipped_and_rotated_copies(name: str) -> None:
    # brick and page are textures where pdqhash.compute_dihedral misses flips by 40-100 bits.
    px = corpus()[name]
    bank = {"": PDQ.hash_image(image(px))}  # a hash-only bank: no banked variants
    for copy in (tf.flip_horizontal(px), jpeg(tf.rotate90(px, 1)), tf.flip_vertical(px)):
        query = query_signals(image(copy), trim_borders=True, dihedral=True)
        assert best(bank, query) <= THRESHOLD
        plain = query_signals(image(copy), trim_borders=True, dihedral=False)
        assert best(bank, plain) > THRESHOLD


def test_bordered_rotated_copy_matches_hash_only_bank() -> None:
    px = corpus()["coffee"]
    bank = {"": PDQ.hash_image(image(px))}
    copy = jpeg(tf.fit_to_aspect(tf.rotate90(px, 3), 16 / 9, (0, 0, 0)))
    assert best(bank, query_signals(image(copy), trim_borders=True, dihedral=True)) <= THRESHOLD


def test_distinct_photos_never_match_under_any_strategy() -> None:
    """Every banked view of each photo against every query view of every other photo."""
    photos = corpus()
    assert len(photos) >= 20
    names = ["", *DEFAULT_BANK_VARIANTS]
    banks = {n: bank_variants(image(px), names) for n, px in photos.items()}
    queries = {
        n: query_signals(image(px), trim_borders=True, dihedral=True) for n, px in photos.items()
    }
    closest = min(
        (best(bank, query), f"{a} vs {b}")
        for a, bank in banks.items()
        for b, query in queries.items()
        if a != b
    )
    assert closest[0] > THRESHOLD, closest
