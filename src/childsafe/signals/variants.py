"""Extra PDQ hashes that let edited copies (borders, flips, rotations, small crops) match.

PDQ hashes the whole frame, so it tolerates re-encoding and resizing but not geometry: a
mirrored copy, a letterboxed copy or a copy cropped by 10% lands 60-130 bits from the original,
far beyond the 31-bit threshold. Instead of loosening the threshold (which brings distinct
images into range), matching hashes *more views* of each side:

* **query side** (works with hash-only banks, e.g. lists received from a clearinghouse):
  the upload as is, its border-trimmed content when it has borders, and, when asked, the
  eight exact rotations/flips of each of those;
* **bank side** (needs the banked media, so only for banks built from files): the trimmed
  content and a grid of crops (centred, against each edge and corner), because the crop a
  copier chose cannot be undone from the copy, only anticipated; PDQ forgives about 1-2%.

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
#: Query side only: just the outermost border run (see ``find_content_box``).
TRIM_OUTER = "trim:outer"
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


def _trimmed(pixels: Pixels, *, nested: bool = True) -> Pixels | None:
    top, bottom, left, right = find_content_box(pixels, nested=nested)
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

#: What a bank stores per image when the operator enables "match edited copies" (bank side;
#: needs the media): the nested-trimmed content, centre crops keeping 95/90/85%, and crops
#: keeping 95/90% against each edge and corner. PDQ tolerates only about 1-2% of crop per
#: side, so this grid catches crops of up to 10% near those shapes, not every possible crop
#: (measured in bench/results/transforms.md). 20 extra hashes per banked image.
DEFAULT_BANK_VARIANTS: tuple[str, ...] = (
    TRIM,
    "crop95",
    "crop90",
    "crop85",
    *(f"crop{pct}:{anchor}" for pct in (95, 90) for anchor in _CUTS),
)


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

    Always ``""`` (the upload as is). With ``trim_borders`` and uniform borders found, also
    ``"trim"`` (all nested borders off: meets a bank's ``"trim"`` view) and, when it differs,
    ``"trim:outer"`` (only the outermost run: meets the plain hash of an image whose own edges
    are flat, e.g. a logo on white, in a hash-only bank). With ``dihedral``, also the seven
    non-trivial rotations/flips of each of those views (``"dihedral:<name>"``,
    ``"trim+dihedral:<name>"``, ``"trim:outer+dihedral:<name>"``). Any match of any of them is
    a match of the upload.

    The rotations are of the raster, hashed one by one, not ``pdqhash.compute_dihedral``: that
    shortcut misses mirrored copies of textured images (see ``media.transforms.dihedral``).
    Cost per upload, in PDQ hashes: 1, +1 or +2 when borders are found; ×8 with ``dihedral``.
    """
    pdq = pdq or PdqSignal()
    out: dict[str, Signal] = {ORIGINAL: pdq.hash_image(image)}
    views: list[tuple[str, Pixels]] = [("", image.pixels)]
    if trim_borders:
        nested = _trimmed(image.pixels, nested=True)
        outer = _trimmed(image.pixels, nested=False)
        for name, view in ((TRIM, nested), (TRIM_OUTER, outer)):
            if view is None or any(view.shape == v.shape for _, v in views[1:]):
                continue  # no borders, or the outer run was all there was
            signal = _hash(view, pdq)
            if signal is not None:
                out[name] = signal
                views.append((f"{name}+", view))
    if dihedral:
        for prefix, pixels in views:
            for d in DIHEDRAL[1:]:
                signal = _hash(dihedral_of(pixels, d), pdq)
                if signal is not None:
                    out[f"{prefix}{DIHEDRAL_PREFIX}{d}"] = signal
    return out
