"""Extra PDQ hashes that let edited copies (borders, flips, rotations, small crops) match.

PDQ hashes the whole frame, so it tolerates re-encoding and resizing but not geometry: a
mirrored copy, a letterboxed copy or a copy cropped by 10% lands 60-130 bits from the original,
far beyond the 31-bit threshold. Instead of loosening the threshold (which brings distinct
images into range), matching hashes *more views* of each side:

* **query side** (works with hash-only banks, e.g. lists received from a clearinghouse):
  the upload's original, its border-trimmed content when it has borders, and, when asked,
  the eight exact rotations/flips of whichever of those is the content;
* **bank side** (needs the banked media, so only for banks built from files): the trimmed
  content and a few centre crops, because a cropped copy of a banked image is close to a
  centre crop of the original, and which crop a copier chose cannot be undone from the copy.

Variant names are stable: they are stored in the database with every banked signal and shown
in match reports. ``""`` is the unmodified image. Measured recall, false positives and costs
are in ``bench/results/transforms.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from childsafe.media import DecodedImage
from childsafe.media.transforms import DIHEDRAL, Pixels, center_crop, crop_sides, find_content_box
from childsafe.media.transforms import dihedral as dihedral_of
from childsafe.signals.base import Signal
from childsafe.signals.pdq import PdqSignal

ORIGINAL = ""
TRIM = "trim"
DIHEDRAL_PREFIX = "dihedral:"
#: A view smaller than this on either side has too little detail for a meaningful PDQ hash.
MIN_VIEW_SIDE = 32


@dataclass(frozen=True)
class VariantSpec:
    """How to derive one banked view from an image's pixels.

    ``derive`` returns ``None`` when the view does not apply (no borders to trim, too small),
    in which case nothing is stored for it: a copy of the original would only repeat ``""``.
    """

    name: str
    description: str
    derive: Callable[[Pixels], Pixels | None]


def _trimmed(pixels: Pixels) -> Pixels | None:
    top, bottom, left, right = find_content_box(pixels)
    if (top, bottom, left, right) == (0, pixels.shape[0], 0, pixels.shape[1]):
        return None
    return pixels[top:bottom, left:right]


#: Anchored crops by the edge(s) they keep, with the sides they cut.
_CUTS: dict[str, tuple[str, ...]] = {
    "left": ("right",),
    "right": ("left",),
    "top": ("bottom",),
    "bottom": ("top",),
    "top-left": ("bottom", "right"),
    "top-right": ("bottom", "left"),
    "bottom-left": ("top", "right"),
    "bottom-right": ("top", "left"),
}


def _crop(fraction: float, anchor: str = "") -> Callable[[Pixels], Pixels | None]:
    """Keep ``fraction`` of each cropped dimension, centred or against ``anchor``'s edges."""
    if not anchor:
        return lambda pixels: center_crop(pixels, fraction)
    amounts = dict.fromkeys(_CUTS[anchor], 1 - fraction)
    return lambda pixels: crop_sides(pixels, **amounts)


def _dihedral(name: str) -> Callable[[Pixels], Pixels | None]:
    return lambda pixels: dihedral_of(pixels, name)


def _registry() -> dict[str, VariantSpec]:
    specs = [
        VariantSpec(ORIGINAL, "the image as banked", lambda p: p),
        VariantSpec(TRIM, "content inside uniform borders, if it has any", _trimmed),
    ]
    for pct in (98, 95, 92, 90, 85, 80):
        specs.append(
            VariantSpec(f"crop{pct}", f"central {pct}% of width and height", _crop(pct / 100))
        )
        for anchor in _CUTS:
            specs.append(
                VariantSpec(
                    f"crop{pct}:{anchor}",
                    f"{pct}% of the cropped dimensions, kept against the {anchor} edge(s)",
                    _crop(pct / 100, anchor),
                )
            )
    for d in DIHEDRAL[1:]:
        specs.append(
            VariantSpec(f"{DIHEDRAL_PREFIX}{d}", f"the exact {d} of the image", _dihedral(d))
        )
    return {s.name: s for s in specs}


#: Every view that can be banked, by stable name.
VARIANTS: dict[str, VariantSpec] = _registry()

#: What a bank stores per image when the operator enables "match edited copies": trimmed
#: content plus centre crops that cover copies cropped by up to 10% (see the benchmark).
DEFAULT_BANK_VARIANTS: tuple[str, ...] = (TRIM, "crop95", "crop90", "crop85")


def _hash(pixels: Pixels, pdq: PdqSignal) -> Signal | None:
    if pixels.shape[0] < MIN_VIEW_SIDE or pixels.shape[1] < MIN_VIEW_SIDE:
        return None
    view = DecodedImage(
        np.ascontiguousarray(pixels),
        "raw",
        (int(pixels.shape[1]), int(pixels.shape[0])),
        notes=("derived view",),
    )
    return pdq.hash_image(view)


def bank_variants(
    image: DecodedImage, names: Iterable[str], *, pdq: PdqSignal | None = None
) -> dict[str, Signal]:
    """PDQ signals of the named views of a banked image, keyed by variant name.

    Views that do not apply to this image (no borders to trim, too small to hash) are left
    out. Cost: one PDQ hash per returned entry, about 8 ms each at PDQ's decode size.
    """
    pdq = pdq or PdqSignal()
    out: dict[str, Signal] = {}
    for name in names:
        try:
            spec = VARIANTS[name]
        except KeyError:
            raise ValueError(f"unknown variant {name!r}; known: {sorted(VARIANTS)}") from None
        view = spec.derive(image.pixels)
        if view is None:
            continue
        signal = _hash(view, pdq)
        if signal is not None:
            out[name] = signal
    return out


def query_signals(
    image: DecodedImage,
    *,
    trim_borders: bool,
    dihedral: bool,
    pdq: PdqSignal | None = None,
) -> dict[str, Signal]:
    """The PDQ signals a scan looks up for one upload, keyed by variant name.

    Always ``""`` (the upload as is). With ``trim_borders``, also ``"trim"`` when the upload
    has uniform borders. With ``dihedral``, also the seven non-trivial rotations/flips of the
    upload (``"dihedral:<name>"``) and, when it had borders, of its trimmed content
    (``"trim+dihedral:<name>"``). Both are needed: a banked image may itself have a uniform
    band at its edge, which only a bank built from media can store a trimmed view of, so for
    hash-only banks the untrimmed rotations are what matches. Any match of any of these is a
    match of the upload.

    The rotations are of the raster, hashed one by one, not ``pdqhash.compute_dihedral``: that
    shortcut misses mirrored copies of textured images (see ``media.transforms.dihedral``).
    Cost per upload: 1 hash; +1 when borders are found; +7 (+14 with borders) with ``dihedral``.
    """
    pdq = pdq or PdqSignal()
    out: dict[str, Signal] = {ORIGINAL: pdq.hash_image(image)}
    views: list[tuple[str, Pixels]] = [("", image.pixels)]
    if trim_borders:
        trimmed = _trimmed(image.pixels)
        signal = None if trimmed is None else _hash(trimmed, pdq)
        if trimmed is not None and signal is not None:
            out[TRIM] = signal
            views.append((f"{TRIM}+", trimmed))
    if dihedral:
        for prefix, pixels in views:
            for d in DIHEDRAL[1:]:
                signal = _hash(dihedral_of(pixels, d), pdq)
                if signal is not None:
                    out[f"{prefix}{DIHEDRAL_PREFIX}{d}"] = signal
    return out
