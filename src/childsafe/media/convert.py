"""Turning whatever Pillow decoded into one canonical upright RGB raster.

Perceptual hashes are only comparable between systems if every system makes the *same* RGB
image from a file. The naive ``np.asarray(Image.open(f))`` used by several hashers gives a
4-channel array for CMYK and RGBA, palette indices for "P" images, clipped values for 16-bit
greyscale and ignores EXIF orientation, so the same picture hashes differently depending on how
it was saved. The rules here are fixed and documented so that they can be reproduced elsewhere.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

#: Transparent pixels are composited onto this colour. White because that is what browsers and
#: image viewers show a transparent upload on, so the hash matches what a person saw.
BACKGROUND = (255, 255, 255)

#: EXIF orientation -> the transpose that makes the image upright (EXIF 2.32, tag 0x0112).
_ORIENTATION_OPS: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_SIXTEEN_BIT = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I;16S"})


def exif_orientation(im: Image.Image) -> tuple[int, tuple[str, ...]]:
    """The orientation tag (1 when absent), and a note when the EXIF block is unusable.

    Broken EXIF is common in the wild and must not make an otherwise fine picture unreadable.
    """
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # Pillow raises many types on malformed EXIF
        return 1, ("exif_unreadable",)
    if isinstance(value, int) and 1 <= value <= 8:
        return value, ()
    return 1, ("exif_orientation_invalid",)


def swaps_axes(orientation: int) -> bool:
    """Orientations 5-8 rotate by a quarter turn, so width and height trade places."""
    return orientation >= 5


def apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    op = _ORIENTATION_OPS.get(orientation)
    return im if op is None else im.transpose(op)


def _composite(rgba: Image.Image) -> Image.Image:
    """Flatten alpha onto :data:`BACKGROUND` with exact integer rounding (no Pillow blend)."""
    a = np.asarray(rgba, dtype=np.uint16)
    alpha = a[..., 3:4]
    bg = np.asarray(BACKGROUND, dtype=np.uint16)
    out = (a[..., :3] * alpha + bg * (255 - alpha) + 127) // 255
    return Image.fromarray(out.astype(np.uint8), "RGB")


def _gray_to_rgb(values: npt.NDArray[np.uint8]) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(np.repeat(values[..., None], 3, axis=2)), "RGB")


def _wide_gray_to_rgb(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit int and float greyscale to 8 bits by scaling, not clipping.

    Pillow's ``convert("L")`` clips 16-bit values to 255, which turns most 16-bit scans white.
    Integer data is taken as 16-bit (0..65535, what PNG and TIFF store); float data as 0..1 when
    it fits in that range (the usual convention) and as 0..255 otherwise.
    """
    arr = np.asarray(im)
    if arr.dtype.kind == "f":
        f = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        if f.size and float(f.min()) >= 0.0 and float(f.max()) <= 1.0:
            f = f * 255.0
        g = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    else:
        wide = np.clip(arr.astype(np.int64), 0, 65535)
        g = ((wide * 255 + 32767) // 65535).astype(np.uint8)
    return _gray_to_rgb(g)


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    """Use the embedded ICC profile when there is one, as print workflows intend.

    Pillow already undoes the inverted CMYK that Adobe writes into JPEGs (APP14 marker). Without
    a profile, or if colour management fails, Pillow's device conversion is used.
    """
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            out = ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
            if out is not None:
                return out
        except Exception:  # noqa: S110 - a bad profile falls back to device CMYK
            pass
    return im.convert("RGB")


def to_rgb(im: Image.Image) -> Image.Image:
    """One RGB image for every Pillow mode, with the rules in this module's docstring."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("L", "1"):
        return im.convert("RGB")
    if mode in _SIXTEEN_BIT or mode in ("I", "F"):
        return _wide_gray_to_rgb(im)
    if mode == "P":
        if "transparency" in im.info or im.has_transparency_data:
            return _composite(im.convert("RGBA"))
        return im.convert("RGB")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        return _composite(im.convert("RGBA"))
    if mode == "CMYK":
        return _cmyk_to_rgb(im)
    return im.convert("RGB")  # YCbCr, LAB, HSV, RGBX
