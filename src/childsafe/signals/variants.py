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
from childsafe.media.convert import swaps_axes
from childsafe.media.transforms import DIHEDRAL, Pixels, center_crop, crop_sides, find_content_box
from childsafe.media.transforms import dihedral as dihedral_of
from childsafe.signals.base import Signal
from childsafe.signals.pdq import REVERSED_AXES, PdqSignal
from childsafe.signals.pdq_scaled import axis_scale

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


#: (transposed, x reversed, y reversed) of an upright raster relative to the stored JPEG grid
#: -> the EXIF orientation that gives that arrangement. The eight orientations are the
#: dihedral group, so a rotated or flipped view of an oriented decode is again one of them.
_ORIENTATION_OF: dict[tuple[bool, bool, bool], int] = {
    (swaps_axes(o), *REVERSED_AXES[o]): o for o in range(1, 9)
}


def _axis_edge(full: int, reduced: int, reversed_: bool, i: int) -> float:
    """Full-resolution position of reduced pixel boundary ``i`` along one upright axis.

    Mirrors :func:`childsafe.signals.pdq_scaled.reduced_weights`: DCT blocks start at the
    stored picture's first pixel, so an axis that runs against the stored one has its partial
    block at its start.
    """
    s = axis_scale(full, reduced)
    if reversed_:
        return max(full - (reduced - i) * s, 0.0)
    return min(i * s, float(full))


def _placement(source: Pixels, view: Pixels) -> list[tuple[int, int, int]] | None:
    """For each axis of ``view`` (rows, columns): the source axis, first index, and step (±1).

    Every view here (trims, crops, rotations, flips and their compositions) is a numpy view of
    the decoded raster, so its strides and data offset say exactly where it sits; that keeps
    the ``derive`` functions plain pixel operations. ``None`` when ``view`` is not a strided
    view of ``source`` (a derive that copies), and the caller hashes it as a picture of its own.
    """
    s0, s1, s2 = source.strides
    if view.ndim != 3 or view.strides[2] != s2 or s1 != 3 * s2 or s0 != source.shape[1] * s1:
        return None
    offset = view.ctypes.data - source.ctypes.data
    if not 0 <= offset < source.nbytes or offset % s1:
        return None
    origin = divmod(offset // s1, source.shape[1])
    axes: list[tuple[int, int, int]] = []
    for k in (0, 1):
        stride = int(view.strides[k])
        if abs(stride) == s0:
            axis = 0
        elif abs(stride) == s1:
            axis = 1
        else:
            return None
        step = 1 if stride > 0 else -1
        last = origin[axis] + step * (int(view.shape[k]) - 1)
        if not 0 <= last < source.shape[axis]:
            return None
        axes.append((axis, int(origin[axis]), step))
    if axes[0][0] == axes[1][0]:
        return None
    return axes


def _view_image(image: DecodedImage, source: Pixels, view: Pixels) -> DecodedImage:
    """``view`` as a DecodedImage whose hash is that of the same view of the full picture.

    On a reduced decode a view hashed as a picture of its own (its size as the original) drifts
    by up to 40 bits from the same view of the full-resolution file, because PDQ's box widths
    and sample positions follow the raster's size; a 12 MP banked photo and a 3 MP copy are
    decoded at different reductions, so their views would stop meeting. Instead the view gets
    the full-resolution size it stands for (its reduced box mapped through the DCT block grid,
    exact at the picture's edges) and the orientation that says which of its axes run against
    the stored grid, so :class:`PdqSignal` emulates the full-size filter on it. On a
    full-resolution decode this is the view's own size and the exact reference path.
    """
    px = np.ascontiguousarray(view)
    placement = _placement(source, view)
    if placement is None:
        return DecodedImage(px, "raw", (px.shape[1], px.shape[0]), notes=("derived view",))
    orientation = image.orientation if image.orientation in REVERSED_AXES else 1
    full_w, full_h = image.original_size
    src_full = (full_h, full_w)  # by source axis: 0 = rows (y), 1 = columns (x)
    src_rev = (REVERSED_AXES[orientation][1], REVERSED_AXES[orientation][0])
    sizes: list[int] = []
    revs: list[bool] = []
    for k, (axis, first, step) in enumerate(placement):
        n = int(view.shape[k])
        lo = first if step > 0 else first - n + 1
        grid = (src_full[axis], int(source.shape[axis]), src_rev[axis])
        sizes.append(max(1, round(_axis_edge(*grid, lo + n) - _axis_edge(*grid, lo))))
        revs.append(src_rev[axis] != (step < 0))
    transposed = swaps_axes(orientation) != (placement[0][0] == 1)
    return DecodedImage(
        px,
        "raw",
        (sizes[1], sizes[0]),
        notes=("derived view",),
        orientation=_ORIENTATION_OF[(transposed, revs[1], revs[0])],
    )


def _hash(image: DecodedImage, source: Pixels, view: Pixels, pdq: PdqSignal) -> Signal | None:
    if view.shape[0] < MIN_VIEW_SIDE or view.shape[1] < MIN_VIEW_SIDE:
        return None
    return pdq.hash_image(_view_image(image, source, view))


def bank_variants(
    image: DecodedImage, names: Iterable[str], *, pdq: PdqSignal | None = None
) -> dict[str, Signal]:
    """PDQ signals of the named views of a banked image, keyed by variant name.

    Views that do not apply to this image (no borders to trim, too small to hash) are left
    out. Cost: one PDQ hash per returned entry, about 8 ms each at PDQ's decode size.
    """
    pdq = pdq or PdqSignal()
    source = np.ascontiguousarray(image.pixels)
    out: dict[str, Signal] = {}
    for name in names:
        try:
            spec = VARIANTS[name]
        except KeyError:
            raise ValueError(f"unknown variant {name!r}; known: {sorted(VARIANTS)}") from None
        view = spec.derive(source)
        if view is None:
            continue
        signal = _hash(image, source, view, pdq)
        if signal is not None:
            out[name] = signal
    return out


def query_signals(
    image: DecodedImage,
    *,
    trim_borders: bool,
    dihedral: bool,
    pdq: PdqSignal | None = None,
    original: Signal | None = None,
) -> dict[str, Signal]:
    """The PDQ signals a scan looks up for one upload, keyed by variant name.

    ``original``: the upload's own PDQ signal when the caller already has it (the scan
    pipeline hashed it first), so it is not computed twice.

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
    source = np.ascontiguousarray(image.pixels)
    out: dict[str, Signal] = {ORIGINAL: original or pdq.hash_image(image)}
    views: list[tuple[str, Pixels]] = [("", source)]
    if trim_borders:
        nested = _trimmed(source, nested=True)
        outer = _trimmed(source, nested=False)
        for name, view in ((TRIM, nested), (TRIM_OUTER, outer)):
            if view is None or any(view.shape == v.shape for _, v in views[1:]):
                continue  # no borders, or the outer run was all there was
            signal = _hash(image, source, view, pdq)
            if signal is not None:
                out[name] = signal
                views.append((f"{name}+", view))
    if dihedral:
        for prefix, pixels in views:
            for d in DIHEDRAL[1:]:
                signal = _hash(image, source, dihedral_of(pixels, d), pdq)
                if signal is not None:
                    out[f"{prefix}{DIHEDRAL_PREFIX}{d}"] = signal
    return out
