"""Geometric edits of rasters, shared by matching (trim, crop, dihedral) and by benchmarks.

Perceptual hashes are computed over the whole frame, so a copy that was letterboxed, mirrored,
rotated or slightly cropped hashes far from the original. These functions let matching undo
(borders, dihedral) or anticipate (centre crops) those edits, and let the benchmark make the
same edits with the same code, so what is measured is what ships.

Everything here is pure numpy on ``(height, width, 3)`` uint8 arrays and does no I/O. Results
are views where possible; callers that need contiguous memory (``pdqhash`` does) copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]
#: ``(top, bottom, left, right)``: the content is ``pixels[top:bottom, left:right]``.
Box = tuple[int, int, int, int]
Colour = tuple[int, int, int]

#: Largest per-channel difference from the border colour that still counts as border. High
#: enough for JPEG noise and ringing in a solid bar, low enough that shadows in a photo stop it.
DEFAULT_TOLERANCE = 24
#: Fraction of a line allowed to differ from the border colour (JPEG ringing, a stray pixel).
DEFAULT_OUTLIER_FRACTION = 0.02
#: Never keep less than this fraction of a dimension: a trim that would go further is taken to
#: be eating a mostly flat image, not a border, and that axis is left alone. 10% still lets
#: a 9:16 phone frame come off a 4:1 banner.
DEFAULT_MIN_KEEP = 0.1
#: Borders thinner than this many pixels are ignored: they are more often the edge of a photo
#: (vignetting, a scanner's line) than added bars, and trimming them changes nothing PDQ sees.
DEFAULT_MIN_BORDER = 2


# --------------------------------------------------------------------------- borders


def _leading_border(lines: npt.NDArray[np.int16], tolerance: int, outlier_fraction: float) -> int:
    """Count leading lines (axis 0) that are within ``tolerance`` of the first line's colour.

    The colour is the first line's per-channel median, so a single noisy or anti-aliased pixel
    in the outermost line does not decide it.
    """
    colour = np.median(lines[0], axis=0).astype(np.int16)
    off = np.abs(lines - colour).max(axis=2) > tolerance  # (n_lines, line_length)
    bad = off.mean(axis=1) > outlier_fraction
    first_bad = np.flatnonzero(bad)
    return int(first_bad[0]) if first_bad.size else int(lines.shape[0])


def _peel_once(
    px: npt.NDArray[np.int16],
    extents: tuple[int, int],
    tolerance: int,
    min_keep: float,
    min_border: int,
    outlier_fraction: float,
) -> Box:
    """One uniform run off each side of ``px``, in its coordinates (see find_content_box)."""
    height, width = int(px.shape[0]), int(px.shape[1])

    def peel(lines: npt.NDArray[np.int16], extent: int) -> tuple[int, int]:
        n = int(lines.shape[0])
        head = _leading_border(lines, tolerance, outlier_fraction)
        tail = _leading_border(lines[::-1], tolerance, outlier_fraction)
        head = head if head >= min_border else 0
        tail = tail if tail >= min_border else 0
        if n - head - tail < max(min_keep * extent, 1.0):
            return 0, n
        return head, n - tail

    # Rows-then-columns and columns-then-rows, keeping the tighter side of each: the result
    # commutes with rotations and flips, so a rotated copy trims to the rotated content.
    t1, b1 = peel(px, extents[0])
    l1, r1 = peel(px[t1:b1].transpose(1, 0, 2), extents[1])
    l2, r2 = peel(px.transpose(1, 0, 2), extents[1])
    t2, b2 = peel(px[:, l2:r2], extents[0])
    top, bottom, left, right = max(t1, t2), min(b1, b2), max(l1, l2), min(r1, r2)
    if bottom - top < max(min_keep * extents[0], 1.0):
        top, bottom = 0, height
    if right - left < max(min_keep * extents[1], 1.0):
        left, right = 0, width
    return top, bottom, left, right


def find_content_box(
    pixels: Pixels,
    *,
    nested: bool = False,
    tolerance: int = DEFAULT_TOLERANCE,
    min_keep: float = DEFAULT_MIN_KEEP,
    min_border: int = DEFAULT_MIN_BORDER,
    outlier_fraction: float = DEFAULT_OUTLIER_FRACTION,
) -> Box:
    """Locate the content inside uniform borders (letterbox, pillarbox, frames, padding).

    Each side may have its own colour (black, white, any solid colour). By default exactly one
    run of uniform colour is peeled from each side, rows over the columns that remain after the
    columns' own peel and vice versa (so letterbox bars do not hide pillarbox bars). That makes
    ``box(border(x))`` give back ``x`` whenever ``x``'s own edges are not a band of the same
    colour, which is what a hash-only bank (holding only the hash of ``x``) needs.

    With ``nested``, runs are peeled until none is left: a photo on a white page inside a black
    letterbox loses both. That is a fixed point, so ``nested`` boxes of ``x`` and of any
    bordered copy of ``x`` agree even when ``x`` has flat edges of its own; banks built from
    media store that view.

    An axis whose trim would leave less than ``min_keep`` of it (a uniform or nearly uniform
    image) is not trimmed at all: returning the whole image is always safe, trimming a flat
    picture to a sliver is not.
    """
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"expected (height, width, 3) pixels, got shape {pixels.shape}")
    height, width = int(pixels.shape[0]), int(pixels.shape[1])
    px = pixels.astype(np.int16)
    top, bottom, left, right = 0, height, 0, width
    while bottom - top >= 3 and right - left >= 3:
        t, b, le, r = _peel_once(
            px[top:bottom, left:right],
            (height, width),
            tolerance,
            min_keep,
            min_border,
            outlier_fraction,
        )
        if (t, b, le, r) == (0, bottom - top, 0, right - left):
            break
        top, bottom, left, right = top + t, top + b, left + le, left + r
        if not nested:
            break
    return top, bottom, left, right


def trim_borders(
    pixels: Pixels,
    *,
    nested: bool = False,
    tolerance: int = DEFAULT_TOLERANCE,
    min_keep: float = DEFAULT_MIN_KEEP,
    min_border: int = DEFAULT_MIN_BORDER,
) -> Pixels:
    """The content of ``pixels`` without its uniform borders (the input itself if it has none)."""
    t, b, le, r = find_content_box(
        pixels, nested=nested, tolerance=tolerance, min_keep=min_keep, min_border=min_border
    )
    return pixels[t:b, le:r]


def add_border(
    pixels: Pixels,
    *,
    top: int = 0,
    bottom: int = 0,
    left: int = 0,
    right: int = 0,
    colour: Colour = (0, 0, 0),
) -> Pixels:
    """Pad with solid bars of the given widths in pixels."""
    if min(top, bottom, left, right) < 0:
        raise ValueError("border widths must be non-negative")
    h, w = int(pixels.shape[0]), int(pixels.shape[1])
    out = np.empty((h + top + bottom, w + left + right, 3), dtype=np.uint8)
    out[...] = np.asarray(colour, dtype=np.uint8)
    out[top : top + h, left : left + w] = pixels
    return out


def add_frame(pixels: Pixels, fraction: float, colour: Colour = (0, 0, 0)) -> Pixels:
    """Pad every side by ``fraction`` of the image's larger dimension (a picture frame)."""
    px = round(max(pixels.shape[0], pixels.shape[1]) * fraction)
    return add_border(pixels, top=px, bottom=px, left=px, right=px, colour=colour)


def fit_to_aspect(pixels: Pixels, aspect: float, colour: Colour = (0, 0, 0)) -> Pixels:
    """Centre the image in a frame of ``aspect`` (width / height), padding as a player does.

    An image narrower than the frame gets bars left and right (pillarbox), a wider one bars top
    and bottom (letterbox).
    """
    h, w = int(pixels.shape[0]), int(pixels.shape[1])
    if w / h < aspect:
        extra = round(h * aspect) - w
        return add_border(pixels, left=extra // 2, right=extra - extra // 2, colour=colour)
    extra = round(w / aspect) - h
    return add_border(pixels, top=extra // 2, bottom=extra - extra // 2, colour=colour)


# --------------------------------------------------------------------------- crops


def crop_sides(
    pixels: Pixels,
    *,
    top: float = 0.0,
    bottom: float = 0.0,
    left: float = 0.0,
    right: float = 0.0,
) -> Pixels:
    """Remove the given fractions of the height (top, bottom) and width (left, right)."""
    if min(top, bottom, left, right) < 0 or top + bottom >= 1 or left + right >= 1:
        raise ValueError("crop fractions must be non-negative and leave some of the image")
    h, w = int(pixels.shape[0]), int(pixels.shape[1])
    t, b = round(h * top), h - round(h * bottom)
    le, r = round(w * left), w - round(w * right)
    return pixels[t:b, le:r]


def center_crop(pixels: Pixels, fraction: float) -> Pixels:
    """Keep the central ``fraction`` of each dimension (0.9 removes 5% from every side)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    margin = (1 - fraction) / 2
    return crop_sides(pixels, top=margin, bottom=margin, left=margin, right=margin)


# --------------------------------------------------------------------------- dihedral

#: The eight rotations/flips, named as in :data:`childsafe.signals.pdq.DIHEDRAL_NAMES`
#: (rotations counter-clockwise; ``flip_x`` mirrors about the horizontal axis, i.e. upside
#: down; ``flip_y`` about the vertical axis, i.e. left-right; ``flip_plus1`` is the transpose
#: and ``flip_minus1`` the anti-transpose). Each is its own name's inverse except the two
#: quarter turns, which invert each other.
DIHEDRAL: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


def flip_horizontal(pixels: Pixels) -> Pixels:
    """Mirror left-right (what most "flip" buttons do)."""
    return pixels[:, ::-1]


def flip_vertical(pixels: Pixels) -> Pixels:
    """Mirror top-bottom."""
    return pixels[::-1]


def rotate90(pixels: Pixels, quarter_turns: int = 1) -> Pixels:
    """Rotate counter-clockwise by ``quarter_turns`` × 90° (negative turns go clockwise)."""
    return np.rot90(pixels, quarter_turns, axes=(0, 1))


def dihedral(pixels: Pixels, name: str) -> Pixels:
    """Apply one of :data:`DIHEDRAL` exactly, on the pixels.

    Matching rotated and mirrored copies needs the hash of the *transformed raster*. PDQ's
    shortcut of permuting DCT coefficients (``pdqhash.compute_dihedral``) is not equivalent,
    because PDQ's downsampling filter is not mirror-symmetric: on fine textures it lands
    40-100 bits away from the hash of the flipped raster (see ``bench/results/transforms.md``).
    """
    match name:
        case "original":
            return pixels
        case "rotate90":
            return rotate90(pixels, 1)
        case "rotate180":
            return rotate90(pixels, 2)
        case "rotate270":
            return rotate90(pixels, 3)
        case "flip_x":
            return flip_vertical(pixels)
        case "flip_y":
            return flip_horizontal(pixels)
        case "flip_plus1":
            return pixels.transpose(1, 0, 2)
        case "flip_minus1":
            return rotate90(pixels, 2).transpose(1, 0, 2)
    raise ValueError(f"unknown dihedral transform {name!r}; known: {DIHEDRAL}")


def dihedral_all(pixels: Pixels, names: Sequence[str] = DIHEDRAL) -> dict[str, Pixels]:
    """Several dihedral transforms of one raster, by name."""
    return {n: dihedral(pixels, n) for n in names}
