"""Turning untrusted bytes into an upright RGB raster (placeholder, replaced by the full decoder)."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from childsafe.media.errors import (
    DecompressionBombError,
    EmptyFileError,
    NotAnImageError,
    TooLargeError,
    TruncatedError,
)
from childsafe.media.types import DecodedImage, DecodeLimits


def decode_image(
    data: bytes, limits: DecodeLimits | None = None, *, for_pdq: bool = False, frame: int = 0
) -> DecodedImage:
    limits = limits or DecodeLimits()
    if not data:
        raise EmptyFileError("file is empty")
    if len(data) > limits.max_bytes:
        raise TooLargeError(f"file is {len(data)} bytes, over the limit of {limits.max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            if im.width * im.height > limits.max_pixels:
                raise DecompressionBombError(
                    f"image is {im.width}x{im.height} pixels, over the limit of {limits.max_pixels}"
                )
            fmt = (im.format or "unknown").lower()
            mode = im.mode
            im.load()
            im = ImageOps.exif_transpose(im)
            rgb = im.convert("RGB")
    except UnidentifiedImageError:
        raise NotAnImageError("not an image in any supported format") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DecompressionBombError(str(e)) from None
    except OSError as e:
        raise TruncatedError(f"image data is truncated or corrupt: {e}") from None
    pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    return DecodedImage(pixels, fmt, (rgb.width, rgb.height), source_mode=mode)
